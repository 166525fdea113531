import type { Worker } from 'node:worker_threads';
import type { DarktraceClientOptions } from '../darktrace/index.ts';
import { startWorker } from '../util/worker.ts';
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
    const seen = new Set<string>();
    for (let i = 0; i < size; i++) {
      // Small young generations: a worker's garbage is one window at a time, and RSS is the budget.
      const w = startWorker('prepare-worker', import.meta.url, {
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
