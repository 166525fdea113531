// The cluster's tables live in the store's migrations (`0015_cluster`, PostgreSQL only); this gives the
// cluster its view of them, and a way to create them on a database that holds nothing else (the lease
// tests), under one advisory lock so replicas starting together do not race on CREATE TABLE.
import { type Kysely, sql } from 'kysely';
import { createClusterTables } from '../store/migrations.ts';
import type { DB } from '../store/schema.ts';

export type ClusterTables = Pick<DB, 'cluster_replicas' | 'cluster_leases' | 'cluster_takeovers'>;

/** Creates the tables when missing; safe to run from several processes at once. */
export async function ensureClusterSchema(db: Kysely<ClusterTables>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('dtc cluster schema'))`.execute(trx);
    await createClusterTables(trx);
  });
}
