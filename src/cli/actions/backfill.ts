// `dtc backfill` in a thread of its own. The store writes, the page messages from the prepare workers
// and the poller's bookkeeping run in a worker thread with a capped heap, and the main thread only
// draws the progress and prints the summary. Why: on the main thread V8 let that garbage grow the heap
// to 120–140 MB before collecting it, though what stays alive is about 25 MB; under a cap it collects
// early, and the process's peak RSS (the kernel's, for every thread) drops by that much.
import type { Worker } from 'node:worker_threads';
import cliProgress from 'cli-progress';
import { storeIngest } from '../../collect/ingest.ts';
import { instanceRecord } from '../../collect/instance.ts';
import { InstancePoller, type StreamSpec } from '../../collect/poller.ts';
import { PreparePool } from '../../collect/prepare-pool.ts';
import { DarktraceClient } from '../../darktrace/index.ts';
import type { Store } from '../../store/index.ts';
import { startWorker } from '../../util/worker.ts';
import { withStore } from '../store.ts';

/**
 * Old-generation heap of the backfill thread, MB. It holds one page of prepared rows at a time (or,
 * with no prepare workers, one window of about 2 MB of text while it is normalised) and the store's
 * statements: about 25 MB stays alive. 48 MB measured the same peak RSS for more collection work.
 */
export const BACKFILL_OLD_SPACE_MB = 64;
/** Young generation of the backfill thread, MB (V8's default is 48): the page rows die young. */
export const BACKFILL_YOUNG_SPACE_MB = 16;

export interface BackfillJob {
  dataDir: string;
  instance: string;
  since: number;
  streams: StreamSpec['name'][];
  workers: number;
}

export interface BackfillProgress {
  stream: string;
  done: number;
  total: number;
  items: number;
}

export type BackfillReport = Record<string, unknown> & { interrupted: boolean };

/** What the backfill thread posts: progress, a warning line, the summary or the error. */
export type BackfillMessage =
  | { progress: BackfillProgress }
  | { stderr: string }
  | { done: BackfillReport }
  | { error: { name: string; message: string } };

const noSuch = (name: string) => new Error(`no instance named "${name}": see dtc instance list`);

/** The backfill itself, on whichever thread calls it (the backfill worker, see backfill-worker.ts). */
export async function runBackfill(
  job: BackfillJob,
  signal: AbortSignal,
  progress: (p: BackfillProgress) => void,
  stderr: (line: string) => void,
): Promise<BackfillReport> {
  return withStore(job.dataDir, async (store: Store) => {
    const rec = await instanceRecord(store, job.instance);
    if (!rec) throw noSuch(job.instance);
    const client = new DarktraceClient(rec);
    const warn = (m: string) => stderr(`warning: ${m}\n`);
    const workers = job.workers;
    const pool =
      workers > 0 ? new PreparePool(rec, rec.name, workers, { warn, error: warn }, rec.minScore) : undefined;
    const poller = new InstancePoller({
      instance: rec.name,
      client,
      ingest: storeIngest(store),
      log: { info: () => {}, warn, error: (m) => stderr(`error: ${m}\n`) },
      lookbackMs: rec.lookbackHours * 3_600_000,
      // Quarter-hour windows keep each worker's heap small (peak RSS is a budget) at no cost in speed.
      maxWindowMs: 15 * 60_000,
      minScore: rec.minScore,
      ...(pool ? { prepare: pool.prepare, concurrency: workers + 1 } : {}),
    });
    try {
      const report = await poller.backfill(job.since, { streams: job.streams, signal, progress });
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
      return {
        instance: rec.name,
        since: new Date(job.since).toISOString(),
        interrupted: signal.aborted,
        ...summary,
      };
    } finally {
      await pool?.close();
      await client.close();
    }
  });
}

/**
 * Runs the backfill in its worker thread, drawing its progress on stderr (a bar on a terminal, a line
 * every 2 s otherwise). SIGINT and SIGTERM stop it between windows; the summary then says interrupted.
 */
export async function backfillInThread(job: BackfillJob, stats: boolean): Promise<Record<string, unknown>> {
  const started = Date.now();
  const worker: Worker = startWorker('backfill-worker', import.meta.url, {
    workerData: job,
    resourceLimits: {
      maxOldGenerationSizeMb: BACKFILL_OLD_SPACE_MB,
      maxYoungGenerationSizeMb: BACKFILL_YOUNG_SPACE_MB,
    },
    stdout: false,
    stderr: false,
  });
  const onSignal = () => worker.postMessage({ abort: true });
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
  let lastLine = 0;
  let current = '';
  const show = ({ stream, done, total, items }: BackfillProgress) => {
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
        `backfill ${job.instance} ${stream}: ${pct.toFixed(1)}% ${items} items ${rate}/s eta ${eta}s\n`,
      );
    }
  };
  try {
    const report = await new Promise<BackfillReport>((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: BackfillMessage) => {
        if ('progress' in m) show(m.progress);
        else if ('stderr' in m) process.stderr.write(m.stderr);
        else if ('done' in m) {
          settled = true;
          resolve(m.done);
        } else if ('error' in m) {
          settled = true;
          reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
        }
      });
      worker.on('error', (err: Error & { code?: string }) => {
        settled = true;
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new Error(
                `the backfill outgrew its ${BACKFILL_OLD_SPACE_MB} MB heap (${err.message}); ` +
                  'what it stored is kept, and running it again resumes from there',
              )
            : err,
        );
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new Error(`the backfill thread stopped (exit code ${code})`));
      });
    });
    bar?.stop();
    if (report.interrupted) process.exitCode = 130;
    const cpu = process.cpuUsage();
    return stats
      ? {
          ...report,
          stats: {
            seconds: (Date.now() - started) / 1000,
            maxRssMb: process.resourceUsage().maxRSS / 1024,
            // The process's, so every thread's: the backfill's, the prepare workers' and GC's.
            cpuSeconds: (cpu.user + cpu.system) / 1e6,
          },
        }
      : report;
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await worker.terminate();
  }
}
