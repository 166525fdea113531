// What the cluster shows of itself: GET /api/cluster, `dtc cluster status` and the replica metrics, from
// two services sharing a real PostgreSQL store (one simulated instance and one sink between them), and
// the single-node answers on SQLite. Stopping one replica hands its leases back, and the other takes them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { type Service, startService } from '../../src/service/service.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { runDtc } from '../helpers/dtc.ts';
import { type TestDatabase, testDatabase } from '../helpers/postgres.ts';

const quiet: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const KEY_HEX = 'ef'.repeat(32);
const db: TestDatabase | undefined = await testDatabase('cluster_api');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await f();
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface ClusterAnswer {
  mode: string;
  replica: string;
  message?: string;
  leaseSeconds?: number;
  replicas: {
    id: string;
    alive: boolean;
    leaseSeconds: number;
    leases: { resource: string; token: number }[];
  }[];
  unowned: string[];
  takeovers: { resource: string; to: string; reason: string }[];
}

async function getCluster(svc: Service, key?: string): Promise<{ status: number; body: ClusterAnswer }> {
  const res = await fetch(`${svc.url}/api/cluster`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  return { status: res.status, body: (await res.json()) as ClusterAnswer };
}

const keyOf = (svc: Service) =>
  readFileSync(svc.bootstrap?.keyFile ?? join(svc.dataDir, 'admin-api-key'), 'utf8').trim();

describe.skipIf(!db)('the cluster on PostgreSQL: GET /api/cluster, dtc cluster status, metrics', () => {
  let sim: Simulator;
  const services: Service[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dtc-cluster-api-'));

  beforeAll(async () => {
    sim = await startSimulator({
      publicToken: 'p',
      privateToken: 's',
      seed: 4,
      history: { count: 10, days: 1 },
    });
    const config = join(dir, 'dtc.json');
    writeFileSync(
      config,
      JSON.stringify({
        cluster: { leaseSeconds: 3 },
        instances: [{ name: 'lab', url: sim.url, publicToken: 'p', privateToken: 's' }],
        sinks: [{ name: 'out', format: 'json', url: `file://${join(dir, 'out.ndjson')}` }],
        // A schedule runs on one replica at a time too (every replica would send the same report).
        reports: [
          { name: 'weekly', every: 'weekly', format: 'html', target: { folder: join(dir, 'reports') } },
        ],
      }),
    );
    // One after the other, so the first one's admin key is the one in both data directories' files.
    for (const id of ['a', 'b'])
      services.push(
        await startService({
          dataDir: join(dir, id),
          storeUrl: db!.url,
          configFile: config,
          replicaId: id,
          port: 0,
          demo: false,
          log: quiet,
          env: { DTC_SECRET_KEY: KEY_HEX },
        }),
      );
  }, 60_000);
  afterAll(async () => {
    for (const s of services) await s.stop().catch(() => {});
    await sim?.close();
    await db?.drop();
  });

  it('lists both replicas and the three leases between them, to a viewer and not to anyone', async () => {
    const [a, b] = services;
    expect(a.cluster?.replica).toBe('a');
    const key = keyOf(a);
    expect((await getCluster(a)).status).toBe(401);
    const held = await waitFor('every resource to be held', async () => {
      const { status, body } = await getCluster(b, key);
      expect(status).toBe(200);
      const leases = body.replicas.flatMap((r) => r.leases.map((l) => l.resource)).sort();
      return leases.length === 3 ? body : undefined;
    });
    expect(held.mode).toBe('cluster');
    expect(held.replica).toBe('b');
    expect(held.leaseSeconds).toBe(3);
    expect(held.replicas.map((r) => [r.id, r.alive])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(held.replicas.flatMap((r) => r.leases.map((l) => l.resource)).sort()).toEqual([
      'instance:lab',
      'schedule:reports',
      'sink:out',
    ]);
    expect(held.unowned).toEqual([]);
    expect(held.takeovers.map((t) => t.reason)).toEqual(['new', 'new', 'new']);

    // Whoever holds the instance polls it, and says who it is in every request.
    const poller = held.replicas.find((r) => r.leases.some((l) => l.resource === 'instance:lab'))!.id;
    await waitFor('a poll', async () => (sim.requestLog().length ? true : undefined));
    expect(new Set(sim.requestLog().map((r) => r.userAgent))).toEqual(
      new Set([expect.stringMatching(new RegExp(`\\(node v[\\d.]+; replica ${poller}\\)$`))]),
    );

    const metrics = await (
      await fetch(`${a.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })
    ).text();
    const mine = held.replicas.find((r) => r.id === 'a')!.leases.length;
    expect(metrics).toContain(`dtc_cluster_leases_held{replica="a"} ${mine}`);
    expect(metrics).toMatch(/dtc_cluster_takeovers_total\{replica="a",reason="expired"\} 0/);
    expect(metrics).toMatch(/dtc_cluster_leases_lost_total\{replica="a"\} 0/);
  }, 30_000);

  it('dtc cluster status shows the same, as a table and as JSON', async () => {
    const env = { DTC_STORE_URL: db!.url, DTC_SECRET_KEY: KEY_HEX };
    const json = await runDtc(
      // No --lease-seconds: each replica recorded its own (3 s), which judges whether it is alive.
      ['cluster', 'status', '--data-dir', join(dir, 'a'), '-o', 'json'],
      env,
    );
    expect(json.code, json.err).toBe(0);
    const s = JSON.parse(json.out) as ClusterAnswer;
    expect(s.mode).toBe('cluster');
    expect(s.replicas.map((r) => [r.id, r.alive, r.leaseSeconds])).toEqual([
      ['a', true, 3],
      ['b', true, 3],
    ]);
    expect(s.replicas.flatMap((r) => r.leases.map((l) => l.resource)).sort()).toEqual([
      'instance:lab',
      'schedule:reports',
      'sink:out',
    ]);
    const table = await runDtc(['cluster', 'status', '--data-dir', join(dir, 'a'), '-o', 'table'], env);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/^ID\s+ALIVE\s+HEARTBEATAT\s+LEASESECONDS\s+LEASES\s+HOLDS/m);
    expect(table.out).toMatch(/^a\s+yes\s+\d{4}-/m);
    expect(table.out).toMatch(/^b\s+yes\s+\d{4}-/m);
    expect(table.out).toContain('instance:lab#1');
    expect(table.out).toContain('sink:out#1');
  }, 30_000);

  it("answers an instance's live status from either replica: the one polling it, and the other from the store", async () => {
    const key = keyOf(services[0]);
    const holder = await waitFor('a replica to hold the instance', async () => {
      const { body } = await getCluster(services[0], key);
      return body.replicas.find((r) => r.leases.some((l) => l.resource === 'instance:lab'))?.id;
    });
    const polling = services.find((s) => s.cluster?.replica === holder)!;
    const other = services.find((s) => s !== polling)!;
    type Answer = { polledBy?: string; status: Record<string, unknown> & { state: string } };
    const get = async (svc: Service, path: string) => {
      const res = await fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      return res.json();
    };
    // Until its first poll the instance is starting everywhere; then the other replica reads the store.
    const seen = (await waitFor('the other replica to show the first poll', async () => {
      const a = (await get(other, '/api/instances/lab')) as Answer;
      return a.status.state === 'starting' ? undefined : a;
    })) as Answer;
    const own = (await get(polling, '/api/instances/lab')) as Answer;
    expect(own.polledBy).toBe(holder);
    expect(own.status.state).toBe('ok');
    expect(seen.polledBy).toBe(holder);
    expect(seen.status.state).toBe('ok');
    expect(seen.status.lastSuccessAt).toEqual(expect.any(String));
    // The same status, in the same shape, whichever replica answered.
    for (const field of ['name', 'lastPollAt', 'lastSuccessAt', 'consecutiveFailures', 'streams', 'totals'])
      expect(seen.status[field], field).toEqual(own.status[field]);
    expect((seen.status.totals as { modelBreaches: number }).modelBreaches).toBeGreaterThan(0);
    const listed = (await get(other, '/api/instances')) as (Answer & { name: string })[];
    expect(listed.find((i) => i.name === 'lab')).toMatchObject({
      polledBy: holder,
      status: { state: 'ok', lastSuccessAt: seen.status.lastSuccessAt },
    });
  }, 30_000);

  it('hands the leases back on stop, and the other replica takes them at once', async () => {
    const [a, b] = services;
    const key = keyOf(a);
    const stoppedAt = Date.now();
    await a.stop();
    const after = await waitFor('b to hold all three', async () => {
      const { body } = await getCluster(b, key);
      const mine = body.replicas.find((r) => r.id === 'b')?.leases.length;
      return mine === 3 ? body : undefined;
    });
    // Handed back, not left to expire: well within a lease, and the takeover says `released` if a held any.
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
    expect(after.replicas.map((r) => r.id)).toEqual(['b']);
    expect(after.takeovers.every((t) => t.reason !== 'expired')).toBe(true);
  }, 30_000);
});

describe('the cluster on SQLite: one node', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService({
      dataDir: join(mkdtempSync(join(tmpdir(), 'dtc-single-')), 'data'),
      port: 0,
      demo: false,
      log: quiet,
      replicaId: 'solo',
      env: { DTC_SECRET_KEY: KEY_HEX },
    });
  }, 30_000);
  afterAll(() => svc?.stop());

  it('GET /api/cluster says one process owns everything', async () => {
    expect(svc.cluster).toBeUndefined();
    const { status, body } = await getCluster(svc, keyOf(svc));
    expect(status).toBe(200);
    expect(body.mode).toBe('single');
    expect(body.replica).toBe('solo');
    expect(body.message).toMatch(/one process on a SQLite store/);
    expect(body.replicas).toEqual([]);
  });

  it('dtc cluster status without DTC_STORE_URL says there is no cluster', async () => {
    const env = { DTC_STORE_URL: '' };
    const table = await runDtc(['cluster', 'status', '-o', 'table'], env);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/no PostgreSQL store \(DTC_STORE_URL is unset\)/);
    const json = await runDtc(['cluster', 'status', '-o', 'json'], env);
    expect(JSON.parse(json.out).mode).toBe('single');
  });
});
