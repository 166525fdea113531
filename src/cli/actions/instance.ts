// The work behind `dtc instance …` and `dtc backfill` (declared in ../instance.ts): loaded only when one
// of them runs, because it opens the store and may start pollers and worker threads.
import { checkConnection } from '../../collect/health.ts';
import { INSTANCE_FLAGS, type InstanceConfig, instanceRecord, instanceSpec } from '../../collect/instance.ts';
import { STREAMS, type StreamSpec } from '../../collect/poller.ts';
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

export async function backfill(f: BackfillFlags): Promise<void> {
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
  const { backfillInThread } = await import('./backfill.ts');
  const summary = await backfillInThread(
    { dataDir: f.dataDir, instance: f.instance, since, streams: streams as StreamSpec['name'][], workers },
    !!f.stats,
  );
  await print(f, summary);
}
