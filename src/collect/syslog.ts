// The syslog receiver: Darktrace's push path. TCP (LF-delimited or RFC 6587 octet-counted, decided per
// message by its first byte), UDP (one message per datagram) and TLS listeners. Lines are batched (up
// to 500 or 50 ms) and stored through ingestRecords, the one path to the store; what cannot be
// understood is dead-lettered with its reason and the listener carries on. Backpressure: past a
// bounded queue, TCP sockets are paused until the batch is stored (UDP has no flow control: the
// overflow is counted as dropped).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { createServer as createTlsServer } from 'node:tls';
import { Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import { deliverMetrics } from '../deliver/metrics.ts';
import { frame } from '../normalize/index.ts';
import { workerScript } from '../util/worker.ts';
import { type IngestStore, type PreparedBatch, prepareRecords, storePrepared } from './ingest.ts';
import type { IngestResult } from './types.ts';

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
  /** Lines held in memory before TCP sockets pause. */
  maxQueue?: number;
  /** Longest accepted message, bytes. */
  maxMessageBytes?: number;
  onStored?(r: IngestResult, instance: string): void;
  /**
   * Normalise in a worker thread while the main thread writes the previous batch (default: when the
   * machine has more than one core). Storage order stays receive order either way.
   */
  worker?: boolean;
  log?: { warn(msg: string, data?: Record<string, unknown>): void };
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

/** Normalises batches off the main thread; answers in order of request. */
class Preparer {
  #w: Worker;
  #next = 1;
  #pending = new Map<
    number,
    { lines: string[]; resolve: (b: PreparedBatch) => void; reject: (e: Error) => void }
  >();
  constructor() {
    this.#w = new Worker(workerScript('syslog-worker', import.meta.url));
    this.#w.unref();
    this.#w.on('message', (m: { id: number; batch?: PreparedBatch; error?: string }) => {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (!p) return;
      if (m.batch) {
        const { rows, at } = m.batch;
        for (let i = 0; i < rows.length; i++) rows[i].raw = p.lines[at[i]];
        p.resolve(m.batch);
      } else p.reject(new Error(m.error));
    });
    this.#w.on('error', (err) => {
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    });
  }
  prepare(instance: string, source: string, lines: string[]): Promise<PreparedBatch> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { lines, resolve, reject });
      this.#w.postMessage({ id, instance, source, lines });
    });
  }
  close(): Promise<number> {
    return this.#w.terminate();
  }
}

interface Pending {
  line: string;
  peer: string;
  proto: string;
}

/** Splits a TCP byte stream into messages, octet-counted or LF-delimited, decided per message. */
export class Deframer {
  #buf: Buffer = Buffer.alloc(0);
  #skipping = false;
  constructor(
    private readonly onMessage: (m: string) => void,
    private readonly onBad: (reason: string, sample: string) => void,
    private readonly max = 256 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let b = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    let i = 0;
    for (;;) {
      if (this.#skipping) {
        const nl = b.indexOf(10, i);
        if (nl < 0) {
          i = b.length;
          break;
        }
        this.#skipping = false;
        i = nl + 1;
      }
      while (i < b.length && (b[i] === 10 || b[i] === 13)) i++;
      if (i >= b.length) break;
      const c = b[i];
      // Octet counting (`MSG-LEN SP <PRI>...`) when the message starts with digits, a space and `<`;
      // anything else is a line, so a stray number can never swallow the good messages behind it.
      let sp = -1;
      if (c >= 48 && c <= 57) {
        let j = i;
        while (j < b.length && j - i < 10 && b[j] >= 48 && b[j] <= 57) j++;
        if (j >= b.length || (j === b.length - 1 && b[j] === 32)) break; // the header is still arriving
        if (b[j] === 32 && b[j + 1] === 60) sp = j;
      }
      if (sp > 0) {
        const len = Number(b.toString('latin1', i, sp));
        if (len <= 0 || len > this.max) {
          this.onBad(
            `bad_frame: octet count ${len} out of range`,
            b.toString('utf8', i, Math.min(b.length, i + 80)),
          );
          this.#skipping = true;
          continue;
        }
        if (b.length < sp + 1 + len) break;
        this.onMessage(b.toString('utf8', sp + 1, sp + 1 + len));
        i = sp + 1 + len;
      } else {
        const nl = b.indexOf(10, i);
        if (nl < 0) {
          if (b.length - i > this.max) {
            this.onBad(`too_long: message over ${this.max} bytes`, b.subarray(i, i + 80).toString());
            this.#skipping = true;
            i = b.length;
          }
          break;
        }
        this.onMessage(b.toString('utf8', i, nl));
        i = nl + 1;
      }
    }
    b = i >= b.length ? Buffer.alloc(0) : b.subarray(i);
    this.#buf = b.length ? Buffer.from(b) : b;
  }

