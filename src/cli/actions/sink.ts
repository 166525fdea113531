// The work behind `dtc sink …` (declared in ../sink.ts), loaded only when one of them runs.
import { offsetFor } from '../../deliver/offsets.ts';
import { sinkModuleFor } from '../../deliver/registry.ts';
import type { Store } from '../../store/index.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';
import { withStore } from '../store.ts';

export interface SinkFlags extends OutputFlags {
  dataDir: string;
}

async function noSuchSink(store: Store, name: string): Promise<Error> {
  const known = (await store.sinks.list()).map((s) => s.name);
  return new Error(`no sink named "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`);
}

export async function sinkRows(store: Store) {
  const max = await store.maxSeq();
  const offsets = new Map((await store.sinkOffsets.list()).map((o) => [o.sink, o]));
  return (await store.sinks.list()).map((s) => {
    const o = offsets.get(s.name);
    const c = s.config as { format?: string; url?: string };
    const m = c.url ? sinkModuleFor(c.url) : undefined;
    return {
      name: s.name,
      // The type the registry gives the URL, as the README's sink-types table names it.
      type: typeof m === 'object' ? m.type : null,
      format: c.format,
      url: c.url,
      offset: o?.seq ?? 0,
      lag: Math.max(0, max - (o?.seq ?? 0)),
      lastError: o?.lastError ?? null,
      lastErrorAt: o?.lastErrorAt ? new Date(o.lastErrorAt).toISOString() : null,
    };
  });
}

export async function list(f: SinkFlags): Promise<void> {
  const rows = await withStore(f.dataDir, sinkRows);
  await printData(rows, outputFormat(f), {
    empty: 'no sinks yet (declare them with dtc start --sink or in the config file)',
  });
}

export const remove = (name: string, f: SinkFlags) =>
  withStore(f.dataDir, async (store) => {
    const offset = await store.sinkOffsets.get(name);
    if (!(await store.sinks.remove(name))) throw await noSuchSink(store, name);
    process.stdout.write(
      `sink ${name} removed (it was at offset ${offset}). If a service still declares it, it starts ` +
        'again from offset 0 and delivers everything in the store.\n',
    );
  });

export const reset = (name: string, f: SinkFlags & { to: string }) =>
  withStore(f.dataDir, async (store) => {
    if (!(await store.sinks.get(name))) throw await noSuchSink(store, name);
    const to = await offsetFor(store, f.to);
    const before = await store.sinkOffsets.get(name);
    await store.sinkOffsets.set(name, to);
    process.stdout.write(`sink ${name}: offset ${before} → ${to} (next delivery starts after seq ${to})\n`);
  });
