// What `GET /api/cluster` and `dtc cluster status` show: the replicas with their heartbeats, the leases
// each holds, and the takeovers of the last day.
import { type Kysely, sql } from 'kysely';
import type { ClusterTables } from './schema.ts';

export interface ClusterStatus {
  replicas: Array<{
    id: string;
    address: string | null;
    version: string | null;
    startedAt: string;
    heartbeatAt: string;
    /** How long its leases last (its cluster.leaseSeconds). */
    leaseSeconds: number;
    /** False once its heartbeat is older than its lease length: its leases are up for takeover. */
    alive: boolean;
    leases: Array<{ resource: string; token: number; expiresAt: string }>;
  }>;
  /** Resources nobody holds right now. */
  unowned: string[];
  takeovers: Array<{
    resource: string;
    from: string | null;
    to: string;
    token: number;
    reason: string;
    at: string;
  }>;
}

/**
 * The cluster as the database holds it. Each replica's own lease length judges whether it is alive;
 * `ttlMs` stands in for replicas that did not record one (before migration 0019).
 */
export async function clusterStatus(db: Kysely<ClusterTables>, ttlMs: number): Promise<ClusterStatus> {
  const [replicas, leases, takeovers] = await Promise.all([
    db
      .selectFrom('cluster_replicas')
      .select(['id', 'address', 'version', 'started_at', 'heartbeat_at'])
      .select(sql<number>`coalesce(lease_ms, ${ttlMs})`.as('lease_ms'))
      .select(
        sql<boolean>`heartbeat_at > now() - coalesce(lease_ms, ${ttlMs}) * interval '1 millisecond'`.as(
          'alive',
        ),
      )
      .orderBy('id')
      .execute(),
    db
      .selectFrom('cluster_leases')
      .select(['resource', 'owner', 'token', 'expires_at'])
      .select(sql<boolean>`owner is not null and expires_at > now()`.as('held'))
      .orderBy('resource')
      .execute(),
    db
      .selectFrom('cluster_takeovers')
      .select(['resource', 'from_owner', 'to_owner', 'token', 'reason', 'at'])
      .where('at', '>', sql<Date>`now() - interval '1 day'`)
      .orderBy('id', 'desc')
      .limit(1000)
      .execute(),
  ]);
  return {
    replicas: replicas.map((r) => ({
      id: r.id,
      address: r.address,
      version: r.version,
      startedAt: r.started_at.toISOString(),
      heartbeatAt: r.heartbeat_at.toISOString(),
      leaseSeconds: Number(r.lease_ms) / 1000,
      alive: r.alive,
      leases: leases
        .filter((l) => l.held && l.owner === r.id)
        .map((l) => ({
          resource: l.resource,
          token: Number(l.token),
          expiresAt: l.expires_at.toISOString(),
        })),
    })),
    unowned: leases.filter((l) => !l.held).map((l) => l.resource),
    takeovers: takeovers.map((t) => ({
      resource: t.resource,
      from: t.from_owner,
      to: t.to_owner,
      token: Number(t.token),
      reason: t.reason,
      at: t.at.toISOString(),
    })),
  };
}
