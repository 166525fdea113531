// The syslog receiver's listening half, on its own thread: sockets (TCP, UDP, TLS), framing, instance
// mapping, batching and normalising. The main thread only appends what arrives from here to the store
// (SQLite has one writer), so a syslog flood keeps both cores busy instead of queueing on one.
// Backpressure: lines queued here plus lines posted but not yet stored are bounded by `maxQueue`;
// past it TCP sockets pause until the main thread reports batches stored, and UDP overflow is dropped
// (and counted).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import { Deframer } from './deframe.ts';
import { prepareRecords } from './ingest.ts';
import type {
  ConnCounts,
  Counts,
  FrameReject,
  SyslogBatchGroup,
  SyslogListener,
  SyslogWorkerData,
  ToMain,
  ToWorker,
} from './syslog.ts';
import { trustMap, untrustedInstance } from './trust.ts';

const port = parentPort!;
const UDP_RECV_BUFFER = 4 * 1024 * 1024;
const cfg = workerData as SyslogWorkerData;
const post = (m: ToMain) => port.postMessage(m);

interface Pending {
  line: string;
  peer: string;
  proto: string;
}

let queue: Pending[] = [];
let inFlight = 0;
let timer: NodeJS.Timeout | undefined;
const paused = new Set<Socket>();
let counts: Counts = {};
let frameRejects: FrameReject[] = [];

const publish = () => {
  Atomics.add(cfg.stats, 3, 1); // odd while writing: see stats() in syslog.ts
  Atomics.store(cfg.stats, 0, queue.length);
  Atomics.store(cfg.stats, 1, inFlight);
  Atomics.store(cfg.stats, 2, paused.size);
  Atomics.add(cfg.stats, 3, 1);
};
const count = (proto: string, outcome: 'received' | 'dropped', bytes = 0) => {
  counts[proto] ??= { received: 0, dropped: 0, bytes: 0 };
  counts[proto][outcome]++;
  counts[proto].bytes += bytes;
};
const addressOf = (peer: string) => peer.slice(0, peer.lastIndexOf(':'));
const trustedFor = trustMap(cfg.instanceMap);

/**
 * The line's instance: the one its source address is trusted for (syslog.instances), whatever its
 * hostname says; otherwise an instance of its own, `syslog:<hostname>` (see trust.ts).
 */
const instanceResolver = (peer: string) => {
  const address = addressOf(peer);
  const trusted = trustedFor(address);
  return (host: string | undefined): string => trusted ?? untrustedInstance(host, address);
};

// Connections per listener protocol: accepted, refused (over the cap), closed for idling; open now.
let conns: ConnCounts = {};
const openConns: Record<string, number> = {};
let connReportDue = false;
const countConn = (proto: string, what: 'accepted' | 'refused' | 'idle', delta = 1) => {
  conns[proto] ??= { accepted: 0, refused: 0, idle: 0, open: 0 };
  conns[proto][what] += delta;
  conns[proto].open = openConns[proto] ?? 0;
  // At most one message a second, however fast connections come and go.
  if (connReportDue) return;
  connReportDue = true;
  setTimeout(() => {
    connReportDue = false;
    for (const [p, c] of Object.entries(conns)) c.open = openConns[p] ?? 0;
    post({ t: 'conns', counts: conns });
    conns = {};
  }, 1000).unref();
};
let lastRefusalWarning = 0;
const untrustedOpen: Record<string, number> = {};

const resumeIfRoom = () => {
  if (queue.length + inFlight >= cfg.maxQueue) return;
  for (const s of paused) s.resume();
  paused.clear();
};

