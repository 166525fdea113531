// The work behind `dtc instance …` and `dtc backfill` (declared in ../instance.ts): loaded only when one
// of them runs, because it opens the store and may start pollers and worker threads.
import cliProgress from 'cli-progress';
import { checkConnection } from '../../collect/health.ts';
import { storeIngest } from '../../collect/ingest.ts';
import { InstancePoller, STREAMS, type StreamSpec } from '../../collect/poller.ts';
import { PreparePool } from '../../collect/prepare-pool.ts';
import { DarktraceClient } from '../../darktrace/index.ts';
import { instanceSchema } from '../../service/config.ts';
import { instanceInput, instanceRecord } from '../../service/instances.ts';
import type { Store } from '../../store/index.ts';
import { parseDuration, parseTime } from '../../util/time.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';
import { withStore } from '../store.ts';

export interface InstanceFlags extends OutputFlags {
  dataDir: string;
  url?: string;
  publicToken?: string;
  privateToken?: string;
  pollInterval?: string;
  lookback?: string;
  minScore?: string;
  maxItems?: string;
  insecure?: boolean;
  caFile?: string;
  proxy?: string;
  disable?: boolean;
  enable?: boolean;
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
  'pollIntervalS',
  'lookbackS',
  'minScore',
  'createdAt',
  'updatedAt',
];

const print = (f: OutputFlags, data: unknown, columns?: string[]) =>
  printData(data, outputFormat(f), { columns, empty: 'no instances yet (add one with dtc instance add)' });

function patchFromFlags(f: InstanceFlags): Record<string, unknown> {
  const num = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got "${v}"`);
    return n;
  };
  const patch: Record<string, unknown> = {
    url: f.url,
    publicToken: f.publicToken,
    privateToken: f.privateToken,
    pollIntervalSeconds: num(f.pollInterval, '--poll-interval'),
    lookbackHours: f.lookback === undefined ? undefined : parseDuration(f.lookback) / 3_600_000,
    minScore: num(f.minScore, '--min-score'),
    maxItemsPerPoll: num(f.maxItems, '--max-items'),
    tls: f.insecure || f.caFile ? { insecure: !!f.insecure, caFile: f.caFile } : undefined,
    proxy: f.proxy,
    enabled: f.disable ? false : f.enable ? true : undefined,
  };
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}

/** Validates with the same schema as the config file, so both paths give the same messages. */
function validate(candidate: Record<string, unknown>) {
  const r = instanceSchema.safeParse(candidate);
  if (!r.success) {
    const lines = r.error.issues.map(
      (i) => `--${String(i.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`,
    );
    throw new Error(`invalid instance:\n  - ${lines.join('\n  - ')}`);
  }
  return r.data;
}

const noSuch = (name: string) => new Error(`no instance named "${name}": see dtc instance list`);

export const add = (f: InstanceFlags & { name: string }) =>
  withStore(f.dataDir, async (store) => {
    if (store.instances.get(f.name))
      throw new Error(`an instance named "${f.name}" exists: use dtc instance update`);
    const i = validate({ name: f.name, ...patchFromFlags(f) });
    store.instances.add(instanceInput(i));
    await print(f, store.instances.get(f.name));
  });

export const list = (f: InstanceFlags) =>
  withStore(f.dataDir, (store) => print(f, store.instances.list(), INSTANCE_COLUMNS));

export const show = (name: string, f: InstanceFlags) =>
  withStore(f.dataDir, async (store) => {
    const i = store.instances.get(name);
    if (!i) throw noSuch(name);
    await print(f, { ...i, connectionChecks: store.connectionChecks.list(name, 10) });
  });

export const update = (name: string, f: InstanceFlags) =>
  withStore(f.dataDir, async (store) => {
    const current = store.instances.get(name);
    if (!current) throw noSuch(name);
    const patch = patchFromFlags(f);
    // Validate the merged result; the stored private token stands in when none is given.
    validate({
      name,
      url: current.url,
      publicToken: current.publicToken,
      privateToken: 'unchanged',
      pollIntervalSeconds: current.pollIntervalS,
      lookbackHours: current.lookbackS / 3600,
      ...patch,
    });
    const { pollIntervalSeconds, lookbackHours, tls, ...rest } = patch as Record<string, any>;
    store.instances.update(name, {
      ...rest,
      ...(pollIntervalSeconds === undefined ? {} : { pollIntervalS: pollIntervalSeconds }),
      ...(lookbackHours === undefined ? {} : { lookbackS: lookbackHours * 3600 }),
      ...(tls === undefined ? {} : { tls: { insecure: tls.insecure, caFile: tls.caFile ?? null } }),
    });
    await print(f, store.instances.get(name));
  });

export const remove = (name: string, f: InstanceFlags) =>
  withStore(f.dataDir, (store) => {
    if (!store.instances.get(name)) throw noSuch(name);
    store.instances.remove(name);
    process.stderr.write(`removed instance "${name}"\n`);
  });

export const test = (name: string, f: InstanceFlags) =>
  withStore(f.dataDir, async (store) => {
    const rec = instanceRecord(store, name);
    if (!rec) throw noSuch(name);
    const result = await checkConnection(rec);
    store.connectionChecks.add({
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
    const rec = instanceRecord(store, f.instance);
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
  rec: NonNullable<ReturnType<typeof instanceRecord>>,
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
