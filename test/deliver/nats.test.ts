// The NATS sink against a real nats-server with JetStream (Debian `nats-server`), started here on a
// loopback port: every detection is stored in the stream, in sequence order, with its key; a replay of
// the same versions is dropped by JetStream's duplicate window (Nats-Msg-Id = key@version).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRecords } from '../../src/collect/ingest.ts';
import { SinkWorker } from '../../src/deliver/worker.ts';
import { program } from '../helpers/programs.ts';
import { breachLine, tempStore, waitFor } from './helpers.ts';

const natsServer = program('nats-server', 'nats-server');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

let server: ChildProcess | undefined;
let port = 0;
let nc: NatsConnection | undefined;

beforeAll(async () => {
  if (!natsServer) return;
  const bin = natsServer;
  port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dtc-nats-'));
  let err = '';
  server = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr!.on('data', (d) => {
    err += d;
  });
  nc = await waitFor(
    async () => {
      if (server?.exitCode !== null) throw new Error(`nats-server exited: ${err}`);
      return await connect({ servers: `127.0.0.1:${port}`, reconnect: false });
    },
    10_000,
    'nats-server',
  );
}, 20_000);

afterAll(async () => {
  await nc?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
});

describe.skipIf(!natsServer)('NATS JetStream sink', () => {
  it('publishes each detection with a JetStream ack; consumers read them in sequence order', async () => {
    const { store } = await tempStore();
    await ingestRecords(
      store,
      undefined,
      't',
      Array.from({ length: 120 }, (_, i) => breachLine(i + 1)),
      'syslog',
    );
    const url = `nats://127.0.0.1:${port}/darktrace.detections?stream=DT_TEST`;
    const run = async (name: string) => {
      const w = new SinkWorker(
        store,
        { name, format: 'ocsf', url, batchSize: 50 },
        { log: { info() {}, warn() {} }, registry: new Registry() },
      );
      await w.start();
      await waitFor(async () => (await store.sinkOffsets.get(name)) === 120, 15_000, `${name} offset`);
      await w.stop();
    };
    await run('nats');
    const jsm = await nc!.jetstreamManager();
    const info = await jsm.streams.info('DT_TEST');
    expect(info.state.messages).toBe(120);
    const rows = await store.readLog(0, 1000);
    const c = await nc!.jetstream().consumers.get('DT_TEST');
    const got: { seq: string; key: string; body: any }[] = [];
    const msgs = await c.fetch({ max_messages: 120, expires: 5000 });
    for await (const m of msgs) {
      got.push({ seq: m.headers!.get('Dtc-Seq'), key: m.headers!.get('Dtc-Key'), body: m.json() });
      if (got.length === 120) break;
    }
    expect(got.map((g) => Number(g.seq))).toEqual(rows.map((r) => r.seq));
    expect(got.map((g) => g.key)).toEqual(rows.map((r) => r.key));
    got.forEach((g, i) => {
      expect(g.body.class_uid).toBe(2004);
      expect(String(g.body.finding_info.uid)).toContain(rows[i].nativeId);
    });
    // A replay (`dtc sink reset`) republishes the same versions: JetStream drops them as duplicates.
    await store.sinkOffsets.set('nats', 0);
    await run('nats');
    expect((await jsm.streams.info('DT_TEST')).state.messages).toBe(120);
  });

  it('retries while the server refuses (no such stream, wrong port) and keeps the offset', async () => {
    const { store } = await tempStore();
    await ingestRecords(store, undefined, 't', [breachLine(1)], 'syslog');
    const dead = await freePort();
    const w = new SinkWorker(
      store,
      {
        name: 'down',
        format: 'json',
        url: `nats://127.0.0.1:${dead}/x`,
        retry: { initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.05, multiplier: 2 },
      },
      { log: { info() {}, warn() {} }, registry: new Registry() },
    );
    await w.start();
    await waitFor(
      async () => (await store.sinkOffsets.status('down'))?.lastError,
      10_000,
      'an error recorded',
    );
    await w.stop();
    expect(await store.sinkOffsets.get('down')).toBe(0);
    expect((await store.sinkOffsets.status('down'))?.lastError).toMatch(/nats:\/\/127\.0\.0\.1/);
  });
});
