// `dtc cluster status`: the replicas sharing a PostgreSQL store (DTC_STORE_URL), their heartbeats, the
// leases each holds, the resources nobody holds and the takeovers of the last day. Declaration only;
// the work is in actions/cluster.ts.
import { type Command, Option } from 'commander';
import type { ClusterFlags } from './actions/cluster.ts';
import { dataDirOption } from './options.ts';
import { addOutputOption } from './output.ts';

const load = () => import('./actions/cluster.ts');

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('replicas sharing a PostgreSQL store (DTC_STORE_URL): who runs, who holds what');
  addOutputOption(
    cluster
      .command('status')
      .description(
        'each replica with its heartbeat and leases, unheld resources, and the last day’s takeovers',
      )
      .addOption(dataDirOption())
      .addOption(
        new Option(
          '--lease-seconds <n>',
          'for replicas older than this dtc, which do not record their lease length: their cluster.leaseSeconds',
        ).default('15'),
      ),
  ).action(async (f: ClusterFlags) => (await load()).status(f));
}
