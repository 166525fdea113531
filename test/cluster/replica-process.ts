// One replica in its own process, for the tests that kill and pause replicas: it holds leases on six
// resources and, for each lease, writes a row every 20 ms through the fence, as a poller would.
// Usage: node --import tsx replica-process.ts <database url> <replica id> <ttl ms>
import { Kysely, PostgresDialect, sql } from 'kysely';
import { assertFence, FencedError, type Lease, LeaseManager } from '../../src/cluster/leases.ts';
import { replicaPool } from '../../src/cluster/pool.ts';
import { type ClusterTables, ensureClusterSchema } from '../../src/cluster/schema.ts';

const [url, replica, ttl] = process.argv.slice(2) as [string, string, string];
// The pool a replica uses (src/cluster/pool.ts): a paused process's open transaction is ended by the
// server, and that does not crash the process when it wakes.
const pool = replicaPool(url, { ttlMs: Number(ttl), max: 4 });
const db = new Kysely<ClusterTables>({ dialect: new PostgresDialect({ pool }) });
const say = (event: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ replica, ...event })}\n`);

async function work(lease: Lease): Promise<void> {
  say({ event: 'took', resource: lease.resource, token: lease.token });
  while (!lease.signal.aborted) {
    try {
      await db.transaction().execute(async (trx) => {
        await assertFence(trx, lease.resource, lease.token);
        await sql`insert into work_log (resource, replica, token) values (${lease.resource}, ${replica}, ${lease.token})`.execute(
          trx,
        );
      });
    } catch (err) {
      const event = err instanceof FencedError ? 'fenced' : 'failed';
      say({ event, resource: lease.resource, token: lease.token, msg: (err as Error).message });
      throw err;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  say({ event: 'stopped', resource: lease.resource, token: lease.token });
}

await ensureClusterSchema(db);
const manager = new LeaseManager({
  db,
  replica,
  ttlMs: Number(ttl),
  renewEveryMs: Math.floor(Number(ttl) / 4),
  resources: () => Array.from({ length: 6 }, (_, i) => `instance:dt-${i}`),
  work,
  log: { info: () => {}, warn: (msg) => say({ event: 'warn', msg }) },
});
manager.start();
say({ event: 'started' });
process.on('SIGTERM', async () => {
  await manager.stop();
  await db.destroy();
  say({ event: 'exit' });
  process.exit(0);
});