/** Normalises what is queued, in batches, and posts each to the main thread in receive order. */
function flush(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  let at = 0;
  while (at < queue.length || frameRejects.length) {
    const batch = queue.slice(at, at + cfg.maxBatch);
    at += batch.length;
    // Normalised per (listener protocol, peer), so dead letters name where a line came from; stored
    // per instance, which the normaliser picks from each line's hostname as it frames it.
    const byPeer = new Map<string, { proto: string; peer: string; lines: string[] }>();
    for (const p of batch) {
      const k = `${p.proto}\0${p.peer}`;
      let g = byPeer.get(k);
      if (!g) {
        g = { proto: p.proto, peer: p.peer, lines: [] };
        byPeer.set(k, g);
      }
      g.lines.push(p.line);
    }
    const groups: SyslogBatchGroup[] = [];
    for (const { proto, peer, lines } of byPeer.values()) {
      const resolve = instanceResolver(peer);
      const prepared = prepareRecords(resolve, `syslog:${proto} ${peer}`, lines, 'syslog');
      const byInstance = new Map<string, SyslogBatchGroup>();
      const group = (instance: string) => {
        let g = byInstance.get(instance);
        if (!g) {
          g = { instance, proto, batch: { rows: [], rejects: [] }, bytes: 0 };
          byInstance.set(instance, g);
        }
        return g;
      };
      for (const row of prepared.rows) {
        const g = group(row.instance);
        g.batch.rows.push(row);
        g.bytes += Buffer.byteLength(row.raw);
      }
      if (prepared.rejects.length) {
        const addressed = trustedFor(addressOf(peer)) ?? null;
        for (const r of prepared.rejects) r.instance = addressed;
        group(resolve(undefined)).batch.rejects.push(...prepared.rejects);
      }
      groups.push(...byInstance.values());
    }
    inFlight += batch.length;
    post({ t: 'batch', lines: batch.length, groups, frameRejects, counts });
    frameRejects = [];
    counts = {};
  }
  // Drops with nothing queued (the store is refusing, the queue is full): counted now, not with the
  // next batch, which may be a while.
  if (Object.keys(counts).length) post({ t: 'counts', counts });
  counts = {};
  queue = [];
  publish();
}

function enqueue(line: string, peer: string, proto: string, sock?: Socket): void {
  count(proto, 'received', Buffer.byteLength(line));
  if (!sock && queue.length + inFlight >= cfg.maxQueue) {
    count(proto, 'dropped');
    timer ??= setTimeout(flush, cfg.maxDelayMs);
    return;
  }
  queue.push({ line, peer, proto });
  if (sock && queue.length + inFlight >= cfg.maxQueue && !paused.has(sock)) {
    sock.pause();
    paused.add(sock);
  }
  if (queue.length >= cfg.maxBatch) {
    // Normalise on the next turn, after this chunk's lines are queued: whole batches.
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, 0);
  } else timer ??= setTimeout(flush, cfg.maxDelayMs);
  publish();
}

const servers: { close(): Promise<void> }[] = [];
/** Open TCP/TLS connections and when each last received data (ms). */
const sockets = new Map<Socket, { last: number; proto: string; end: () => void }>();

// Idle connections are closed: each holds a file descriptor, and enough of them (about 21,000) once
// left the process unable to open anything else, the HTTP API included. A paused socket is not idle:
// it is waiting for the store. Swept a few times per timeout rather than one timer per socket.
const idleSweep =
  cfg.idleTimeoutMs > 0
    ? setInterval(
        () => {
          const cutoff = Date.now() - cfg.idleTimeoutMs;
          for (const [sock, st] of sockets) {
            if (st.last > cutoff || paused.has(sock)) continue;
            st.end(); // a partial last line is framed as it is, as at a normal end
            sock.destroy();
            countConn(st.proto, 'idle');
          }
        },
        Math.max(50, Math.min(cfg.idleTimeoutMs / 4, 10_000)),
      ).unref()
    : undefined;

