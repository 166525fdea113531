// Nothing lost when the disk is full: the data directory on a small tmpfs that fills up. The syslog
// receiver holds what it read, pauses its TCP senders (they are slowed, not dropped), counts the UDP
// datagrams it cannot queue, retries, and once space returns every TCP line sent is in the store.
import { createSocket } from 'node:dgram';
import { unlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { startSyslogReceiver } from '../../src/collect/syslog.ts';
import { openStore } from '../../src/store/index.ts';
import { breachLine, waitFor } from '../deliver/helpers.ts';
import { fill, mountTmpfs } from '../helpers/tmpfs.ts';

const metric = async (r: Registry, listener: string, outcome: string) => {
  const m = (await r.getSingleMetric('dtc_syslog_lines_total')?.get())?.values ?? [];
  return m.find((v) => v.labels.listener === listener && v.labels.outcome === outcome)?.value ?? 0;
};

describe('syslog on a full disk', () => {
  const fs = mountTmpfs('96m', 'the syslog full-disk test');
  afterAll(() => fs?.unmount());

  it.skipIf(!fs)(
    'slows TCP senders, counts UDP drops, and stores every TCP line once space returns',
    async () => {
      const store = await openStore({ dataDir: join(fs!.dir, 'data'), secretKey: Buffer.alloc(32, 1) });
      const registry = new Registry();
      const logs: string[] = [];
      const rx = await startSyslogReceiver({
        store,
        registry,
        listeners: [
          { protocol: 'tcp', port: 0 },
          { protocol: 'udp', port: 0 },
        ],
        instanceMap: { '127.0.0.1': 'lab' },
        maxQueue: 2000,
        log: { warn: (m) => logs.push(`warn ${m}`), info: (m) => logs.push(`info ${m}`) },
      });
      try {
        const port = (p: string) => rx.listeners.find((l) => l.protocol === p)!.port;
        const filler = fill(fs!.dir);

        // 12,000 distinct breaches (~1.3 KB each) over one TCP connection, written as fast as the
        // socket takes them: far more than the receiver's queue and the kernel's buffers hold.
        const N = 12_000;
        const payload = Buffer.from(Array.from({ length: N }, (_, i) => `${breachLine(i + 1)}\n`).join(''));
        const sock: Socket = connect({ host: '127.0.0.1', port: port('tcp') });
        sock.on('error', () => {}); // closed under it at the end of a failed run
        await new Promise<void>((r) => sock.once('connect', () => r()));
        let sent = false;
        sock.end(payload, () => {
          sent = true;
        });

        // The store refuses, says so, and the sender is held back: its data waits in its own buffer.
        await waitFor(() => (!store.health().writable ? true : undefined), 15_000, 'store unwritable');
        await waitFor(() => (rx.stats().pausedSockets > 0 ? true : undefined), 15_000, 'socket paused');
        expect(store.health()).toMatchObject({ writable: false, code: 'disk_full' });
        expect(store.health().reason).toContain(join(fs!.dir, 'data', 'dtc.sqlite'));
        await new Promise((r) => setTimeout(r, 2000));
        const storedWhileFull = await store.countDetections();
        expect(sent).toBe(false);
        expect(sock.writableLength).toBeGreaterThan(0); // bytes the kernel would not take yet
        expect(storedWhileFull).toBeLessThan(N);
        expect(
          logs.some((l) =>
            /^warn syslog: the store cannot write.*disk holding the database .* is full/.test(l),
          ),
        ).toBe(true);

        // UDP has no flow control: what does not fit in the queue is dropped, and counted.
        const udp = createSocket('udp4');
        const U = 500;
        for (let i = 0; i < U; i++) {
          await new Promise<void>((r, j) =>
            udp.send(breachLine(100_000 + i), port('udp'), '127.0.0.1', (e) => (e ? j(e) : r())),
          );
        }
        udp.close();
        // Every datagram is accounted for: dropped by the receiver (its queue is full while the store
        // refuses) or by the kernel (its buffer was full); both are counted.
        const kernel = async () =>
          (await (await registry.getSingleMetric('dtc_syslog_udp_kernel_drops')?.get())?.values[0]?.value) ??
          0;
        await waitFor(
          async () =>
            (await metric(registry, 'udp', 'received')) + (await kernel()) === U ? true : undefined,
          10_000,
          'udp datagrams counted',
        );
        const udpDropped = await metric(registry, 'udp', 'dropped');
        const udpKernel = await kernel();
        expect(udpDropped).toBe(await metric(registry, 'udp', 'received'));
        expect(await metric(registry, 'tcp', 'dropped')).toBe(0);

        // Space returns: everything held and everything still in the sender's buffer is stored.
        unlinkSync(filler);
        await waitFor(() => (sent ? true : undefined), 60_000, 'sender finished');
        await waitFor(
          async () => ((await store.countKeys()) >= N ? true : undefined),
          60_000,
          'all lines stored',
        );
        await rx.flush();
        const ids = new Set(
          (await store.readLog(0, 100_000, { content: false })).map((r) => Number(r.nativeId)),
        );
        for (let i = 1; i <= N; i++) if (!ids.has(i)) throw new Error(`line ${i} is missing from the store`);
        expect(await store.countDetections()).toBe(N);
        expect(await store.deadLetters.count()).toBe(0);
        expect(store.health()).toEqual({ writable: true });
        expect(await metric(registry, 'tcp', 'stored')).toBe(N);
        expect(await metric(registry, 'tcp', 'dropped')).toBe(0);
        expect(logs.some((l) => /^info syslog: the store writes again/.test(l))).toBe(true);
        process.stderr.write(
          `disk full: ${N} TCP lines sent, ${storedWhileFull} stored while full, ${await store.countDetections()} stored in the end; ` +
            `${U} UDP datagrams sent while full, ${udpDropped} dropped by the receiver and ${udpKernel} by the kernel, all counted\n`,
        );
        sock.destroy();
      } finally {
        await rx.close();
        await store.close();
      }
    },
    120_000,
  );
});
