// The push path over real sockets: the fixtures' RFC 5424 and 3164 lines over TCP (LF and octet
// counted), UDP and TLS arrive in the store under the right instance; a malformed flood neither stops
// the listener nor the good lines, and every bad line is dead-lettered with its reason.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRecords } from '../../src/collect/ingest.ts';
import {
  Deframer,
  type SyslogReceiver,
  startSyslogReceiver,
  startSyslogWorker,
} from '../../src/collect/syslog.ts';
import { untrustedInstance } from '../../src/collect/trust.ts';
import { normalize } from '../../src/normalize/index.ts';
import type { Store } from '../../src/store/index.ts';
import { breachLine, fixtureSyslogLines, tempStore, waitFor } from '../deliver/helpers.ts';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls.ts';

const octet = (lines: string[]) => lines.map((l) => `${Buffer.byteLength(l)} ${l}`).join('');
const lf = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

function sendTcp(port: number, data: string, chunk = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, async () => {
      if (!chunk) s.end(data);
      else {
        // Odd-sized chunks: frames split anywhere, including inside an octet count.
        const b = Buffer.from(data);
        for (let i = 0; i < b.length; i += chunk) {
          s.write(b.subarray(i, i + chunk));
          await new Promise((r) => setImmediate(r));
        }
        s.end();
      }
    });
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

