// The service on a PostgreSQL store (issue 15): `dtc start --store postgres://…` keeps everything in the
// database, and a `dtc` command beside it reaches the same store through DTC_STORE_URL. Here a real `dtc
// instance add` process writes the instance into PostgreSQL, the running service picks it up, polls the
// simulator and stores its breaches there, and the API searches them (tsvector) like the SQLite store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { type Service, startService } from '../../src/service/service.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { waitFor } from '../deliver/helpers.ts';
import { runDtc } from '../helpers/dtc.ts';
import { type TestDatabase, testDatabase } from '../helpers/postgres.ts';

const quiet: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const db: TestDatabase | undefined = await testDatabase('service');
const KEY_HEX = 'ab'.repeat(32);
let sim: Simulator;
let svc: Service;
let dataDir: string;

describe.skipIf(!db)('the service on PostgreSQL', () => {
  beforeAll(async () => {
    sim = await startSimulator({
      publicToken: 'p',
      privateToken: 's',
      seed: 9,
      history: { count: 30, days: 1 },
    });
    dataDir = join(mkdtempSync(join(tmpdir(), 'dtc-pg-')), 'data');
    svc = await startService({
      dataDir,
      storeUrl: db!.url,
      port: 0,
      demo: false,
      log: quiet,
      env: { DTC_SECRET_KEY: KEY_HEX },
    });
  }, 60_000);
  afterAll(async () => {
    await svc?.stop();
    await sim?.close();
    await db?.drop();
  });

  it('keeps instances and detections in the database, and a dtc command beside it uses the same store', async () => {
    expect(svc.store.path).toMatch(/^postgres:\/\//);
    expect(svc.store.path).not.toContain('password');
    const add = await runDtc(
      ['instance', 'add', '--name', 'lab', '--url', sim.url, '--public-token', 'p', '--data-dir', dataDir],
      { DTC_PRIVATE_TOKEN: 's', DTC_STORE_URL: db!.url, DTC_SECRET_KEY: KEY_HEX },
    );
    expect(add.code, add.err).toBe(0);
    const lab = () => svc.collector.status().find((s) => s.name === 'lab');
    await waitFor(() => (lab()?.lastSuccessAt ? true : undefined), 30_000, 'the added instance to be polled');
    const stored = await svc.store.countDetections();
    expect(stored).toBeGreaterThan(0);
    // The token went in encrypted, and the service decrypted it with the same key to poll.
    expect(await svc.store.instances.privateToken('lab')).toBe('s');

    const page = await svc.store.searchDetections({ limit: 1000 });
    expect(page.total).toBe(await svc.store.countKeys());
    const word = page.items[0].title.split(/\s+/).find((w) => /^[A-Za-z]{4,}$/.test(w))!;
    const hits = await svc.store.searchDetections({ q: word.slice(0, 4), limit: 1000 });
    expect(hits.items.length).toBeGreaterThan(0);
    expect(hits.items.map((i) => i.key)).toContain(page.items[0].key);
    expect((await svc.store.searchDetections({ q: 'zzqxnotaword' })).total).toBe(0);

    const list = await runDtc(['instance', 'list', '--data-dir', dataDir, '--output', 'json'], {
      DTC_STORE_URL: db!.url,
      DTC_SECRET_KEY: KEY_HEX,
    });
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out).map((i: { name: string }) => i.name)).toEqual(['lab']);
  }, 90_000);
});
