// Leases on a real PostgreSQL: replicas in their own processes share six resources; one is killed with
// SIGKILL, another paused with SIGSTOP past its lease and resumed. Whatever happens, no two replicas work
// a resource at once and no write carries a stale fencing token.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertFence, FencedError, LeaseManager } from '../../src/cluster/leases.ts';
import { type ClusterTables, ensureClusterSchema } from '../../src/cluster/schema.ts';
import { clusterStatus } from '../../src/cluster/status.ts';
import { type TestDatabase, testDatabase } from '../helpers/postgres.ts';

const database = await testDatabase('leases');
// Long enough that a loaded 2-core machine does not miss renewals (a miss only stops work, safely, but
// would make the counts below wait for another round).
const TTL = 4_000;

interface Replica {
  id: string;
  child: ChildProcess;
  events: Array<{ event: string; resource?: string; token?: number; msg?: string }>;
}

function startReplica(url: string, id: string): Replica {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/cluster/replica-process.ts', url, id, String(TTL)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const r: Replica = { id, child, events: [] };
  createInterface({ input: child.stdout! }).on('line', (line) => r.events.push(JSON.parse(line)));
  return r;
}

let debug: () => unknown = () => undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, ms = 40_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(
    `timed out waiting for ${what}${process.env.DEBUG_LEASES ? `: ${JSON.stringify(debug())}` : ''}`,
  );
}

