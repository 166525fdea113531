// The syslog receiver: Darktrace's push path. TCP (LF-delimited or RFC 6587 octet-counted, decided per
// message by its first byte), UDP (one message per datagram) and TLS listeners. The listening half runs
// on a worker thread (syslog-worker.ts: sockets, framing, instance mapping, batches of up to 500 lines
// or 50 ms, normalising); this half, on the main thread, appends each batch to the store through
// storePrepared, the one path to the store, in the order the lines arrived. What cannot be understood
// is dead-lettered with its reason and the listener carries on. Backpressure: past a bounded number of
// lines queued or not yet stored, TCP sockets are paused until batches are stored (UDP has no flow
// control: the overflow is counted as dropped).

import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import { syslogMetrics } from '../metrics/index.ts';
import { StoreIoError } from '../store/errors.ts';
import { startWorker } from '../util/worker.ts';
import { type IngestStore, type PreparedBatch, storePrepared } from './ingest.ts';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS } from './listener.ts';
import type { IngestResult } from './types.ts';

export { Deframer } from './deframe.ts';

/** While the store cannot write, held batches are retried after this long, doubling up to the max. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

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
  /**
   * Trusted senders: source address or CIDR → the instance whose detections their lines may update.
   * Lines from anyone else are stored under `syslog:<hostname>` (or `syslog:<address>`): see trust.ts.
   */
  instanceMap?: Record<string, string>;
  registry?: Registry;
  maxBatch?: number;
  maxDelayMs?: number;
  /** Lines queued or not yet stored before TCP sockets pause. */
  maxQueue?: number;
  /** Longest accepted message, bytes. */
  maxMessageBytes?: number;
  /**
   * Open TCP/TLS connections per listener from senders not bound in `instanceMap` (default 1000);
   * more are closed at once and counted. Bound senders are never refused.
   */
  maxConnections?: number;
  /** A TCP/TLS connection that sends nothing for this long is closed (default 600 s; 0 = never). */
  idleTimeoutMs?: number;
  onStored?(r: IngestResult, instance: string): void;
  log?: {
    warn(msg: string, data?: Record<string, unknown>): void;
    info?(msg: string, data?: Record<string, unknown>): void;
  };
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
  maxBatch: number;
  maxDelayMs: number;
  maxQueue: number;
  maxMessageBytes?: number;
  maxConnections: number;
  idleTimeoutMs: number;
  /** Written by the worker: lines queued, lines posted but not yet stored, paused sockets, seqlock. */
  stats: Int32Array;
}

/** TCP/TLS connections per listener protocol since the last report; `open` is the number open now. */
export type ConnCounts = Record<string, { accepted: number; refused: number; idle: number; open: number }>;
/** Lines received and dropped (UDP past the limit) per listener protocol since the last batch. */
/** Lines by listener since the last message, and the bytes of those received. */
export type Counts = Record<string, { received: number; dropped: number; bytes: number }>;
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
  /** The text of the rows, in bytes (measured on the listening thread, off the writer's). */
  bytes: number;
}

export type ToMain =
  | { t: 'listening'; listeners: SyslogListener[] }
  | { t: 'failed'; message: string; code?: string }
  | { t: 'batch'; lines: number; groups: SyslogBatchGroup[]; frameRejects: FrameReject[]; counts: Counts }
  | { t: 'counts'; counts: Counts }
  | { t: 'conns'; counts: ConnCounts }
  | { t: 'flushed'; id: number }
  | { t: 'closed' }
  | { t: 'warn'; message: string };

export type ToWorker = { t: 'stored'; lines: number } | { t: 'flush'; id: number } | { t: 'close' };

// ─── The main thread's half ──────────────────────────────────────────────────────────────────────

/**
 * Datagrams the kernel dropped for the UDP sockets bound to `ports` because their receive buffers
 * were full (the `drops` column of /proc/net/udp and udp6, Linux only; 0 elsewhere). These never reach
 * the receiver, so only the kernel can count them.
 */
export function udpKernelDrops(ports: number[]): number {
  let n = 0;
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13) continue;
      const port = Number.parseInt(cols[1].slice(cols[1].lastIndexOf(':') + 1), 16);
      if (ports.includes(port)) n += Number(cols[cols.length - 1]) || 0;
    }
  }
  return n;
}

