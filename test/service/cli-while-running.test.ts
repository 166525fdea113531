// `dtc instance …` run while the service runs: a real `dtc` process writes the data directory's store, and
// the running service applies the change as it applies the API's (a poller starts, stops, goes away)
// without a restart. Both processes use the data directory's key file, as an operator's would.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { type Service, startService } from '../../src/service/service.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { waitFor } from '../deliver/helpers.ts';
import { runDtc } from '../helpers/dtc.ts';

const quiet: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
let sim: Simulator;
let svc: Service;
let dataDir: string;

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: 'p',
    privateToken: 's',
    seed: 5,
    history: { count: 40, days: 1 },
  });
  dataDir = join(mkdtempSync(join(tmpdir(), 'dtc-live-')), 'data');
  svc = await startService({ dataDir, port: 0, demo: false, log: quiet });
}, 60_000);
afterAll(async () => {
  await svc?.stop();
  await sim?.close();
});

const dtc = (args: string[]) => runDtc([...args, '--data-dir', dataDir], { DTC_PRIVATE_TOKEN: 's' });
const lab = () => svc.collector.status().find((s) => s.name === 'lab');

describe('dtc instance while the service runs', () => {
  it('starts polling an added instance, stops a disabled one and drops a removed one, without a restart', async () => {
    expect(lab()).toBeUndefined();
    const add = await dtc(['instance', 'add', '--name', 'lab', '--url', sim.url, '--public-token', 'p']);
    expect(add.code, add.err).toBe(0);
    await waitFor(() => (lab()?.lastSuccessAt ? true : undefined), 30_000, 'the added instance to be polled');
    expect(await svc.store.countDetections()).toBeGreaterThan(0);

    expect((await dtc(['instance', 'update', 'lab', '--disable'])).code).toBe(0);
    await waitFor(() => (lab()?.state === 'disabled' ? true : undefined), 15_000, 'the instance to stop');

    expect((await dtc(['instance', 'remove', 'lab'])).code).toBe(0);
    await waitFor(() => (lab() === undefined ? true : undefined), 15_000, 'the instance to go');
  }, 90_000);
});
