// `dtc instance add|list|show|update|remove|test` and `dtc backfill`: manage the Darktrace instances in
// the store (the same one `dtc start` uses) and fill their history. Private tokens are write-only.
// Declarations only; the work is in actions/instance.ts, loaded when one of these runs.
import { type Command, Option } from 'commander';
import { INSTANCE_FLAGS } from '../collect/instance.ts';
import type { BackfillFlags, InstanceFlags } from './actions/instance.ts';
import { dataDirOption } from './options.ts';
import { addOutputOption } from './output.ts';

const load = () => import('./actions/instance.ts');

/** Flags shared by add and update, derived from the instance spec; undefined means "not given". */
function instanceFlags(cmd: Command, required: boolean): Command {
  for (const f of INSTANCE_FLAGS) {
    const text = `${f.flag}${f.arg ? ` ${f.arg}` : ''}`;
    const help = `${required ? '' : f.path[0] === 'privateToken' ? 'new ' : ''}${f.description}${f.default && f.default !== 'false' ? ` (default ${f.default})` : ''}`;
    const o = new Option(text, help);
    const mandatory =
      required && (f.path[0] === 'url' || f.path[0] === 'publicToken' || f.path[0] === 'privateToken');
    // Only `add` reads DTC_PRIVATE_TOKEN: an exported variable must not silently replace a stored token
    // on an unrelated `update`.
    if (required && f.path[0] === 'privateToken') o.env('DTC_PRIVATE_TOKEN');
    cmd.addOption(mandatory ? o.makeOptionMandatory() : o);
  }
  return cmd
    .option('--disable', 'keep the instance but do not poll it')
    .option('--enable', 'poll the instance');
}

/** The data directory and `-o`, which every instance subcommand that prints a record takes. */
const storeOutput = (cmd: Command) => addOutputOption(cmd.addOption(dataDirOption()));

export function registerInstance(program: Command): void {
  const inst = program.command('instance').description('manage the Darktrace instances the collector polls');

  storeOutput(
    instanceFlags(
      inst
        .command('add')
        .description('add an instance')
        .requiredOption('--name <name>', 'a short name, e.g. prod'),
      true,
    ),
  ).action(async (f: InstanceFlags & { name: string }) => (await load()).add(f));

  storeOutput(inst.command('list').description('list instances (never their private tokens)')).action(
    async (f: InstanceFlags) => (await load()).list(f),
  );

  storeOutput(
    inst.command('show').argument('<name>').description('show one instance and its last connection checks'),
  ).action(async (name: string, f: InstanceFlags) => (await load()).show(name, f));

  storeOutput(
    instanceFlags(inst.command('update').argument('<name>').description('change an instance'), false),
  ).action(async (name: string, f: InstanceFlags) => (await load()).update(name, f));

  inst
    .command('remove')
    .argument('<name>')
    .description('remove an instance (its stored detections stay)')
    .addOption(dataDirOption())
    .action(async (name: string, f: InstanceFlags) => (await load()).remove(name, f));

  storeOutput(
    inst
      .command('test')
      .argument('<name>')
      .description('check the connection and the tokens (GET /status), and record the result'),
  ).action(async (name: string, f: InstanceFlags) => (await load()).test(name, f));

  storeOutput(
    program
      .command('backfill')
      .description('fetch the history of an instance into the store, resuming where a previous run stopped')
      .requiredOption('--instance <name>', 'instance name')
      .option('--since <time>', 'how far back: 30d, 12h, an ISO time or epoch ms', '7d')
      .option(
        '--streams <list>',
        'which to fetch: modelbreaches, aianalyst, respond (RESPOND actions), email (/EMAIL messages)',
        'modelbreaches,aianalyst,respond,email',
      )
      .option('--stats', 'add the run time and peak memory to the summary')
      // One prepare worker: a second cost about 35 MB of peak RSS (its capped heap and its own runtime)
      // for at most a tenth more speed on two busy cores, where the store's writes are the bound.
      .option('--workers <n>', 'worker threads that fetch and normalise windows (0 = none)', '1'),
  ).action(async (f: BackfillFlags) => (await load()).backfill(f));
}
