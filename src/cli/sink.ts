// `dtc sink list|reset|remove`: each sink's offset, lag and last error, replay by moving the offset
// back, and forgetting a sink that is no longer declared.
// Works on the data directory's store, like `dtc instance`; a running service picks a reset up before
// its next batch.
import type { Command } from 'commander';
import type { Store } from '../store/index.ts';
import { parseTime } from '../util/time.ts';
import { dataDirOption, withStore } from './store.ts';

/**
 * The offset that replays everything stored at or after `t`: the smallest x whose next row was stored
 * at or after t (the log is in commit order, so createdAt grows with seq). Binary search, O(log n) reads.
 */
export function offsetForTime(store: Pick<Store, 'readLog' | 'maxSeq'>, t: number): number {
  let lo = 0;
  let hi = store.maxSeq();
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = store.readLog(mid, 1, { content: false })[0];
    if (!row || row.createdAt >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function _noSuchSink(store: Store, name: string): Error {
  const known = store.sinks.list().map((s) => s.name);
  return new Error(`no sink named "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`);
}

export function sinkRows(store: Store) {
  const max = store.maxSeq();
  const offsets = new Map(store.sinkOffsets.list().map((o) => [o.sink, o]));
  return store.sinks.list().map((s) => {
    const o = offsets.get(s.name);
    const c = s.config as { format?: string; url?: string };
    return {
      name: s.name,
      format: c.format,
      url: c.url,
      offset: o?.seq ?? 0,
      lag: Math.max(0, max - (o?.seq ?? 0)),
      lastError: o?.lastError ?? null,
      lastErrorAt: o?.lastErrorAt ? new Date(o.lastErrorAt).toISOString() : null,
    };
  });
}

export function registerSink(program: Command): void {
  const sink = program.command('sink').description('inspect sinks (offset, lag, last error) and replay');
  sink
    .command('list')
    .description('each sink with its offset, lag (max seq − offset) and last error')
    .addOption(dataDirOption())
    .option('--json', 'JSON output')
    .action(async (f: { dataDir: string; json?: boolean }) => {
      const rows = await withStore(f.dataDir, sinkRows);
      if (f.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (!rows.length) {
        process.stdout.write('no sinks yet (declare them with dtc start --sink or in the config file)\n');
        return;
      }
      for (const r of rows)
        process.stdout.write(
          `${r.name}\t${r.format}\t${r.url}\toffset ${r.offset}\tlag ${r.lag}${r.lastError ? `\tlast error ${r.lastErrorAt}: ${r.lastError}` : ''}\n`,
        );
    });
  sink
    .command('remove <name>')
    .description('forget a sink that is no longer declared: its record and its offset')
    .addOption(dataDirOption())
    .action(async (name: string, f: { dataDir: string }) => {
      await withStore(f.dataDir, (store) => {
        const offset = store.sinkOffsets.get(name);
        if (!store.sinks.remove(name)) {
          const known = store.sinks.list().map((s) => s.name);
          throw new Error(`no sink named "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`);
        }
        process.stdout.write(
          `sink ${name} removed (it was at offset ${offset}). If a service still declares it, it starts ` +
            'again from offset 0 and delivers everything in the store.\n',
        );
      });
    });
  sink
    .command('reset <name>')
    .description('move a sink offset back (replay) or forward: --to 0 replays everything')
    .requiredOption(
      '--to <seq|time>',
      'a sequence number (deliver what comes after it) or a time (ISO 8601, epoch ms, or an age like 2h)',
    )
    .addOption(dataDirOption())
    .action(async (name: string, f: { dataDir: string; to: string }) => {
      await withStore(f.dataDir, (store) => {
        if (!store.sinks.get(name)) {
          const known = store.sinks.list().map((s) => s.name);
          throw new Error(`no sink named "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`);
        }
        const to = /^\d{1,10}$/.test(f.to.trim()) ? Number(f.to) : offsetForTime(store, parseTime(f.to));
        const before = store.sinkOffsets.get(name);
        store.sinkOffsets.set(name, to);
        process.stdout.write(
          `sink ${name}: offset ${before} → ${to} (next delivery starts after seq ${to})\n`,
        );
      });
    });
}
