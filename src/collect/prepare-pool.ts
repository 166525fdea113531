// A pool of worker threads that fetch and normalise windows for a backfill, so parsing and mapping run
// on the second core while the main thread writes to SQLite.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { DarktraceClientOptions } from '../darktrace/index.ts';
import type { TimeWindow } from './cursor.ts';
import type { Prepared, PrepareWindow, StreamSpec } from './poller.ts';

type Pending = { resolve: (p: Prepared) => void; reject: (e: Error) => void; worker: number };

export class PreparePool {
  #workers: Worker[] = [];
  #busy: number[] = [];
  #pending = new Map<number, Pending>();
  #next = 1;

  constructor(
    client: Pick<DarktraceClientOptions, 'url' | 'publicToken' | 'privateToken' | 'tls' | 'proxy'>,
    instance: string,
    size: number,
    log: { warn(m: string): void; error(m: string): void },
    readonly minScore = 0,
  ) {
    const url = workerUrl();
    const seen = new Set<string>();
    for (let i = 0; i < size; i++) {
      // Small young generations: a worker's garbage is one window at a time, and RSS is the budget.
      const w = new Worker(url, {
        workerData: { client, instance },
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      });
      w.on('message', (m) => {
        if (m.log) {
          // Each worker learns the clock offset on its own; say it once.
          if (!seen.has(m.msg.replace(/-?\d+ s/, ''))) log[m.log as 'warn' | 'error'](m.msg);
          seen.add(m.msg.replace(/-?\d+ s/, ''));
          return;
        }
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        this.#busy[p.worker]--;
        if (m.error)
          p.reject(Object.assign(new Error(m.error.message), { name: m.error.name, status: m.error.status }));
        else p.resolve({ fetched: m.fetched, batch: m.batch });
      });
      w.on('error', (err) => {
        for (const [id, p] of this.#pending) {
          if (p.worker === i) {
            this.#pending.delete(id);
            p.reject(err);
          }
        }
      });
      this.#workers.push(w);
      this.#busy.push(0);
    }
  }

  /** A PrepareWindow for InstancePoller: the least busy worker takes the window. */
  readonly prepare: PrepareWindow = (stream: StreamSpec, w: TimeWindow) => {
    const worker = this.#busy.indexOf(Math.min(...this.#busy));
    const id = this.#next++;
    this.#busy[worker]++;
    return new Promise<Prepared>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker });
      this.#workers[worker].postMessage({ id, stream: stream.name, window: w, minScore: this.minScore });
    });
  };

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/**
 * The worker body as plain JavaScript. From TypeScript sources it is bundled once with esbuild into
 * node_modules/.cache (packages stay external, resolved from node_modules): a tsx loader in every
 * worker would cost each one a module-hooks thread and about 100 MB.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./prepare-worker.js', here);
  const entry = fileURLToPath(new URL('./prepare-worker.ts', here));
  let root = dirname(entry);
  while (root !== dirname(root)) {
    try {
      if (statSync(join(root, 'node_modules')).isDirectory()) break;
    } catch {}
    root = dirname(root);
  }
  const out = join(root, 'node_modules', '.cache', 'dtc', 'prepare-worker.mjs');
  mkdirSync(dirname(out), { recursive: true });
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: out,
    logLevel: 'error',
  });
  return pathToFileURL(out);
}