export async function startSyslogReceiver(o: SyslogReceiverOptions): Promise<SyslogReceiver> {
  const m = o.registry ? syslogMetrics(o.registry) : undefined;
  const stats = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  const data: SyslogWorkerData = {
    listeners: o.listeners,
    instanceMap: o.instanceMap ?? {},
    maxBatch: o.maxBatch ?? 500,
    maxDelayMs: o.maxDelayMs ?? 50,
    maxQueue: o.maxQueue ?? 10_000,
    maxMessageBytes: o.maxMessageBytes,
    maxConnections: o.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    idleTimeoutMs: o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    stats,
  };
  // Batches received and not yet stored, in receive order, with flush requests between them. While the
  // store cannot write (disk full, read-only, locked), the first is retried with backoff and the rest
  // wait behind it: the worker is told a batch is stored only once it is, so its count of unstored
  // lines stays high, its TCP/TLS sockets stay paused (senders are slowed, not dropped) and UDP
  // overflow is counted as dropped. Memory stays bounded by maxQueue lines.
  type Batch = Extract<ToMain, { t: 'batch' }>;
  type Job =
    | { t: 'batch'; msg: Batch; from: Worker; deadLettered: boolean; group: number }
    | { t: 'flush'; done: () => void };
  const held: Job[] = [];
  let retryTimer: NodeJS.Timeout | undefined;
  let retryMs = RETRY_MIN_MS;
  let blockedSince: number | undefined;
  let blockedAttempts = 0;
  const heldLines = () => held.reduce((n, j) => n + (j.t === 'batch' ? j.msg.lines : 0), 0);

  /** Stores what is left of one batch; each step is one transaction, done once even when retried. */
  const storeBatch = async (j: Extract<Job, { t: 'batch' }>) => {
    const msg = j.msg;
    if (!j.deadLettered) {
      await o.store.deadLetters.addAll(
        msg.frameRejects.map((f) => ({
          source: `syslog:${f.proto} ${f.peer}`,
          instance: f.instance,
          reason: f.reason,
          payload: f.sample,
        })),
      );
      j.deadLettered = true;
      for (const f of msg.frameRejects) m?.lines.inc({ listener: f.proto, outcome: 'rejected' });
      m?.contract.discarded('rejected', msg.frameRejects.length);
    }
    for (; j.group < msg.groups.length; j.group++) {
      const g = msg.groups[j.group];
      let r: IngestResult;
      try {
        r = await storePrepared(o.store, g.batch);
      } catch (err) {
        if (err instanceof StoreIoError) throw err; // the disk or the file: wait and retry
        // Anything else is a bug in these rows, not a state of the store: retrying cannot help.
        const n = g.batch.rows.length + g.batch.rejects.length;
        o.log?.warn(`syslog: storing ${n} lines failed: ${(err as Error).message}`);
        m?.lines.inc({ listener: g.proto, outcome: 'dropped' }, n);
        m?.contract.error('store_failed');
        m?.contract.discarded('dropped', n);
        continue;
      }
      m?.lines.inc({ listener: g.proto, outcome: 'stored' }, r.new + r.updated);
      if (r.duplicates) m?.lines.inc({ listener: g.proto, outcome: 'duplicate' }, r.duplicates);
      if (r.rejected) m?.lines.inc({ listener: g.proto, outcome: 'rejected' }, r.rejected);
      if (m) {
        m.contract.sent(r.new + r.updated, g.bytes);
        m.contract.discarded('duplicate', r.duplicates);
        m.contract.discarded('rejected', r.rejected);
      }
      o.onStored?.(r, g.instance);
    }
  };

  // One drain at a time (the store is asynchronous): a batch that arrives meanwhile is taken by the
  // running one's loop. `running` is cleared with no await after the loop's last check.
  let running = false;
  let current: Promise<void> = Promise.resolve();
  /** Stores held batches in order until done or the store refuses; then tries again later. */
  const drain = (): Promise<void> => {
    if (retryTimer || running) return current; // a retry is scheduled, or a drain runs: keep the order
    running = true;
    current = drainHeld().catch((err: Error) =>
      o.log?.warn(`syslog: storing held lines failed: ${err.message}`),
    );
    return current;
  };
  const drainHeld = async () => {
    try {
      while (held.length) {
        const j = held[0];
        if (j.t === 'batch') {
          try {
            await storeBatch(j);
          } catch (err) {
            blockedAttempts++;
            m?.contract.error('store_failed');
            if (blockedSince === undefined) {
              blockedSince = Date.now();
              o.log?.warn(
                `syslog: the store cannot write, so ${heldLines()} received lines are held and TCP/TLS ` +
                  'senders are paused (UDP datagrams beyond the queue are dropped and counted) until it can; ' +
                  `retrying: ${(err as Error).message}`,
                { code: (err as StoreIoError).code },
              );
            }
            retryTimer = setTimeout(() => {
              retryTimer = undefined;
              void drain();
            }, retryMs);
            retryTimer.unref();
            retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
            return;
          }
          // Receive order: the worker counts these lines unstored until told (see syslog-worker.ts).
          if (j.from === worker) j.from.postMessage({ t: 'stored', lines: j.msg.lines } satisfies ToWorker);
        } else j.done();
        held.shift();
      }
      if (blockedSince !== undefined) {
        o.log?.info?.(
          `syslog: the store writes again; the held lines are stored after ${Math.round((Date.now() - blockedSince) / 1000)} s ` +
            `(${blockedAttempts} attempts); TCP/TLS senders resume`,
        );
        blockedSince = undefined;
        blockedAttempts = 0;
      }
      retryMs = RETRY_MIN_MS;
    } finally {
      running = false;
    }
  };

  const tally = (counts: Counts) => {
    for (const [proto, c] of Object.entries(counts)) {
      if (c.received) m?.lines.inc({ listener: proto, outcome: 'received' }, c.received);
      if (c.dropped) m?.lines.inc({ listener: proto, outcome: 'dropped' }, c.dropped);
      m?.contract.received(c.received, c.bytes);
      m?.contract.discarded('dropped', c.dropped);
    }
  };
  const receive = (msg: Batch, from: Worker) => {
    tally(msg.counts);
    held.push({ t: 'batch', msg, from, deadLettered: false, group: 0 });
    void drain();
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
  /** At close: one last try; what the store still refuses is lost, and said so. */
  const finish = async () => {
    await current; // a drain running finishes first
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    await drain();
    if (retryTimer) clearTimeout(retryTimer);
    const lost = heldLines();
    if (lost)
      o.log?.warn(`syslog: stopping with ${lost} received lines the store could not write: they are lost`);
    for (const j of held) if (j.t === 'flush') j.done();
    held.length = 0;
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
            // Messages arrive in the order the worker posted them: storing (or holding) each on
            // arrival keeps receive order.
            receive(msg, w);
            break;
          case 'counts':
            tally(msg.counts);
            break;
          case 'conns':
            for (const [proto, c] of Object.entries(msg.counts)) {
              m?.connections.inc({ listener: proto, outcome: 'accepted' }, c.accepted);
              m?.connections.inc({ listener: proto, outcome: 'refused' }, c.refused);
              m?.connections.inc({ listener: proto, outcome: 'idle_closed' }, c.idle);
              m?.open.set({ listener: proto }, c.open);
            }
            break;
          case 'listening':
            listening = true;
            resolve(msg.listeners);
            break;
          case 'failed':
            reject(Object.assign(new Error(msg.message), { code: msg.code }));
            break;
          case 'flushed': {
            // Resolved once every batch posted before it is stored, not merely received.
            const done = flushes.get(msg.id);
            flushes.delete(msg.id);
            if (done) {
              held.push({ t: 'flush', done });
              void drain();
            }
            break;
          }
          case 'closed':
            void finish().finally(stop);
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
  m?.watchUdp(() => bound.filter((l) => l.protocol === 'udp').map((l) => l.port), udpKernelDrops);

  const receiver: SyslogReceiver = {
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
  // Lines waiting: queued on the listening thread or handed over and not yet stored.
  m?.contract.buffer(() => {
    const st = receiver.stats();
    return st.queued + st.inFlight;
  });
  return receiver;
}

/** Starts the listening half's thread (syslog-worker.ts). */
export const startSyslogWorker = (data: SyslogWorkerData) =>
  startWorker('syslog-worker', import.meta.url, { workerData: data });