  /** The connection closed: a trailing line without LF still counts. */
  end(): void {
    if (this.#buf.length && !this.#skipping) {
      const s = this.#buf.toString('utf8').trim();
      if (s) this.onMessage(s);
    }
    this.#buf = Buffer.alloc(0);
  }
}

export async function startSyslogReceiver(o: SyslogReceiverOptions): Promise<SyslogReceiver> {
  const maxBatch = o.maxBatch ?? 500;
  const maxDelay = o.maxDelayMs ?? 50;
  const maxQueue = o.maxQueue ?? 10_000;
  const map = o.instanceMap ?? {};
  const fallback = o.defaultInstance ?? 'syslog';
  const m = o.registry ? deliverMetrics(o.registry) : undefined;
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const paused = new Set<Socket>();

  const instanceFor = (line: string, peer: string): string => {
    const addr = peer.slice(0, peer.lastIndexOf(':'));
    const byAddr = map[addr];
    if (byAddr) return byAddr;
    let host: string | undefined;
    try {
      host = frame(line).syslog?.hostname;
    } catch {
      // a line that does not frame is dead-lettered by ingest, under the address's instance
    }
    return (host && (map[host] ?? host)) || fallback;
  };

  const preparer = (o.worker ?? availableParallelism() > 1) ? new Preparer() : undefined;
  // Lines taken from the queue but not yet stored (in the worker or waiting to be written).
  let inFlight = 0;
  let chain: Promise<void> = Promise.resolve();
  const resumeIfRoom = () => {
    if (queue.length + inFlight >= maxQueue) return;
    for (const s of paused) s.resume();
    paused.clear();
  };

  const store = (
    g: { instance: string; source: string; proto: string; lines: string[] },
    prepared: Promise<PreparedBatch> | PreparedBatch,
  ) => {
    // Stored strictly in receive order: each write waits for the one before it.
    chain = chain.then(async () => {
      try {
        const r = storePrepared(o.store, await prepared);
        m?.syslogLines.inc({ listener: g.proto, outcome: 'stored' }, r.new + r.updated);
        if (r.duplicates) m?.syslogLines.inc({ listener: g.proto, outcome: 'duplicate' }, r.duplicates);
        if (r.rejected) m?.syslogLines.inc({ listener: g.proto, outcome: 'rejected' }, r.rejected);
        o.onStored?.(r, g.instance);
      } catch (err) {
        // The store itself failed (disk full, locked): say so loudly; these lines are lost to the receiver.
        o.log?.warn(`syslog: storing ${g.lines.length} lines failed: ${(err as Error).message}`);
        m?.syslogLines.inc({ listener: g.proto, outcome: 'dropped' }, g.lines.length);
      } finally {
        inFlight -= g.lines.length;
        resumeIfRoom();
      }
    });
  };

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (queue.length) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight += batch.length;
      // One ingest call per (listener protocol, peer, instance): dead letters name where a line came from.
      const groups = new Map<string, { instance: string; source: string; proto: string; lines: string[] }>();
      for (const p of batch) {
        const instance = instanceFor(p.line, p.peer);
        const k = `${p.proto}\0${p.peer}\0${instance}`;
        let g = groups.get(k);
        if (!g) {
          g = { instance, source: `syslog:${p.proto} ${p.peer}`, proto: p.proto, lines: [] };
          groups.set(k, g);
        }
        g.lines.push(p.line);
      }
      for (const g of groups.values())
        store(
          g,
          preparer
            ? preparer.prepare(g.instance, g.source, g.lines)
            : prepareRecords(g.instance, g.source, g.lines, 'syslog'),
        );
    }
    resumeIfRoom();
    return chain;
  };

  const enqueue = (line: string, peer: string, proto: string, sock?: Socket): boolean => {
    m?.syslogLines.inc({ listener: proto, outcome: 'received' });
    if (!sock && queue.length >= maxQueue) {
      m?.syslogLines.inc({ listener: proto, outcome: 'dropped' });
      return false;
    }
    queue.push({ line, peer, proto });
    if (queue.length >= maxBatch) {
      if (sock && queue.length + inFlight >= maxQueue) {
        sock.pause();
        paused.add(sock);
      }
      // Store on the next turn, after this chunk's lines are queued: bigger batches, one transaction.
      if (!timer || queue.length === maxBatch) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(flush, 0);
      }
    } else timer ??= setTimeout(flush, maxDelay);
    return true;
  };

  const deadLetterFrame = (proto: string, peer: string) => (reason: string, sample: string) => {
    m?.syslogLines.inc({ listener: proto, outcome: 'rejected' });
    const instance = map[peer.slice(0, peer.lastIndexOf(':'))] ?? null;
    o.store.deadLetters.add({ source: `syslog:${proto} ${peer}`, instance, reason, payload: sample });
  };

  const servers: { close(): Promise<void> }[] = [];
  const listeners: SyslogListener[] = [];
  const sockets = new Set<Socket>();
  try {
    for (const l of o.listeners) {
      const host = l.host ?? '127.0.0.1';
      if (l.protocol === 'udp') {
        const sock: UdpSocket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
        sock.on('message', (msg, rinfo) => {
          let s = msg.toString('utf8');
          while (s.endsWith('\n') || s.endsWith('\r')) s = s.slice(0, -1);
          if (s) enqueue(s, `${rinfo.address}:${rinfo.port}`, 'udp');
        });
        sock.on('error', (e) => o.log?.warn(`syslog udp: ${e.message}`));
        await new Promise<void>((resolve, reject) => {
          sock.once('error', reject);
          sock.bind(l.port, host, () => {
            sock.off('error', reject);
            resolve();
          });
        });
        listeners.push({ protocol: 'udp', host, port: sock.address().port });
        servers.push({ close: () => new Promise<void>((r) => sock.close(() => r())) });
        continue;
      }
      const onConn = (sock: Socket) => {
        sockets.add(sock);
        const peer = `${sock.remoteAddress}:${sock.remotePort}`;
        const d = new Deframer(
          (line) => enqueue(line, peer, l.protocol, sock),
          deadLetterFrame(l.protocol, peer),
          o.maxMessageBytes,
        );
        sock.on('data', (c: Buffer) => d.push(c));
        sock.on('end', () => d.end());
        sock.on('error', () => {}); // a peer resetting is routine; the other connections carry on
        sock.on('close', () => {
          sockets.delete(sock);
          paused.delete(sock);
        });
      };
      let server: Server;
      if (l.protocol === 'tls') {
        if (!l.key || !l.cert) throw new Error('syslog TLS listener needs a key and a certificate');
        server = createTlsServer({ key: l.key, cert: l.cert }, onConn);
        server.on('tlsClientError', () => {});
      } else server = createTcpServer(onConn);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(l.port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address();
      listeners.push({ protocol: l.protocol, host, port: typeof a === 'object' && a ? a.port : l.port });
      servers.push({
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
          }),
      });
    }
  } catch (err) {
    for (const s of servers) await s.close();
    await preparer?.close();
    throw err;
  }

  return {
    listeners,
    flush,
    stats: () => ({ queued: queue.length, inFlight, pausedSockets: paused.size }),
    async close() {
      const closing = servers.map((s) => s.close());
      for (const s of sockets) s.end();
      setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 1000).unref();
      await Promise.all(closing);
      await flush();
      await preparer?.close();
    },
  };
}