async function listen(): Promise<SyslogListener[]> {
  const listeners: SyslogListener[] = [];
  for (const l of cfg.listeners) {
    const host = l.host ?? '127.0.0.1';
    if (l.protocol === 'udp') {
      // A larger receive buffer rides out bursts while this thread is busy normalising (the kernel
      // caps it at net.core.rmem_max; what it still drops is counted from /proc/net/udp).
      const sock: UdpSocket = createSocket({
        type: host.includes(':') ? 'udp6' : 'udp4',
        recvBufferSize: UDP_RECV_BUFFER,
      });
      sock.on('message', (msg, rinfo) => {
        let s = msg.toString('utf8');
        while (s.endsWith('\n') || s.endsWith('\r')) s = s.slice(0, -1);
        if (s) enqueue(s, `${rinfo.address}:${rinfo.port}`, 'udp');
      });
      sock.on('error', (e) => post({ t: 'warn', message: `syslog udp: ${e.message}` }));
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
      const peer = `${sock.remoteAddress}:${sock.remotePort}`;
      const proto = l.protocol;
      // The cap counts untrusted connections only: a flood of strangers cannot lock out the appliances
      // bound in syslog.instances (nor exhaust the process's file descriptors).
      const trusted = trustedFor(sock.remoteAddress ?? '') !== undefined;
      if (!trusted && (untrustedOpen[proto] ?? 0) >= cfg.maxConnections) {
        sock.destroy();
        countConn(proto, 'refused');
        if (Date.now() - lastRefusalWarning > 60_000) {
          lastRefusalWarning = Date.now();
          post({
            t: 'warn',
            message:
              `syslog ${proto}: refused a connection from ${peer}: ${cfg.maxConnections} connections from senders ` +
              'not in syslog.instances are open (syslog.maxConnections); refusals are counted in ' +
              'dtc_syslog_connections_total{outcome="refused"} (this warning at most once a minute)',
          });
        }
        return;
      }
      if (!trusted) untrustedOpen[proto] = (untrustedOpen[proto] ?? 0) + 1;
      openConns[proto] = (openConns[proto] ?? 0) + 1;
      countConn(proto, 'accepted');
      const d = new Deframer(
        (line) => enqueue(line, peer, proto, sock),
        (reason, sample) => {
          frameRejects.push({
            proto,
            peer,
            instance: trustedFor(addressOf(peer)) ?? null,
            reason,
            sample,
          });
          timer ??= setTimeout(flush, cfg.maxDelayMs);
        },
        cfg.maxMessageBytes,
      );
      let ended = false;
      const end = () => {
        if (!ended) d.end();
        ended = true;
      };
      const st = { last: Date.now(), proto, end };
      sockets.set(sock, st);
      sock.on('data', (c: Buffer) => {
        st.last = Date.now();
        d.push(c);
      });
      sock.on('end', end);
      sock.on('error', () => {}); // a peer resetting is routine; the other connections carry on
      sock.on('close', () => {
        sockets.delete(sock);
        openConns[proto]--;
        if (!trusted) untrustedOpen[proto]--;
        countConn(proto, 'accepted', 0);
        if (paused.delete(sock)) publish();
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
    servers.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
  }
  return listeners;
}

async function close(): Promise<void> {
  if (idleSweep) clearInterval(idleSweep);
  const closing = servers.map((s) => s.close());
  for (const s of sockets.keys()) s.end();
  setTimeout(() => {
    for (const s of sockets.keys()) s.destroy();
  }, 1000).unref();
  await Promise.all(closing);
  flush();
  post({ t: 'closed' });
  port.close();
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'stored') {
    inFlight -= m.lines;
    resumeIfRoom();
    publish();
  } else if (m.t === 'flush') {
    flush();
    post({ t: 'flushed', id: m.id });
  } else if (m.t === 'close') void close();
});

listen().then(
  (listeners) => post({ t: 'listening', listeners }),
  async (err: NodeJS.ErrnoException & { address?: string; port?: number }) => {
    for (const s of servers) await s.close();
    const where = err.address !== undefined ? ` ${err.address}:${err.port}` : '';
    const message =
      err.code === 'EADDRINUSE'
        ? `the syslog port${where} is already in use: stop the other process or choose another port`
        : err.code === 'EACCES'
          ? `no permission to listen on the syslog port${where}: ports below 1024 need privileges; choose a port above 1024`
          : `syslog listener${where}: ${err.message}`;
    post({ t: 'failed', message, code: err.code });
    port.close();
  },
);
