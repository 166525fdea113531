// The work behind `dtc instance …` and `dtc backfill` (declared in ../instance.ts): loaded only when one
// of them runs, because it opens the store and may start pollers and worker threads.
import cliProgress from 'cli-progress';
import { checkConnection } from '../../collect/health.ts';
import { storeIngest } from '../../collect/ingest.ts';
import { INSTANCE_FLAGS, type InstanceConfig, instanceRecord, instanceSpec } from '../../collect/instance.ts';
import { InstancePoller, STREAMS, type StreamSpec } from '../../collect/poller.ts';
import { PreparePool } from '../../collect/prepare-pool.ts';
import { DarktraceClient } from '../../darktrace/index.ts';
import type { Store } from '../../store/index.ts';
import { valuesFromFlags } from '../../util/spec.ts';
import { parseTime } from '../../util/time.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';
import { withStore } from '../store.ts';

/** `--poll-interval` and the rest, by commander's attribute names (see INSTANCE_FLAGS). */
export interface InstanceFlags extends OutputFlags {
  dataDir: string;
  disable?: boolean;
  enable?: boolean;
  [flag: string]: unknown;
}

export interface BackfillFlags extends OutputFlags {
  dataDir: string;
  instance: string;
  since: string;
  streams: string;
  stats?: boolean;
  workers: string;
}

/** The columns of an instance on a table; the full record is in JSON and YAML. */
const INSTANCE_COLUMNS = [
  'name',
  'url',
  'enabled',
  'simulated',
  'pollIntervalSeconds',
  'lookbackHours',
  'minScore',
  'createdAt',
  'updatedAt',
];

const print = (f: OutputFlags, data: unknown, columns?: string[]) =>
  printData(data, outputFormat(f), { columns, empty: 'no instances yet (add one with dtc instance add)' });

/** The instance fields the flags give, in the spec's shape (tls nested), each parsed as its spec says. */
function patchFromFlags(f: InstanceFlags): Partial<InstanceConfig> {
  const patch: Record<string, unknown> = valuesFromFlags(INSTANCE_FLAGS, f);
  if (f.disable || f.enable) patch.enabled = !f.disable;
  return patch;
}

/** Validates with the instance spec, as the config file and the API do, naming the flag of each problem. */
function validate(candidate: Record<string, unknown>): InstanceConfig {
  const r = instanceSpec.safeParse(candidate);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const d = INSTANCE_FLAGS.find((x) => x.path.join('.') === i.path.join('.'));
      return `${d?.flag ?? `--${String(i.path[0] ?? '')}`}: ${i.message}`;
    });
    throw new Error(`invalid instance:\n  - ${lines.join('\n  - ')}`);
  }
  return r.data;
}

const noSuch = (name: string) => new Error(`no instance named "${name}": see dtc instance list`);

export const add = (f: InstanceFlags & { name: string }) =>
  withStore(f.dataDir, async (store) => {
    if (await store.instances.get(f.name as string))
      throw new Error(`an instance named "${f.name}" exists: use dtc instance update`);
    await store.instances.add(validate({ name: f.name, ...patchFromFlags(f) }));
    await print(f, await store.instances.get(f.name));
  });

export const list = (f: InstanceFlags) =>
  withStore(f.dataDir, async (store) => print(f, await store.instances.list(), INSTANCE_COLUMNS));

export const show = (name: string, f: InstanceFlags) =>
  withStore(f.dataDir, async (store) => {
    const i = await store.instances.get(name);
    if (!i) throw noSuch(name);
    await print(f, { ...i, connectionChecks: await store.connectionChecks.list(name, 10) });
  });

export const update = (name: string, f: InstanceFlags) =>
  withStore(f.dataDir, async (store) => {
    const current = await instanceRecord(store, name);
    if (!current) throw noSuch(name);
    const patch = patchFromFlags(f);
    const { simulated: _s, ...stored } = current;
    // Validate the merged result, then save only what the flags changed.
    validate({ ...stored, ...patch, tls: { ...stored.tls, ...patch.tls } });
    await store.instances.update(name, patch);
    await print(f, await store.instances.get(name));
  });

export const remove = (name: string, f: InstanceFlags) =>
  withStore(f.dataDir, async (store) => {
    if (!(await store.instances.get(name))) throw noSuch(name);
    await store.instances.remove(name);
    process.stderr.write(`removed instance "${name}"\n`);
  });

