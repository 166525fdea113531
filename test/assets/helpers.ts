// One simulated appliance with a large inventory and a store that knows it as instance `lab`, started
// before a file's tests and removed after them (hooks registered later, e.g. an API server's, close first).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { KEY } from '../store/helpers.ts';

export interface Lab {
  sim: Simulator;
  store: Store;
  dir: string;
}

export function useLab(o: { devices: number; seed: number }): Lab {
  const lab = {} as Lab;
  beforeAll(async () => {
    lab.sim = await startSimulator({
      publicToken: 'pub',
      privateToken: 'priv',
      port: 0,
      seed: o.seed,
      devices: o.devices,
      history: { count: 20, days: 1 },
      ratePerMinute: 0,
    });
    lab.dir = mkdtempSync(join(tmpdir(), 'dtc-assets-'));
    lab.store = await openStore({ dataDir: lab.dir, secretKey: KEY, env: {} });
    await lab.store.instances.add({
      name: 'lab',
      url: lab.sim.url,
      publicToken: 'pub',
      privateToken: 'priv',
    });
  }, 60_000);
  afterAll(async () => {
    await lab.store?.close();
    await lab.sim?.close();
    if (lab.dir) rmSync(lab.dir, { recursive: true, force: true });
  });
  return lab;
}
