// One SDK client (and connection pool) per instance: the collector's poller and the commands run over
// HTTP share it, so two commands after a poll open no new connection to the appliance. A TCP relay in
// front of the simulator counts the connections.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { type Service, startService } from '../../src/service/service.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { waitFor } from '../deliver/helpers.ts';

const quiet: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
let sim: Simulator;
let relay: Server;
let svc: Service;
let key: string;
let connections = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: 'p',
    privateToken: 's',
    seed: 3,
    history: { count: 50, days: 1 },
  });
  const target = new URL(sim.url);
  relay = createServer((inbound) => {
    connections++;
    const outbound = connect(Number(target.port), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const port = (relay.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'dtc-client-'));
  const config = join(dir, 'dtc.yaml');
  writeFileSync(
    config,
    `instances:\n  - name: lab\n    url: http://127.0.0.1:${port}\n    publicToken: p\n    privateToken: s\n    pollIntervalSeconds: 3600\n`,
  );
  svc = await startService({
    dataDir: join(dir, 'data'),
    port: 0,
    configFile: config,
    log: quiet,
    env: { DTC_SECRET_KEY: 'd'.repeat(64) },
  });
  key = readFileSync(svc.bootstrap!.keyFile, 'utf8').trim();
}, 60_000);
afterAll(async () => {
  await svc?.stop();
  for (const s of sockets) s.destroy();
  await new Promise((r) => relay?.close(r));
  await sim?.close();
});

const command = async (name: string, body: unknown) => {
  const r = await fetch(`${svc.url}/api/instances/lab/commands/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as { outcome: string } };
};

describe('one SDK client per instance', () => {
  it('runs commands over the connections the poller opened', async () => {
    await waitFor(
      () => (svc.collector.status().find((s) => s.name === 'lab')?.lastSuccessAt ? true : undefined),
      30_000,
      'the first poll',
    );
    const afterPoll = connections;
    expect(afterPoll).toBeGreaterThan(0);
    // The pool is the poller's: a command finds an idle connection there instead of opening its own.
    const status = await command('get-status', {});
    expect(status.status).toBe(200);
    const subnets = await command('list-subnets', {});
    expect(subnets.status).toBe(200);
    expect(connections).toBe(afterPoll);
  }, 60_000);
});