export const test = (name: string, f: InstanceFlags) =>
  withStore(f.dataDir, async (store) => {
    const rec = await instanceRecord(store, name);
    if (!rec) throw noSuch(name);
    const result = await checkConnection(rec);
    await store.connectionChecks.add({
      instance: name,
      ok: result.ok,
      latencyMs: result.latencyMs,
      error: result.error ?? null,
    });
    await print(f, result);
    if (!result.ok) process.exitCode = 1;
  });

export const backfill = (f: BackfillFlags) =>
  withStore(f.dataDir, async (store) => {
    const rec = await instanceRecord(store, f.instance);
    if (!rec) throw noSuch(f.instance);
    const since = parseTime(f.since);
    const streams = String(f.streams)
      .split(',')
      .map((s) => s.trim());
    for (const s of streams) {
      if (!STREAMS.some((x) => x.name === s))
        throw new Error(`--streams: unknown stream "${s}" (${STREAMS.map((x) => x.name).join(', ')})`);
    }
    const workers = Number(f.workers);
    if (!Number.isInteger(workers) || workers < 0 || workers > 16)
      throw new Error(`--workers must be 0 to 16, got "${f.workers}"`);
    const summary = await runBackfill(store, rec, since, streams as StreamSpec['name'][], !!f.stats, workers);
    await print(f, summary);
  });

async function runBackfill(
  store: Store,
  rec: NonNullable<Awaited<ReturnType<typeof instanceRecord>>>,
  since: number,
  streams: StreamSpec['name'][],
  stats: boolean,
  workers: number,
): Promise<Record<string, unknown>> {
  const client = new DarktraceClient(rec);
  const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
  const pool =
    workers > 0 ? new PreparePool(rec, rec.name, workers, { warn, error: warn }, rec.minScore) : undefined;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: '{stream} [{bar}] {percentage}% | {items} items | {rate}/s | ETA {eta_formatted}',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const started = Date.now();
  let lastLine = 0;
  let current = '';
  const poller = new InstancePoller({
    instance: rec.name,
    client,
    ingest: storeIngest(store),
    log: {
      info: () => {},
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
      error: (m) => process.stderr.write(`error: ${m}\n`),
    },
    lookbackMs: rec.lookbackHours * 3_600_000,
    // Quarter-hour windows keep each worker's heap small (peak RSS is a budget) at no cost in speed.
    maxWindowMs: 15 * 60_000,
    minScore: rec.minScore,
    ...(pool ? { prepare: pool.prepare, concurrency: workers + 1 } : {}),
  });
  try {
    const report = await poller.backfill(since, {
      streams,
      signal: abort.signal,
      progress: ({ stream, done, total, items }) => {
        const pct = total > 0 ? (100 * done) / total : 100;
        const rate = Math.round(items / Math.max(0.001, (Date.now() - started) / 1000));
        if (bar) {
          if (stream !== current) {
            if (current) bar.stop();
            bar.start(100, 0, { stream, items: 0, rate: 0 });
            current = stream;
          }
          bar.update(Math.round(pct * 10) / 10, { stream, items, rate });
        } else if (Date.now() - lastLine > 2000 || done >= total) {
          lastLine = Date.now();
          const eta =
            pct > 0 && pct < 100 ? Math.round(((Date.now() - started) / 1000) * ((100 - pct) / pct)) : 0;
          process.stderr.write(
            `backfill ${rec.name} ${stream}: ${pct.toFixed(1)}% ${items} items ${rate}/s eta ${eta}s\n`,
          );
        }
      },
    });
    bar?.stop();
    const summary = Object.fromEntries(
      Object.entries(report).map(([k, r]) => [
        k,
        {
          fetched: r.fetched,
          new: r.new,
          updated: r.updated,
          duplicates: r.duplicates,
          rejected: r.rejected,
        },
      ]),
    );
    if (abort.signal.aborted) process.exitCode = 130;
    return {
      instance: rec.name,
      since: new Date(since).toISOString(),
      interrupted: abort.signal.aborted,
      ...summary,
      ...(stats
        ? {
            stats: {
              seconds: (Date.now() - started) / 1000,
              maxRssMb: process.resourceUsage().maxRSS / 1024,
            },
          }
        : {}),
    };
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool?.close();
    await client.close();
  }
}