/** Sends from a worker thread: the test's own thread may be busy (a stalled store) while it sends. */
function sendTcpFromThread(port: number, data: string): Promise<void> {
  const code = `
    const { workerData } = require('node:worker_threads');
    const s = require('node:net').connect({ host: '127.0.0.1', port: workerData.port }, () => s.end(workerData.data));
    s.on('error', (e) => { throw e; });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: { port, data } });
    w.on('error', reject);
    w.on('exit', () => resolve());
  });
}

function sendUdp(port: number, lines: string[]): Promise<void> {
  const s = createSocket('udp4');
  return Promise.all(
    lines.map((l) => new Promise<void>((r, j) => s.send(l, port, '127.0.0.1', (e) => (e ? j(e) : r())))),
  ).then(() => {
    s.close();
  });
}

const keysOf = async (store: Store) => (await store.readLog(0, 100_000)).map((r) => r.key);
/** Keys as an untrusted sender's lines get them: under `syslog:<hostname>`. */
const expectedKeys = (lines: string[]) =>
  [
    ...new Set(
      lines.map(
        (l) => normalize(l, { instance: (h) => untrustedInstance(h, '127.0.0.1'), source: 'syslog' }).uid,
      ),
    ),
  ].sort();

describe('syslog receiver', () => {
  let tls: TlsMaterial;
  const open: SyslogReceiver[] = [];
  beforeAll(async () => {
    tls = makeTlsMaterial();
  });
  afterAll(async () => {
    for (const r of open) await r.close();
  });

  const start = async (opts: Partial<Parameters<typeof startSyslogReceiver>[0]> = {}) => {
    const { store } = await tempStore('dtc-syslog-');
    const rx = await startSyslogReceiver({
      store,
      listeners: [
        { protocol: 'tcp', port: 0 },
        { protocol: 'udp', port: 0 },
        { protocol: 'tls', port: 0, key: tls.good.key, cert: tls.good.cert },
      ],
      ...opts,
    });
    open.push(rx);
    const port = (p: string) => rx.listeners.find((l) => l.protocol === p)!.port;
    return { store, rx, tcp: port('tcp'), udp: port('udp'), tlsPort: port('tls') };
  };

  it('stores the fixtures from TCP (LF and octet counted), UDP and TLS, by syslog hostname', async () => {
    const lines = fixtureSyslogLines();
    expect(lines.some((l) => /^<\d+>1 /.test(l))).toBe(true);
    expect(lines.some((l) => /^<\d+>[A-Z][a-z]{2} /.test(l))).toBe(true); // RFC 3164
    const want = expectedKeys(lines);
    for (const via of ['tcp-lf', 'tcp-octet', 'tcp-octet-chunked', 'udp', 'tls'] as const) {
      const { store, tcp, udp, tlsPort } = await start();
      if (via === 'tcp-lf') await sendTcp(tcp, lf(lines));
      if (via === 'tcp-octet') await sendTcp(tcp, octet(lines));
      if (via === 'tcp-octet-chunked') await sendTcp(tcp, octet(lines) + lf(lines), 7);
      if (via === 'udp') await sendUdp(udp, lines);
      if (via === 'tls')
        await new Promise<void>((resolve, reject) => {
          const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: tls.caCert }, () =>
            s.end(octet(lines)),
          );
          s.on('error', reject);
          s.on('close', () => resolve());
        });
      const got = await waitFor(
        async () => {
          const k = await keysOf(store);
          return new Set(k).size === want.length ? k : undefined;
        },
        10_000,
        `${via} lines stored`,
      );
      expect([...new Set(got)].sort(), via).toEqual(want);
      // An unbound sender's lines are kept under syslog:<its hostname>, never a configured instance.
      expect(new Set((await store.readLog(0, 1000)).map((r) => r.instance)), via).toEqual(
        new Set(['syslog:example.cloud.darktrace.com']),
      );
      expect(await store.deadLetters.count(), via).toBe(0);
    }
  });

  it('maps a bound sender address (or CIDR) to its instance; anyone else is syslog:<hostname>', async () => {
    const byAddr = await start({ instanceMap: { '127.0.0.1': 'lab' } });
    await sendTcp(byAddr.tcp, lf([breachLine(1, 'dt-a'), breachLine(2, 'dt-b')]));
    await waitFor(async () => (await byAddr.store.maxSeq()) === 2);
    expect((await byAddr.store.readLog(0, 10)).map((r) => r.instance)).toEqual(['lab', 'lab']);

    const byRange = await start({ instanceMap: { '10.0.0.0/8': 'other', '127.0.0.0/8': 'lab' } });
    await sendUdp(byRange.udp, [breachLine(1, 'dt-a')]);
    await waitFor(async () => (await byRange.store.maxSeq()) === 1);
    expect((await byRange.store.readLog(0, 10)).map((r) => r.instance)).toEqual(['lab']);

    const unbound = await start({ instanceMap: { '10.0.0.5': 'prod' } });
    const noHost = `<165>1 2026-11-23T10:00:00Z - darktrace - - - ${breachLine(3).split(' - - - ')[1]}`;
    await sendTcp(unbound.tcp, lf([breachLine(1, 'prod'), breachLine(2, 'dt/b'), noHost]));
    await waitFor(async () => (await unbound.store.maxSeq()) === 3);
    expect((await unbound.store.readLog(0, 10)).map((r) => r.instance)).toEqual([
      'syslog:prod',
      'syslog:dt_b',
      'syslog:127.0.0.1',
    ]);
  });

  it('never lets an unbound sender forge a new version of a polled detection', async () => {
    const { store, tcp } = await start({ instanceMap: { '10.0.0.5': 'prod' } });
    // Breach 77 of instance prod, as its poller stored it: not acknowledged.
    const polled = JSON.parse(breachLine(77, 'prod').split(' - - - ')[1]);
    await ingestRecords(store, 'prod', 'poll:prod', [{ ...polled, acknowledged: false }]);
    const before = (await store.getDetection('prod/model_breach/77'))!;
    expect(before).toMatchObject({ version: 1, acknowledged: false });
    // The forgery: the polled instance's name as hostname, the same breach ID, "acknowledged".
    const forged = breachLine(77, 'prod').replace('{', '{"acknowledged":true,');
    await sendTcp(tcp, lf([forged]));
    await waitFor(async () => (await store.maxSeq()) === 2);
    const after = (await store.getDetection('prod/model_breach/77'))!;
    expect(after).toMatchObject({ version: 1, acknowledged: false, seq: before.seq });
    expect((await store.searchDetections({ instance: 'prod' })).total).toBe(1);
    // It is kept, as its own record, where a sink filtering on instance prod never sees it.
    expect(await store.getDetection('syslog:prod/model_breach/77')).toMatchObject({
      instance: 'syslog:prod',
      version: 1,
      acknowledged: true,
    });

    // The same line from the bound address would update it: that is the appliance itself.
    const trusted = await start({ instanceMap: { '127.0.0.1': 'prod' } });
    await ingestRecords(trusted.store, 'prod', 'poll:prod', [{ ...polled, acknowledged: false }]);
    await sendTcp(trusted.tcp, lf([forged]));
    await waitFor(async () => (await trusted.store.maxSeq()) === 2);
    expect(await trusted.store.getDetection('prod/model_breach/77')).toMatchObject({
      version: 2,
      acknowledged: true,
    });
  });

  it('keeps storing good lines through a malformed flood and dead-letters each bad one with a reason', async () => {
    const { store, tcp, udp } = await start();
    const bad = [
      'not syslog at all',
      '<999>1 2026-11-23T10:00:00Z h darktrace - - - {"pbid":1}',
      '<165>1 2026-11-23T10:00:00Z h darktrace - - - {"pbid": 1, broken',
      '<165>1 2026-11-23T10:00:00Z h darktrace - - - {"hello":"world"}',
      '12345 stray number then text',
      '<165>1 2026-11-23T10:00:00Z h darktrace - - - [1,2]',
    ];
    const good: string[] = [];
    const mixed: string[] = [];
    let n = 0;
    for (let i = 0; i < 300; i++) {
      const g = breachLine(1000 + i, 'flood-host');
      good.push(g);
      mixed.push(bad[i % bad.length], g, bad[(i + 3) % bad.length]);
      n += 2;
    }
    // The flood over TCP and UDP at once; the connection stays open throughout.
    await Promise.all([sendTcp(tcp, lf(mixed)), sendUdp(udp, bad.concat(bad))]);
    await waitFor(
      async () => (await store.maxSeq()) === good.length && (await store.deadLetters.count()) === n + 12,
      15_000,
      'flood',
    );
    expect((await store.readLog(0, 1000)).map((r) => r.instance)).toEqual(
      good.map(() => 'syslog:flood-host'),
    );
    const dl = await store.deadLetters.list(10_000);
    expect(dl).toHaveLength(n + 12);
    for (const d of dl) {
      expect(d.reason).toMatch(/^(bad_frame|bad_json|unknown_family|not_a_record|empty)\b.*: /);
      expect(d.source).toMatch(/^syslog:(tcp|udp) 127\.0\.0\.1:\d+$/);
    }
    expect(new Set(dl.map((d) => d.reason.split(':')[0]))).toEqual(
      new Set(['bad_frame', 'bad_json', 'unknown_family', 'not_a_record']),
    );
    // The listener still works after the flood.
    await sendTcp(tcp, lf([breachLine(5000, 'flood-host')]));
    await waitFor(async () => (await store.maxSeq()) === good.length + 1);
  });

  it('pauses a fast sender instead of buffering without bound while batches are stored', async () => {
    const { store } = await tempStore('dtc-syslog-bp-');
    // A disk that stalls on the first batch until the listening thread pauses the sender (or 20 s
    // pass), then takes 5 ms per batch. Stalling, not merely slowing, keeps the test independent of
    // how fast this machine normalises: the store is the bottleneck however loaded the CPU is.
    let rx: SyslogReceiver | undefined;
    let peak = 0;
    let paused = 0;
    const sample = () => {
      const s = rx?.stats();
      if (!s) return;
      peak = Math.max(peak, s.queued + s.inFlight);
      paused = Math.max(paused, s.pausedSockets);
    };
    let stalled = false;
    const slow = Object.create(store) as Store;
    slow.appendDetections = async (b) => {
      const until = Date.now() + (stalled ? 5 : 20_000);
      const first = !stalled;
      stalled = true;
      while (Date.now() < until) {
        sample();
        if (first && paused) break;
      }
      return await store.appendDetections(b);
    };
    rx = await startSyslogReceiver({
      store: slow,
      listeners: [{ protocol: 'tcp', port: 0 }],
      maxBatch: 100,
      maxQueue: 1000,
    });
    open.push(rx);
    const N = 6000;
    const sampler = setInterval(sample, 1);
    await sendTcpFromThread(
      rx.listeners[0].port,
      lf(Array.from({ length: N }, (_, i) => breachLine(10_000 + i))),
    );
    await waitFor(async () => (await store.maxSeq()) === N, 30_000, 'all stored');
    clearInterval(sampler);
    expect(paused).toBe(1);
    // Bounded: the limit plus at most one socket read's worth of lines (64 KB / ~2.5 KB).
    expect(peak).toBeLessThan(1000 + 100);
  });

  it('dead-letters what cannot be framed (too long, impossible octet count) and keeps the connection', async () => {
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    const { store, tcp } = await start({ maxMessageBytes: 4096, registry });
    const good = [breachLine(7001, 'frame-host'), breachLine(7002, 'frame-host')];
    await sendTcp(
      tcp,
      `${good[0]}\n${'x'.repeat(10_000)}\n999999 <165>1 - - - - - - {}\n${good[1]}\n`,
      1000, // in pieces, so the long line is seen growing past the limit
    );
    await waitFor(
      async () => (await store.maxSeq()) === 2 && (await store.deadLetters.count()) === 2,
      10_000,
      'framed',
    );
    const reasons = (await store.deadLetters.list(10)).map((d) => d.reason);
    expect(reasons.some((r) => r.startsWith('too_long: message over 4096 bytes'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('bad_frame: octet count 999999 out of range'))).toBe(true);
    expect((await store.readLog(0, 10)).map((r) => r.nativeId)).toEqual(['7001', '7002']);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/dtc_syslog_lines_total\{listener="tcp",outcome="rejected"\} 2/);
    expect(metrics).toMatch(/dtc_syslog_lines_total\{listener="tcp",outcome="stored"\} 2/);
  });

  it('starts the listening thread again on the same ports when it dies', async () => {
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    const threads: ReturnType<typeof startSyslogWorker>[] = [];
    const warnings: string[] = [];
    const { store, rx, tcp, udp } = await start({
      registry,
      log: { warn: (m: string) => warnings.push(m) },
      startWorker: (data) => {
        const w = startSyslogWorker(data);
        threads.push(w);
        return w;
      },
    });
    await sendTcp(tcp, lf([breachLine(8001, 'crash-host')]));
    await waitFor(async () => (await store.maxSeq()) === 1);
    await threads[0].terminate(); // as if it had died
    await waitFor(
      () => (threads.length === 2 && rx.listeners.length === 3) || undefined,
      10_000,
      'a second thread',
    );
    // The same ports take lines again.
    await waitFor(
      async () => {
        await sendTcp(tcp, lf([breachLine(8002, 'crash-host')])).catch(() => {});
        return (await store.maxSeq()) >= 2 || undefined;
      },
      10_000,
      'TCP again',
    );
    await sendUdp(udp, [breachLine(8003, 'crash-host')]);
    await waitFor(
      async () => (await store.readLog(0, 100)).some((r) => r.nativeId === '8003') || undefined,
      10_000,
      'UDP again',
    );
    expect(warnings.some((w) => /restarting it on the same ports/.test(w))).toBe(true);
    expect(await registry.metrics()).toMatch(/dtc_syslog_receiver_restarts_total 1/);
  });

  it('says which syslog port is taken when another process holds it', async () => {
    const { createServer } = await import('node:net');
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as { port: number }).port;
    const { store } = await tempStore('dtc-syslog-busy-');
    await expect(
      startSyslogReceiver({ store, listeners: [{ protocol: 'tcp', port: taken }] }),
    ).rejects.toThrow(`the syslog port 127.0.0.1:${taken} is already in use`);
    holder.close();
  });

  it('deframes octet counting and LF split at every byte boundary', async () => {
    const lines = [breachLine(1), breachLine(2), '<13>Aug  5 03:34:46 h darktrace {"x":1}'];
    const data = Buffer.from(octet(lines) + lf(lines) + octet(lines));
    for (const size of [1, 2, 3, 5, 11, 64, 4096]) {
      const got: string[] = [];
      const d = new Deframer(
        (m) => got.push(m),
        (r) => got.push(`BAD ${r}`),
      );
      for (let i = 0; i < data.length; i += size) d.push(data.subarray(i, i + size));
      d.end();
      expect(got, `chunk ${size}`).toEqual([...lines, ...lines, ...lines]);
    }
  });

  it('applies the size limit to a long line whether it arrives whole or byte by byte', async () => {
    const data = Buffer.from('<13>this line is far too long\n<13>ok\n');
    for (const size of [1, data.length]) {
      const got: string[] = [];
      const d = new Deframer(
        (m) => got.push(m),
        (r) => got.push(`BAD ${r}`),
        16,
      );
      for (let i = 0; i < data.length; i += size) d.push(data.subarray(i, i + size));
      d.end();
      expect(got, `chunk ${size}`).toEqual(['BAD too_long: message over 16 bytes', '<13>ok']);
    }
  });
});
