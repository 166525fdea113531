// `dtc cmd list | <name> --param value … | <name> --help`: the command catalog on the command line. Each
// catalog command is a real subcommand, declared from its catalog entry: flags are the parameters'
// kebab-case names (lists comma-separated or repeated), then the connection and output options, so
// help, unknown-flag errors and shell completion come from one declaration. Exit 0 successful, 1
// failed, 2 partially successful.
// The catalog is loaded only when `cmd` (or `completion`) is on the command line, and it imports no
// store, server or simulator; running a command loads actions/cmd.ts.
import { type Command, Option } from 'commander';
import type { CommandDef } from '../commands/catalog.ts';
import type { ParamSpec } from '../commands/params.ts';
import type { CmdFlags } from './actions/cmd.ts';
import { addConnectionOptions, dataDirOption } from './options.ts';
import { addOutputOption, type OutputFlags, outputFormat, printData } from './output.ts';

const populated = new WeakSet<Command>();

export function registerCmd(program: Command): void {
  const cmd = program
    .command('cmd')
    .description('run a Darktrace SOC command from the catalog: dtc cmd list, dtc cmd <name> --help')
    .argument('[name]', 'a command name or alias (see dtc cmd list)')
    // `dtc cmd help <name>` as well as `dtc cmd <name> --help` (an action would otherwise turn it off).
    .helpCommand(true)
    // Aliases are in each command's own help; here they would make every line too long to read.
    .configureHelp({ subcommandTerm: (c) => c.name() })
    // No options of its own, so that `dtc cmd list -o yaml` gives -o to list.
    .action(async (name: string | undefined) => {
      // Subcommands are matched before this runs: a name here is not in the catalog.
      if (name) throw new Error(`unknown command "${name}": see dtc cmd list`);
      await listCommands({});
    });
  addOutputOption(
    cmd.command('list').description('the catalog: each command, its aliases and parameters'),
  ).action(async (f: OutputFlags) => listCommands(f));
}

/** Declares every catalog command under `dtc cmd` (once); `main` calls it when `cmd` is on the line. */
export async function addCatalogCommands(program: Command): Promise<void> {
  const cmd = program.commands.find((c) => c.name() === 'cmd');
  if (!cmd || populated.has(cmd)) return;
  populated.add(cmd);
  const [{ commands }, { flagName }] = await Promise.all([
    import('../commands/catalog.ts'),
    import('../commands/params.ts'),
  ]);
  for (const def of commands) addCatalogCommand(cmd, def, flagName);
}

const VALUE_NAMES: Record<ParamSpec['type'], string> = {
  string: 'text',
  integer: 'n',
  number: 'number',
  boolean: 'bool',
  time: 'time',
  'string[]': 'list',
  'integer[]': 'list',
  json: 'json',
};

function paramOption(p: ParamSpec, flagName: (name: string) => string): Option {
  const extra = [
    p.required ? 'required' : '',
    p.type.endsWith('[]') ? 'comma-separated or repeated' : '',
    p.default !== undefined ? `default ${JSON.stringify(p.default)}` : '',
    p.example !== undefined
      ? `e.g. ${Array.isArray(p.example) && p.type !== 'json' ? p.example.join(',') : JSON.stringify(p.example)}`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
  const description = `${p.description}${extra ? ` (${extra})` : ''}`;
  const flag = `--${flagName(p.name)}`;
  // Values stay text: the catalog's own coercion (prepareParams) checks them, with the same messages as
  // the HTTP API, and applies the defaults.
  if (p.type === 'boolean') return new Option(`${flag} [${VALUE_NAMES.boolean}]`, description);
  const o = new Option(`${flag} <${p.enum ? 'value' : VALUE_NAMES[p.type]}>`, description);
  if (p.type.endsWith('[]')) o.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
  else if (p.enum) o.choices(p.enum);
  return o;
}

function addCatalogCommand(cmd: Command, def: CommandDef, flagName: (name: string) => string): void {
  const sub = cmd.command(def.name).description(def.description);
  if (def.aliases.length) sub.aliases(def.aliases);
  /** Option attribute → catalog parameter name. */
  const params = new Map<string, string>();
  for (const p of def.params) {
    const o = paramOption(p, flagName).helpGroup('Parameters:');
    params.set(o.attributeName(), p.name);
    sub.addOption(o);
  }
  sub.addOption(
    new Option('--instance <name>', 'a configured instance (see dtc instance list)').helpGroup('Connection:'),
  );
  sub.addOption(dataDirOption().helpGroup('Connection:'));
  addConnectionOptions(sub, 'Connection:');
  if (def.name === 'download-pcap')
    sub.addOption(new Option('--out-file <path>', 'write the capture to this file').helpGroup('Output:'));
  addOutputOption(sub);
  sub.addHelpText(
    'after',
    `\nReturns: ${def.output}\nConnect with --instance NAME [--data-dir D], or --url U --public-token T --private-token S.\n`,
  );
  sub.action(async (f: CmdFlags) => (await import('./actions/cmd.ts')).runCatalogCommand(def, params, f));
}

async function listCommands(f: OutputFlags): Promise<void> {
  const { commands, describeCommand } = await import('../commands/catalog.ts');
  const format = outputFormat(f);
  if (format === 'table')
    return printData(
      commands.map((c) => ({ name: c.name, description: c.description, aliases: c.aliases })),
      format,
      { maxCell: 70 },
    );
  await printData(commands.map(describeCommand), format);
}
