// Worker threads that fetch and normalise backfill windows while the main thread stores. Memory is
// bounded by construction: a worker takes one window at a time and keeps its prepared rows until the
// main thread pulls them, one page of at most `pageSize` rows per message, right before storing that
// page. So the main thread holds one page at a time, each worker at most one window, and windows
// asked for while every worker is busy wait here as bare time ranges.
import type { Worker } from 'node:worker_threads';
import type { DarktraceClientOptions } from '../darktrace/index.ts';
import { startWorker } from '../util/worker.ts';
import type { TimeWindow } from './cursor.ts';
import type { Prepared, PrepareWindow, StreamSpec } from './poller.ts';
import type { PreparedBatch } from './types.ts';

/**
 * Rows per page pulled from a worker (for model breaches about 100 KB of text). Small on purpose: the
 * page being stored is what the main thread's young-generation collections find alive and promote, and
 * that promoted garbage is what grows the main heap between full collections.
 */
export const PAGE_ROWS = 32;

/**
 * Old-generation heap per worker, MB. A window of targetBytesPerWindow (2 MB) of text parses and
 * normalises in well under half of it.
 */
export const WORKER_OLD_SPACE_MB = 48;

interface Slot {
  worker: Worker;
  /** The window this worker holds (fetching, or prepared and not yet fully pulled). */
  job?: number;
  /** What the worker's next answer settles. */
  waiting?: { resolve: (m: Answer) => void; reject: (e: Error) => void };
  dead?: Error;
}

interface Answer {
  fetched?: number;
  bytes?: number;
  pages?: number;
  page?: PreparedBatch;
  error?: { name: string; message: string; status?: number };
}

interface Queued {
  stream: StreamSpec;
  window: TimeWindow;
  resolve: (p: Prepared) => void;
  reject: (e: Error) => void;
}

export class PreparePool {
  #slots: Slot[] = [];
  #queue: Queued[] = [];
  #next = 1;
  #closed = false;

  constructor(
    client: Pick<DarktraceClientOptions, 'url' | 'publicToken' | 'privateToken' | 'tls' | 'proxy'>,
    instance: string,
    size: number,
    log: { warn(m: string): void; error(m: string): void },
    readonly minScore = 0,
    readonly pageSize = PAGE_ROWS,
  ) {
    if (!(size >= 1)) throw new Error(`a prepare pool needs at least one worker, got ${size}`);
    this.#start = (slot) => {
      const worker = startWorker('prepare-worker', import.meta.url, {
        workerData: { client, instance, pageSize },
        // A worker's heap is capped: V8 then collects each window's garbage early instead of letting
        // the heap grow, which is most of a worker's RSS. Windows are kept under targetBytesPerWindow,
        // so a window's parse fits; one that does not ends the worker with an out-of-memory error,
        // the worker is started again and the poller asks for the window in smaller pieces.
        resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: WORKER_OLD_SPACE_MB },
      });
      slot.worker = worker;
      slot.dead = undefined;
      worker.on('message', (m) => {
        if (m.log) {
          // Each worker learns the clock offset on its own; say it once.
          const said = m.msg.replace(/-?\d+ s/, '');
          if (!seen.has(said)) log[m.log as 'warn' | 'error'](m.msg);
          seen.add(said);
          return;
        }
        const w = slot.waiting;
        slot.waiting = undefined;
        w?.resolve(m as Answer);
      });
      const die = (err: Error & { code?: string }) => {
        if (slot.worker !== worker || slot.dead) return;
        const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        slot.dead = oom
          ? Object.assign(
              new Error(
                `a window's records did not fit in a prepare worker's ${WORKER_OLD_SPACE_MB} MB heap (${err.message})`,
              ),
              { name: 'PrepareOutOfMemoryError', tooLarge: true },
            )
          : err;
        slot.job = undefined;
        slot.waiting?.reject(slot.dead);
        slot.waiting = undefined;
        if (oom && !this.#closed) {
          log.warn(`${slot.dead.message}: starting it again`);
          this.#start(slot);
        }
        this.#dispatch();
      };
      worker.on('error', die);
      worker.on('exit', (code) => die(new Error(`a prepare worker stopped (exit code ${code})`)));
    };
    const seen = new Set<string>();
    for (let i = 0; i < size; i++) {
      const slot = {} as Slot;
      this.#start(slot);
      this.#slots.push(slot);
    }
  }

  #start: (slot: Slot) => void;

  /** A PrepareWindow for InstancePoller: the window waits for a free worker, then is fetched there. */
  readonly prepare: PrepareWindow = (stream: StreamSpec, window: TimeWindow) =>
    new Promise<Prepared>((resolve, reject) => {
      this.#queue.push({ stream, window, resolve, reject });
      this.#dispatch();
    });

  #dispatch() {
    while (this.#queue.length) {
      const slot = this.#slots.find((s) => !s.dead && s.job === undefined);
      if (!slot) {
        if (this.#slots.every((s) => s.dead) || this.#closed) {
          const why = this.#closed ? new Error('the prepare pool is closed') : this.#slots[0].dead!;
          for (const q of this.#queue.splice(0)) q.reject(why);
        }
        return;
      }
      this.#run(slot, this.#queue.shift()!);
    }
  }

  #ask(slot: Slot, msg: Record<string, unknown>): Promise<Answer> {
    if (slot.dead) return Promise.reject(slot.dead);
    return new Promise<Answer>((resolve, reject) => {
      slot.waiting = { resolve, reject };
      slot.worker.postMessage(msg);
    });
  }

  #release(slot: Slot, id: number) {
    if (slot.job !== id) return;
    slot.job = undefined;
    if (!slot.dead) slot.worker.postMessage({ op: 'drop', id });
    this.#dispatch();
  }

  #run(slot: Slot, q: Queued) {
    const id = this.#next++;
    slot.job = id;
    const job = { op: 'fetch', id, stream: q.stream.name, window: q.window, minScore: this.minScore };
    this.#ask(slot, job).then(
      (m) => {
        if (m.error) {
          this.#release(slot, id);
          q.reject(Object.assign(new Error(m.error.message), { name: m.error.name, status: m.error.status }));
          return;
        }
        const pages = m.pages ?? 0;
        let pulled = 0;
        let finished = false;
        const release = () => {
          finished = true;
          this.#release(slot, id);
        };
        const iterator: AsyncIterator<PreparedBatch> & AsyncIterable<PreparedBatch> = {
          [Symbol.asyncIterator]: () => iterator,
          next: async () => {
            if (finished && pulled >= pages) return { done: true, value: undefined };
            // A worker that died or a window let go must not read as a window fully stored.
            if (slot.dead) throw slot.dead;
            if (slot.job !== id) throw new Error('this window was let go before all its pages were taken');
            if (pulled >= pages) {
              release();
              return { done: true, value: undefined };
            }
            const a = await this.#ask(slot, { op: 'page', id, index: pulled++ });
            if (!a.page)
              throw new Error(a.error?.message ?? `a prepare worker answered no page ${pulled - 1}`);
            if (pulled >= pages) release();
            return { done: false, value: a.page };
          },
          return: async () => {
            release();
            return { done: true, value: undefined };
          },
        };
        q.resolve({ fetched: m.fetched ?? 0, bytes: m.bytes ?? 0, pages: iterator, discard: release });
      },
      (err) => q.reject(err),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#dispatch();
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
