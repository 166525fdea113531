// Prometheus metrics for the service. One registry per service instance (tests run several in a process).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  const fetched = new Counter({
    name: 'dtc_records_fetched_total',
    help: 'Records fetched from Darktrace, by instance and stream',
    labelNames: ['instance', 'stream'] as const,
    registers: [registry],
  });
  const stored = new Counter({
    name: 'dtc_detections_stored_total',
    help: 'Detection versions appended to the store (kind=new|updated) and duplicates dropped',
    labelNames: ['instance', 'kind'] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'dtc_records_rejected_total',
    help: 'Records sent to the dead-letter table',
    labelNames: ['instance', 'source'] as const,
    registers: [registry],
  });
  const pollErrors = new Counter({
    name: 'dtc_poll_errors_total',
    help: 'Polls of a stream that failed',
    labelNames: ['instance', 'stream'] as const,
    registers: [registry],
  });
  const pollDuration = new Histogram({
    name: 'dtc_poll_duration_seconds',
    help: 'Duration of one poll of an instance',
    labelNames: ['instance'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const instanceUp = new Gauge({
    name: 'dtc_instance_up',
    help: '1 when the last poll of the instance fully succeeded, 0.5 when degraded, 0 when failing',
    labelNames: ['instance'] as const,
    registers: [registry],
  });
  const storeSeq = new Gauge({
    name: 'dtc_store_sequence',
    help: 'Highest sequence number in the store',
    registers: [registry],
  });
  return { registry, fetched, stored, rejected, pollErrors, pollDuration, instanceUp, storeSeq };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** `dtc_store_writable`: 1 while the store writes, 0 while it refuses (full disk, read-only, damaged). */
export function storeGauge(m: Metrics, store: { health(): { writable: boolean; code?: string } }): void {
  new Gauge({
    name: 'dtc_store_writable',
    help: '1 when the store can write, 0 while it cannot (code: disk_full, read_only, corrupt, io); see /healthz for the reason',
    labelNames: ['code'] as const,
    registers: [m.registry],
    collect() {
      const h = store.health();
      this.reset();
      this.set({ code: h.code ?? '' }, h.writable ? 1 : 0);
    },
  });
}
