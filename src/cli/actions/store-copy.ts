// The work behind `dtc store copy` (declared in ../store-copy.ts): opens both stores, checks that the
// destination will hold the key the secrets need, copies with a progress bar (a line per table when
// not on a terminal) and prints what each table copied. Never prints a password: stores are named by
// their path or by their URL without it.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { toRow } from '../../collect/ingest.ts';
import { normalize, type Origin } from '../../normalize/index.ts';
import { type DataDirLock, lockDataDir } from '../../service/lock.ts';
import {
  type CopyEvent,
  CopyRefused,
  type CopySummary,
  checkDestinationKeys,
  copyStore,
  type DeriveWords,
} from '../../store/copy.ts';
import {
  DB_FILE_NAME,
  isPostgresUrl,
  type OpenStoreOptions,
  openStore,
  type Store,
} from '../../store/index.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';

export interface StoreCopyFlags extends OutputFlags {
  from: string;
  to: string;
  keyDir?: string;
  batchSize: string;
}

/** Where a store is, and the directory its key file is read from. */
interface Located {
  open: OpenStoreOptions;
  /** The SQLite file, or the PostgreSQL URL (which may hold a password: never printed). */
  id: string;
  keyDir?: string;
}

function locateSource(from: string): Located {
  if (isPostgresUrl(from))
    throw new Error('--from: give the SQLite file or the data directory of the store to copy, not a URL');
  const at = resolve(from);
  if (!existsSync(at)) throw new Error(`--from ${from}: no such file or directory`);
  const path = statSync(at).isDirectory() ? join(at, DB_FILE_NAME) : at;
  if (!existsSync(path)) throw new Error(`--from ${from}: no store here (${path} does not exist)`);
  return { open: { path }, id: path, keyDir: dirname(path) };
}

function locateDestination(to: string, keyDir: string | undefined, source: Located): Located {
  if (isPostgresUrl(to)) {
    const dir = keyDir ? resolve(keyDir) : source.keyDir;
    return { open: { url: to, keyDir: dir, poolSize: 2 }, id: to, keyDir: dir };
  }
  if (keyDir)
    throw new Error('--key-dir is for a PostgreSQL destination: a SQLite store reads the key file beside it');
  const at = resolve(to);
  const path = existsSync(at) && statSync(at).isDirectory() ? join(at, DB_FILE_NAME) : at;
  return { open: { path }, id: path, keyDir: dirname(path) };
}

/** A version's hostnames, IPs and description, as the ingest path derived them when it stored the row. */
export const recordWords: DeriveWords = (v) => {
  try {
    const d = normalize(v.raw, {
      instance: v.instance,
      source: v.source as Origin['source'],
      receivedAt: v.createdAt,
    });
    const row = toRow(d, v.raw, v.source as Origin['source']);
    return { hostnames: row.hostnames ?? [], ips: row.ips ?? [], description: row.description };
  } catch {
    return undefined; // the normaliser no longer reads it: indexed by its title alone
  }
};

export async function copy(f: StoreCopyFlags): Promise<void> {
  const batchSize = Number(f.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`--batch-size ${f.batchSize}: a whole number ≥ 1`);
  const source = locateSource(f.from);
  const dest = locateDestination(f.to, f.keyDir, source);
  const format = outputFormat(f);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  // The service's lock on the source's directory: none may run on it (and write) while it is copied.
  let lock: DataDirLock | undefined;
  if (source.keyDir) {
    try {
      lock = lockDataDir(source.keyDir);
    } catch (err) {
      throw new Error(`store copy: ${(err as Error).message}`);
    }
  }
  const from = await openStore(source.open).catch((err) => {
    lock?.release();
    throw err;
  });
  let to: Store | undefined;
  const stop = new AbortController();
  const onSignal = () => {
    log('stopping after the batch in progress; run the same command again to resume');
    stop.abort();
  };
  try {
    // Before the destination is even opened: a refusal leaves nothing behind.
    const keys = await checkDestinationKeys(from, {
      keyDir: dest.keyDir,
      otherwise: 'url' in dest.open ? 'name the directory that holds it with --key-dir' : undefined,
    });
    to = await openStore(dest.open);
    log(`copying ${from.path} → ${to.path}`);
    if (keys.destinationKey) {
      log(
        `${keys.secrets} secret(s) copied still encrypted with key ${keys.keyIds.join(', ')}: ` +
          `open the destination with the key from ${keys.destinationKey.source} (id ${keys.destinationKey.id})`,
      );
    }
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const progress = await progressView();
    let summary: CopySummary;
    try {
      summary = await copyStore(from, to, {
        source: source.id,
        batchSize,
        words: recordWords,
        onProgress: progress.event,
        signal: stop.signal,
      });
    } finally {
      progress.stop();
    }
    const rows = summary.tables.map((t) => ({
      table: t.table,
      rows: t.rows,
      copied: t.copied,
      skipped: t.skipped,
    }));
    const state = summary.alreadyComplete
      ? 'this copy had already finished: nothing to do'
      : summary.interrupted
        ? 'interrupted: run the same command again to resume'
        : 'copy complete';
    if (format === 'table') {
      await printData(rows, format, { columns: ['table', 'rows', 'copied', 'skipped'] });
      process.stdout.write(`${state}\n`);
    } else {
      await printData(
        {
          from: from.path,
          to: to.path,
          complete: !summary.interrupted,
          alreadyComplete: summary.alreadyComplete,
          tables: rows,
        },
        format,
      );
    }
    if (summary.interrupted) process.exitCode = 130;
  } catch (err) {
    if (err instanceof CopyRefused) throw new Error(`store copy refused: ${err.message}`);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await to?.close();
    await from.close();
    lock?.release();
  }
}

/** A bar per table on a terminal; otherwise a line when a table starts, every tenth of the way, and at its end. */
async function progressView(): Promise<{ event: (e: CopyEvent) => void; stop: () => void }> {
  if (process.stderr.isTTY) {
    const { default: cliProgress } = await import('cli-progress');
    let bar: InstanceType<typeof cliProgress.SingleBar> | undefined;
    return {
      event(e) {
        if (e.type === 'table') {
          if (!e.total) return; // an empty table gets a row in the summary, not a bar
          bar = new cliProgress.SingleBar(
            {
              format: `${e.table.padEnd(17)} [{bar}] {value}/{total} rows | {eta_formatted} left`,
              stream: process.stderr,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.total, Math.min(e.skipped, e.total));
        } else if (e.type === 'rows') {
          bar?.setTotal(Math.max(e.total, e.copied));
          bar?.update(e.copied);
        } else {
          bar?.stop();
          bar = undefined;
        }
      },
      stop: () => bar?.stop(),
    };
  }
  let next = 0;
  return {
    event(e) {
      const w = (s: string) => process.stderr.write(`${s}\n`);
      if (e.type === 'table') {
        next = e.skipped + Math.ceil(e.total / 10);
        if (e.total > 0) w(`${e.table}: ${e.total} rows${e.skipped ? `, ${e.skipped} copied before` : ''}`);
      } else if (e.type === 'rows' && e.copied >= next && e.copied < e.total) {
        w(`${e.table}: ${e.copied}/${e.total}`);
        next = e.copied + Math.ceil(e.total / 10);
      } else if (e.type === 'done' && (e.copied || e.skipped)) {
        w(`${e.table}: copied ${e.copied}${e.skipped ? `, ${e.skipped} already copied` : ''}`);
      }
    },
    stop: () => {},
  };
}
