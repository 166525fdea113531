// `dtc sink list|reset|remove`: each sink's offset, lag and last error, replay by moving the offset
// back, and forgetting a sink that is no longer declared.
// Works on the data directory's store, like `dtc instance`; a running service picks a reset up before
// its next batch. Declarations only; the work is in actions/sink.ts.
import type { Command } from 'commander';
import type { SinkFlags } from './actions/sink.ts';
import { dataDirOption } from './options.ts';
import { addOutputOption } from './output.ts';

const load = () => import('./actions/sink.ts');

export function registerSink(program: Command): void {
  const sink = program.command('sink').description('inspect sinks (offset, lag, last error) and replay');
  addOutputOption(
    sink
      .command('list')
      .description('each sink with its offset, lag (max seq − offset) and last error')
      .addOption(dataDirOption()),
  ).action(async (f: SinkFlags) => (await load()).list(f));
  sink
    .command('remove <name>')
    .description('forget a sink that is no longer declared: its record and its offset')
    .addOption(dataDirOption())
    .action(async (name: string, f: SinkFlags) => (await load()).remove(name, f));
  sink
    .command('reset <name>')
    .description('move a sink offset back (replay) or forward: --to 0 replays everything')
    .requiredOption(
      '--to <seq|time>',
      'a sequence number (deliver what comes after it) or a time (ISO 8601, epoch ms, or an age like 2h)',
    )
    .addOption(dataDirOption())
    .action(async (name: string, f: SinkFlags & { to: string }) => (await load()).reset(name, f));
}
