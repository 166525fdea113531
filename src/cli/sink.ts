// `dtc sink add|list|reset|remove`: declaring a sink in the config file (its option flags derived from
// the sink type's spec), each sink's offset, lag and last error, replay by moving the offset back, and
// forgetting a sink (and dropping its declaration).
// list/reset/remove work on the data directory's store, like `dtc instance`; a running service picks a
// reset up before its next batch. Declarations only; the work is in actions/sink.ts.
import { type Command, Option } from 'commander';
import type { SinkAddFlags, SinkFlags } from './actions/sink.ts';
import { dataDirOption } from './options.ts';
import { addOutputOption } from './output.ts';

const load = () => import('./actions/sink.ts');

export function registerSink(program: Command): void {
  const sink = program
    .command('sink')
    .description('declare sinks, inspect them (offset, lag, last error) and replay');
  const add = sink
    .command('add <name>')
    .description(
      'declare a sink in the config file (created if missing); its options are the flags of its type, chosen by the URL',
    )
    .requiredOption(
      '--url <url>',
      'the destination; its scheme picks the type (file:, syslog+tcp:, splunk:, …)',
    )
    .requiredOption('--format <fmt>', 'ecs, ocsf, cef, leef or json')
    .addOption(new Option('--config <file>', 'the config file to declare it in').default('dtc.yaml'))
    .action(async (name: string, f: SinkAddFlags) => (await load()).add(name, f));
  // The type options come from the sink registry, which loads every sink: only when `add` is the
  // subcommand about to run (or show its help), never for the rest of `dtc`.
  sink.hook('preSubcommand', async (_sink, sub) => {
    if (sub === add) await addTypeOptions(add);
  });
  addOutputOption(
    sink
      .command('list')
      .description('each sink with its offset, lag (max seq − offset) and last error')
      .addOption(dataDirOption()),
  ).action(async (f: SinkFlags) => (await load()).list(f));
  sink
    .command('remove <name>')
    .description('forget a sink: its record and its offset, and with --config its declaration in that file')
    .option('--config <file>', 'also drop the sink from this config file if it declares it')
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

const withTypeOptions = new WeakSet<Command>();

/** Adds every sink type's option flags to a `dtc sink add` command (once). */
export async function addTypeOptions(add: Command): Promise<void> {
  if (withTypeOptions.has(add)) return;
  withTypeOptions.add(add);
  const { addSinkTypeOptions } = await import('./actions/sink-flags.ts');
  addSinkTypeOptions(add);
}
