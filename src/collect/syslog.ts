// The syslog receiver: Darktrace's push path. TCP (LF-delimited or RFC 6587 octet-counted, decided per
// message by its first byte), UDP (one message per datagram) and TLS listeners. The listening half runs
// on a worker thread (syslog-worker.ts: sockets, framing, instance mapping, batches of up to 500 lines
// or 50 ms, normalising); this half, on the main thread, appends each batch to the store through
// storePrepared, the one path to the store, in the order the lines arrived. What cannot be understood
// is dead-lettered with its reason and the listener carries on. Backpressure: past a bounded number of
// lines queued or not yet stored, TCP sockets are paused until batches are stored (UDP has no flow
// control: the overflow is counted as dropped).
import type { Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import { deliverMetrics } from '../deliver/metrics.ts';
import { startWorker } from '../util/worker.ts';
import { type IngestStore, type PreparedBatch, storePrepared } from './ingest.ts';
import type { IngestResult } from './types.ts';

export { Deframer } from './deframe.ts';

export interface SyslogListenerConfig {
  protocol: 'tcp' | 'udp' | 'tls';
  port: number;
  host?: string;
  /** TLS only: PEM text. */
  key?: string | Buffer;
  cert?: string | Buffer;
}

export interface SyslogReceiverOptions {
  store: IngestStore;
  listeners: SyslogListenerConfig[];
  /** Source address or syslog hostname → instance name. */
  instanceMap?: Record<string, string>;
  /** Instance when neither the map nor a syslog hostname names one. */
  defaultInstance?: string;
  registry?: Registry;
  maxBatch?: number;
  maxDelayMs?: number;
  /** Lines queued or not yet stored before TCP sockets pause. */
  maxQueue?: number;
  /** Longest accepted message, bytes. */
  maxMessageBytes?: number;
  onStored?(r: IngestResult, instance: string): void;
  log?: { warn(msg: string, data?: Record<string, unknown>): void };
  /** How the listening half's thread is started (the tests keep a handle on it to kill it). */
  startWorker?: (data: SyslogWorkerData) => Worker;
}

export interface SyslogListener {
  protocol: 'tcp' | 'udp' | 'tls';
  host: string;
  port: number;
}

export interface SyslogReceiver {
  listeners: SyslogListener[];
  /** Stores what is queued now; resolves when it is in the store. */
  flush(): Promise<void>;
  /** Lines waiting, lines being normalised or written, and TCP/TLS sockets paused for backpressure. */
  stats(): { queued: number; inFlight: number; pausedSockets: number };
  close(): Promise<void>;
}

// ─── Between the two halves ──────────────────────────────────────────────────────────────────────

export interface SyslogWorkerData {
  listeners: SyslogListenerConfig[];
  instanceMap: Record<string, string>;
  defaultInstance: string;
  maxBatch: number;
  maxDelayMs: number;
  maxQueue: number;
  maxMessageBytes?: number;
  /** Written by the worker: lines queued, lines posted but not yet stored, paused sockets, seqlock. */
  stats: Int32Array;
}

/** Lines received and dropped (UDP past the limit) per listener protocol since the last batch. */
export type Counts = Record<string, { received: number; dropped: number }>;
export interface FrameReject {
  proto: string;
  peer: string;
  instance: string | null;
  reason: string;
  sample: string;
}
export interface SyslogBatchGroup {
  instance: string;
  proto: string;
  batch: PreparedBatch;
}

export type ToMain =
  | { t: 'listening'; listeners: SyslogListener[] }
  | { t: 'failed'; message: string; code?: string }
  | { t: 'batch'; lines: number; groups: SyslogBatchGroup[]; frameRejects: FrameReject[]; counts: Counts }
  | { t: 'flushed'; id: number }
  | { t: 'closed' }
  | { t: 'warn'; message: string };

export type ToWorker = { t: 'stored'; lines: number } | { t: 'flush'; id: number } | { t: 'close' };

// ─── The main thread's half ──────────────────────────────────────────────────────────────────────

export async function startSyslogReceiver(o: SyslogReceiverOptions): Promise<SyslogReceiver> {
  const m = o.registry ? deliverMetrics(o.registry) : undefined;
  const stats = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  const data: SyslogWorkerData = {
    listeners: o.listeners,
    instanceMap: o.instanceMap ?? {},
    defaultInstance: o.defaultInstance ?? 'syslog',
    maxBatch: o.maxBatch ?? 500,
    maxDelayMs: o.maxDelayMs ?? 50,
    maxQueue: o.maxQueue ?? 10_000,
    maxMessageBytes: o.maxMessageBytes,
    stats,
  };
  const store = (msg: Extract<ToMain, { t: 'batch' }>) => {
    for (const [proto, c] of Object.entries(msg.counts)) {
      m?.syslogLines.inc({ listener: proto, outcome: 'received' }, c.received);
      if (c.dropped) m?.syslogLines.inc({ listener: proto, outcome: 'dropped' }, c.dropped);
    }
    for (const f of msg.frameRejects) m?.syslogLines.inc({ listener: f.proto, outcome: 'rejected' });
    o.store.deadLetters.addAll(
      msg.frameRejects.map((f) => ({
        source: `syslog:${f.proto} ${f.peer}`,
        instance: f.instance,
        reason: f.reason,
        payload: f.sample,
      })),
    );
    for (const g of msg.groups) {
      try {
        const r = storePrepared(o.store, g.batch);
        m?.syslogLines.inc({ listener: g.proto, outcome: 'stored' }, r.new + r.updated);
        if (r.duplicates) m?.syslogLines.inc({ listener: g.proto, outcome: 'duplicate' }, r.duplicates);
        if (r.rejected) m?.syslogLines.inc({ listener: g.proto, outcome: 'rejected' }, r.rejected);
        o.onStored?.(r, g.instance);
      } catch (err) {
        // The store itself failed (disk full, locked): say so loudly; these lines are lost to the receiver.
        const n = g.batch.rows.length + g.batch.rejects.length;
        o.log?.warn(`syslog: storing ${n} lines failed: ${(err as Error).message}`);
        m?.syslogLines.inc({ listener: g.proto, outcome: 'dropped' }, n);
      }
    }
  };

  let nextFlush = 1;
  const flushes = new Map<number, () => void>();
  let worker: Worker;
  let closing = false;
  let closed: (() => void) | undefined;
  let stopped = false;
  const post = (msg: ToWorker) => worker.postMessage(msg);
  // Lines a dead worker held are gone: whoever waits for a flush must not wait forever.
  const releaseFlushes = () => {
    for (const f of flushes.values()) f();
    flushes.clear();
  };
  const stop = () => {
    stopped = true;
    releaseFlushes();
    closed?.();
  };

  /** Starts the listening half; resolves with its bound listeners, rejects when it cannot listen. */
  const spawn = (listeners: SyslogListenerConfig[]) =>
    new Promise<SyslogListener[]>((resolve, reject) => {
      stats.fill(0); // also evens the seqlock, should the old worker have died mid-write
      const w = (o.startWorker ?? startSyslogWorker)({ ...data, listeners });
      worker = w;
      let listening = false;
      w.on('message', (msg: ToMain) => {
        switch (msg.t) {
          case 'batch':
            // Messages arrive in the order the worker posted them: storing each on arrival keeps
            // receive order. The worker counts these lines in flight until told they are stored.
            store(msg);
            w.postMessage({ t: 'stored', lines: msg.lines } satisfies ToWorker);
            break;
          case 'listening':
            listening = true;
            resolve(msg.listeners);
            break;
          case 'failed':
            reject(Object.assign(new Error(msg.message), { code: msg.code }));
            break;
          case 'flushed':
            flushes.get(msg.id)?.();
            flushes.delete(msg.id);
            break;
          case 'closed':
            stop();
            break;
          case 'warn':
            o.log?.warn(msg.message);
            break;
        }
      });
      w.on('error', (err) => {
        o.log?.warn(`syslog: the receiver's worker failed: ${err.message}`);
        if (!listening) reject(err);
      });
      w.on('exit', () => {
        if (closing || stopped || !listening) {
          if (closing) stop();
          return;
        }
        // Never left without a listener: start another on the same ports. What the dead worker had
        // read but not yet handed over is lost (its senders see the connection drop and reconnect).
        releaseFlushes();
        restart(1);
      });
    });

  let bound: SyslogListener[] = [];
  const samePorts = () => o.listeners.map((l, i) => ({ ...l, port: bound[i]?.port ?? l.port }));
  const restart = (attempt: number) => {
    o.log?.warn(
      `syslog: the receiver's worker stopped; restarting it on the same ports (attempt ${attempt})`,
    );
    m?.receiverRestarts.inc();
    spawn(samePorts()).then(
      (l) => {
        bound = l;
      },
      (err: Error) => {
        if (closing) return;
        o.log?.warn(`syslog: restarting the receiver failed: ${err.message}`);
        setTimeout(() => restart(attempt + 1), Math.min(30_000, 1000 * attempt)).unref();
      },
    );
  };

  bound = await spawn(o.listeners);

  return {
    get listeners() {
      return bound;
    },
    flush() {
      if (stopped) return Promise.resolve();
      const id = nextFlush++;
      return new Promise<void>((resolve) => {
        flushes.set(id, resolve);
        post({ t: 'flush', id });
      });
    },
    stats() {
      // A seqlock: the worker bumps slot 3 before and after writing, so a read that saw it odd or
      // changed raced a flush (which moves lines from queued to in flight) and is taken again.
      // Bounded: a worker stopped mid-write must not hang this thread; the last read is then close enough.
      let s = { queued: 0, inFlight: 0, pausedSockets: 0 };
      for (let tries = 0; tries < 1000; tries++) {
        const v = Atomics.load(stats, 3);
        if (v & 1) continue;
        s = {
          queued: Atomics.load(stats, 0),
          inFlight: Atomics.load(stats, 1),
          pausedSockets: Atomics.load(stats, 2),
        };
        if (Atomics.load(stats, 3) === v) break;
      }
      return s;
    },
    async close() {
      closing = true;
      if (!stopped) {
        const done = new Promise<void>((resolve) => {
          closed = resolve;
        });
        post({ t: 'close' });
        await done;
      }
      await worker.terminate();
    },
  };
}

/** Starts the listening half's thread (syslog-worker.ts). */
export const startSyslogWorker = (data: SyslogWorkerData) =>
  startWorker('syslog-worker', import.meta.url, { workerData: data });
