// The work behind `dtc cluster status` (declared in ../cluster.ts), loaded only when it runs.
import type { Kysely } from 'kysely';
import type { ClusterTables } from '../../cluster/schema.ts';
import { type ClusterStatus, clusterStatus } from '../../cluster/status.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';
import { withStore } from '../store.ts';

export interface ClusterFlags extends OutputFlags {
  dataDir: string;
  leaseSeconds: string;
}

export const SINGLE_NODE =
  'no PostgreSQL store (DTC_STORE_URL is unset): one process on the SQLite store polls every instance ' +
  'and runs every sink, so there is no cluster to show';

export async function status(f: ClusterFlags, env = process.env): Promise<void> {
  const format = outputFormat(f);
  const leaseSeconds = Number(f.leaseSeconds);
  if (!Number.isFinite(leaseSeconds) || leaseSeconds <= 0)
    throw new Error(`--lease-seconds: ${f.leaseSeconds} is not a positive number of seconds`);
  if (!env.DTC_STORE_URL) {
    const single = { mode: 'single', message: SINGLE_NODE, replicas: [], unowned: [], takeovers: [] };
    if (format === 'table') process.stdout.write(`${SINGLE_NODE}\n`);
    else await printData(single, format);
    return;
  }
  const s = await withStore(f.dataDir, (store) =>
    clusterStatus(store.kysely as unknown as Kysely<ClusterTables>, leaseSeconds * 1000),
  );
  if (format !== 'table') return printData({ mode: 'cluster', ...s }, format);
  await printData(asTable(s), 'table', { empty: '(none)' });
}

/** One line per replica, its leases listed in a cell; then what nobody holds, then the takeovers. */
function asTable(s: ClusterStatus) {
  return {
    replicas: s.replicas.length
      ? s.replicas.map((r) => ({
          id: r.id,
          alive: r.alive ? 'yes' : 'NO',
          heartbeatAt: r.heartbeatAt,
          leaseSeconds: r.leaseSeconds,
          leases: r.leases.length,
          holds: r.leases.map((l) => `${l.resource}#${l.token}`).join(', '),
          version: r.version ?? '',
          address: r.address ?? '',
        }))
      : 'no replica has registered',
    unowned: s.unowned.length ? s.unowned.join(', ') : '(none)',
    takeovers: s.takeovers.length
      ? s.takeovers.slice(0, 20).map((t) => ({
          at: t.at,
          resource: t.resource,
          from: t.from ?? '',
          to: t.to,
          token: t.token,
          reason: t.reason,
        }))
      : '(none in the last day)',
  };
}
