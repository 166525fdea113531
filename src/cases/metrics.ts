// Case-connector metrics, on the service's registry, in the sinks' style (src/deliver/metrics.ts):
// counters of what went out and came in, and gauges read from the store at each scrape.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Store } from '../store/index.ts';

function createCaseMetrics(registry: Registry) {
  const registers = [registry];
  const labelNames = ['connector'] as const;
  return {
    opened: new Counter({
      name: 'dtc_case_opened_total',
      help: 'Cases a connector opened in its case system',
      labelNames,
      registers,
    }),
    updated: new Counter({
      name: 'dtc_case_updated_total',
      help: 'Updates (comment, priority, resolve or reopen) a connector made to its cases',
      labelNames,
      registers,
    }),
    gone: new Counter({
      name: 'dtc_case_gone_total',
      help: 'Cases found deleted or hidden in the case system (their links are marked gone)',
      labelNames,
      registers,
    }),
    errors: new Counter({
      name: 'dtc_case_errors_total',
      help: 'Failed attempts (outbound or inbound), each retried with backoff',
      labelNames: ['connector', 'direction'] as const,
      registers,
    }),
    inbound: new Counter({
      name: 'dtc_case_inbound_changes_total',
      help: 'Changes read from cases (kind=comment|resolved|reopened) by outcome (applied, own, seen, unlinked, empty)',
      labelNames: ['connector', 'kind', 'outcome'] as const,
      registers,
    }),
  };
}

export type CaseMetrics = ReturnType<typeof createCaseMetrics>;

const cache = new WeakMap<Registry, CaseMetrics>();
/** One set per registry; the store gauges are added once, for every connector named then. */
export function caseMetrics(registry: Registry, store: Store, connectors: () => string[]): CaseMetrics {
  let m = cache.get(registry);
  if (m) return m;
  m = createCaseMetrics(registry);
  cache.set(registry, m);
  new Gauge({
    name: 'dtc_case_lag',
    help: 'Store sequences a connector has not read yet (max sequence − offset)',
    labelNames: ['connector'] as const,
    registers: [registry],
    async collect() {
      const max = await store.maxSeq();
      for (const c of connectors())
        this.set({ connector: c }, Math.max(0, max - (await store.cases.offsets.get(c))));
    },
  });
  new Gauge({
    name: 'dtc_case_links',
    help: 'Cases linked to detections, by status (open, gone)',
    labelNames: ['connector', 'status'] as const,
    registers: [registry],
    async collect() {
      for (const c of connectors()) {
        const n = await store.cases.links.counts(c);
        this.set({ connector: c, status: 'open' }, n.open);
        this.set({ connector: c, status: 'gone' }, n.gone);
      }
    },
  });
  return m;
}
