// The cluster's tables in PostgreSQL: replicas (heartbeats), leases (owner, expiry, fencing token) and
// the takeover history. Every time in them comes from the database's clock (now()), so replicas whose
// clocks disagree still agree on who holds what.
import { type Generated, type Kysely, sql } from 'kysely';

export interface ClusterTables {
  cluster_replicas: {
    id: string;
    address: string | null;
    version: string | null;
    started_at: Date;
    heartbeat_at: Date;
  };
  cluster_leases: {
    resource: string;
    owner: string | null;
    /** Who gave it up last, for the takeover history. */
    last_owner: string | null;
    /** Increases on every change of owner; a write carrying an older one is refused. */
    token: string; // bigint, as pg returns it
    expires_at: Date;
    acquired_at: Date | null;
  };
  cluster_takeovers: {
    id: Generated<string>;
    resource: string;
    from_owner: string | null;
    to_owner: string;
    token: string;
    /** 'new' (never owned), 'released' (given up cleanly) or 'expired' (its owner stopped renewing). */
    reason: string;
    at: Date;
  };
}

/** Creates the tables when missing; safe to run from several replicas at once. */
export async function ensureClusterSchema(db: Kysely<ClusterTables>): Promise<void> {
  // One advisory lock so that concurrent first starts do not race on CREATE TABLE.
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('dtc cluster schema'))`.execute(trx);
    await sql`create table if not exists cluster_replicas (
      id text primary key,
      address text,
      version text,
      started_at timestamptz not null default now(),
      heartbeat_at timestamptz not null default now()
    )`.execute(trx);
    await sql`create table if not exists cluster_leases (
      resource text primary key,
      owner text,
      last_owner text,
      token bigint not null default 0,
      expires_at timestamptz not null default '-infinity',
      acquired_at timestamptz
    )`.execute(trx);
    await sql`create table if not exists cluster_takeovers (
      id bigserial primary key,
      resource text not null,
      from_owner text,
      to_owner text not null,
      token bigint not null,
      reason text not null,
      at timestamptz not null default now()
    )`.execute(trx);
    await sql`create index if not exists cluster_takeovers_at on cluster_takeovers (at)`.execute(trx);
  });
}