describe.skipIf(!database)('leases on PostgreSQL', { timeout: 60_000 }, () => {
  const db = database as TestDatabase;
  let k: Kysely<ClusterTables>;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => {}); // an idle connection closed by the server at drop time is no failure
    k = new Kysely<ClusterTables>({ dialect: new PostgresDialect({ pool }) });
    await ensureClusterSchema(k);
    await sql`create table work_log (id bigserial primary key, resource text not null, replica text not null,
              token bigint not null, at timestamptz not null default clock_timestamp())`.execute(k);
  });

  afterAll(async () => {
    await Promise.all(
      replicas
        .filter((r) => r.child.exitCode === null && r.child.signalCode === null)
        .map((r) => new Promise((done) => r.child.once('exit', done).kill('SIGKILL'))),
    );
    await k?.destroy();
    await db.drop();
  });

  const holders = async () =>
    (
      await k
        .selectFrom('cluster_leases')
        .select(['resource', 'owner', 'token'])
        .where('owner', 'is not', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .execute()
    ).map((l) => ({ ...l, token: Number(l.token) }));
  debug = () => replicas.map((r) => [r.id, r.events.slice(-12)]);
  const countsOf = async (ids: string[]) => {
    const h = await holders();
    return ids.map((id) => h.filter((l) => l.owner === id).length);
  };

  it('three replicas take two resources each', async () => {
    for (const id of ['r1', 'r2', 'r3']) replicas.push(startReplica(db.url, id));
    await waitFor('an even spread', async () => (await countsOf(['r1', 'r2', 'r3'])).join() === '2,2,2');
  });

  it('a killed replica’s resources are taken over after its lease expires, with a higher token', async () => {
    const [r1] = replicas as [Replica];
    const before = (await holders()).filter((l) => l.owner === 'r1');
    r1.child.kill('SIGKILL');
    await waitFor('r2 and r3 to hold all six', async () => (await countsOf(['r2', 'r3'])).join() === '3,3');
    const after = await holders();
    for (const l of before) {
      const now = after.find((a) => a.resource === l.resource)!;
      expect(now.token).toBeGreaterThan(l.token);
    }
    const takeovers = await k
      .selectFrom('cluster_takeovers')
      .selectAll()
      .where('from_owner', '=', 'r1')
      .execute();
    expect(takeovers.map((t) => t.reason)).toEqual(['expired', 'expired']);
  });

  it('a replica paused past its lease stops on waking and writes nothing with its old token', async () => {
    const r2 = replicas[1] as Replica;
    const mine = (await holders()).filter((l) => l.owner === 'r2');
    expect(mine.length).toBe(3);
    r2.child.kill('SIGSTOP');
    await waitFor('r3 to take everything', async () => (await countsOf(['r3'])).join() === '6');
    r2.child.kill('SIGCONT');
    // Awake, r2 finds out and stops each of its three works (lost lease or fenced write).
    await waitFor(
      'r2 to stop its works',
      async () => r2.events.filter((e) => ['stopped', 'fenced', 'failed'].includes(e.event)).length >= 3,
    );
    // Alive: the server ended its idle transaction while it slept, and waking to that is no crash.
    expect(r2.child.exitCode).toBeNull();
    await sleep(TTL);
  });

  it('a replica joining later gets a share, and a stopped one hands its leases over at once', async () => {
    replicas.push(startReplica(db.url, 'r4'));
    await waitFor('r4 to get work', async () => (await countsOf(['r4']))[0]! >= 2);
    const r4 = replicas[3] as Replica;
    const handedAt = Date.now();
    r4.child.kill('SIGTERM');
    await new Promise((r) => r4.child.once('exit', r));
    const released = await k
      .selectFrom('cluster_takeovers')
      .selectAll()
      .where('from_owner', '=', 'r4')
      .execute();
    await waitFor('the others to hold all six again', async () => (await holders()).length === 6);
    // Released, not expired: taken within a few renewal rounds rather than after a whole TTL.
    expect(Date.now() - handedAt).toBeLessThan(TTL * 2);
    expect(released.every((t) => t.reason === 'released')).toBe(true);
  });

  it('no resource was ever written by two replicas at once, and tokens never went backwards', async () => {
    const rows = await k
      .selectFrom('work_log' as never)
      .selectAll()
      .orderBy('id' as never)
      .execute();
    const last = new Map<string, { replica: string; token: number }>();
    let switches = 0;
    for (const row of rows as Array<{ resource: string; replica: string; token: string }>) {
      const token = Number(row.token);
      const prev = last.get(row.resource);
      if (prev) {
        expect(
          token,
          `${row.resource}: a write with token ${token} after ${prev.token}`,
        ).toBeGreaterThanOrEqual(prev.token);
        // A new writer only ever comes with a new token.
        if (prev.replica !== row.replica) {
          expect(token).toBeGreaterThan(prev.token);
          switches++;
        }
      }
      last.set(row.resource, { replica: row.replica, token });
    }
    expect(rows.length).toBeGreaterThan(100);
    expect(switches).toBeGreaterThanOrEqual(6);
  });

  it('the status shows live replicas with their leases and the day’s takeovers', async () => {
    const status = await clusterStatus(k, TTL);
    const alive = status.replicas.filter((r) => r.alive);
    expect(alive.map((r) => r.id).sort()).toEqual(['r2', 'r3']); // r1 killed (stale), r4 left cleanly
    expect(alive.flatMap((r) => r.leases).length + status.unowned.length).toBe(6);
    expect(status.replicas.find((r) => r.id === 'r4')).toBeUndefined();
    const reasons = new Set(status.takeovers.map((t) => t.reason));
    expect([...reasons].sort()).toEqual(['expired', 'new', 'released']);
    expect(status.takeovers.filter((t) => t.from === 'r1' && t.reason === 'expired')).toHaveLength(2);
  });

  it('assertFence refuses a write with a token that is not the lease’s', async () => {
    const [l] = await holders();
    await expect(
      k.transaction().execute((trx) => assertFence(trx, l!.resource, l!.token - 1)),
    ).rejects.toBeInstanceOf(FencedError);
    await expect(
      k.transaction().execute((trx) => assertFence(trx, l!.resource, l!.token)),
    ).resolves.toBeUndefined();
  });

  it('refuses a renewal period that leaves no room before expiry', () => {
    expect(
      () =>
        new LeaseManager({
          db: k,
          replica: 'x',
          ttlMs: 1000,
          renewEveryMs: 600,
          resources: () => [],
          work: async () => {},
        }),
    ).toThrow(/under half/);
  });
});
