// `dtc cmd list | help <name> | <name> --param value …`: the command catalog on the command line. Flags are
// the parameters' kebab-case names; lists are comma-separated or repeated. JSON when piped, a readable
// summary on a terminal. Exit 0 successful, 1 failed, 2 partially successful.
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  type CommandDef,
  type CommandResult,
  commands,
  exitCode,
  findCommand,
  flagName,
  jsonSchema,
  ParamError,
  prepareParams,
  runCommand,
} from '../commands/index.ts';
import { DarktraceClient } from '../darktrace/index.ts';
import { instanceRecord } from '../service/instances.ts';
import { openStore, type Store } from '../store/index.ts';
import { clientFromFlags, stderrLogger } from './connection.ts';

/** Flags the `cmd` runner itself takes; everything else is a command parameter. */
const OWN = new Set([
  'instance',
  'data-dir',
  'url',
  'public-token',
  'private-token',
  'insecure',
  'ca-file',
  'proxy',
  'timeout',
  'retries',
  'output',
  'json',
]);
const BOOLEAN_OWN = new Set(['insecure', 'json']);

export function describeCommand(c: CommandDef) {
  return {
    name: c.name,
    aliases: c.aliases,
    description: c.description,
    parameters: jsonSchema(c.params),
    output: c.output,
  };
}

/** Splits `--flag value`, `--flag=value` and repeated flags; a flag with no value is `true`. */
export function parseFlags(argv: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--'))
      throw new ParamError(a, 'unexpected argument: parameters are given as --name value');
    let [name, value] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--') || BOOLEAN_OWN.has(name)) value = 'true';
      else {
        value = next;
        i++;
      }
    }
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return out;
}

const camel = (kebab: string) => kebab.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);

const PREFERRED = [
  'pbid',
  'did',
  'codeid',
  'tmqid',
  'cid',
  'mlid',
  'tid',
  'uuid',
  'name',
  'hostname',
  'ip',
  'network',
  'action',
  'state',
  'label',
  'score',
  'time',
];

function printTable(rows: Record<string, unknown>[]) {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  // Scalar columns only, the identifying ones first: a terminal table is for scanning, JSON is for detail.
  const scalar = (k: string) =>
    rows.every((r) => r[k] === null || r[k] === undefined || typeof r[k] !== 'object');
  const keys = [...new Set(rows.slice(0, 50).flatMap((r) => Object.keys(r)))].filter(scalar);
  const rank = (k: string) => {
    const i = PREFERRED.indexOf(k);
    return i < 0 ? PREFERRED.length : i;
  };
  const cols = keys.sort((a, b) => rank(a) - rank(b)).slice(0, 7);
  const cell = (v: unknown) => {
    const s = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return s.length > 48 ? `${s.slice(0, 47)}…` : s;
  };
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => `${vals.map((v, i) => v.padEnd(widths[i])).join('  ')}\n`;
  process.stdout.write(line(cols));
  for (const r of rows) process.stdout.write(line(cols.map((c) => cell(r[c]))));
}

function printHuman(r: CommandResult) {
  process.stdout.write(`${r.command}: ${r.outcome}\n`);
  if (r.error)
    process.stdout.write(
      `  ${r.error.indicator} ${r.error.status || ''} ${r.error.darktraceMessage ?? ''}\n  ${r.error.message}\n`,
    );
  for (const it of r.items ?? []) {
    if (it.ok) process.stdout.write(`  ok    ${it.item}  ${JSON.stringify(it.result).slice(0, 100)}\n`);
    else
      process.stdout.write(
        `  FAIL  ${it.item}  ${it.error!.indicator} ${it.error!.status || ''} ${it.error!.message}\n`,
      );
  }
  if (r.data !== undefined) {
    if (Array.isArray(r.data) && r.data.every((x) => x && typeof x === 'object'))
      printTable(r.data as Record<string, unknown>[]);
    else process.stdout.write(`${JSON.stringify(r.data, null, 2)}\n`);
  }
}

async function connect(
  flags: Record<string, string | string[]>,
): Promise<{ client: DarktraceClient; store?: Store; instance?: string }> {
  const instance = one(flags.instance);
  if (instance) {
    const store = await openStore({
      dataDir: resolve(one(flags['data-dir']) ?? process.env.DTC_DATA_DIR ?? 'data'),
    });
    const rec = instanceRecord(store, instance);
    if (!rec) {
      await store.close();
      throw new Error(
        `no instance named "${instance}": see dtc instance list (or give --url and the tokens)`,
      );
    }
    return { client: new DarktraceClient({ ...rec, logger: stderrLogger }), store, instance };
  }
  return {
    client: clientFromFlags({
      url: one(flags.url) ?? process.env.DTC_URL,
      publicToken: one(flags['public-token']) ?? process.env.DTC_PUBLIC_TOKEN,
      privateToken: one(flags['private-token']) ?? process.env.DTC_PRIVATE_TOKEN,
      insecure: one(flags.insecure) === 'true',
      caFile: one(flags['ca-file']),
      proxy: one(flags.proxy),
      timeout: one(flags.timeout) ?? '30000',
      retries: one(flags.retries) ?? '3',
    }),
  };
}

export function registerCmd(program: Command): void {
  program
    .command('cmd')
    .description(
      'run a Darktrace SOC command: dtc cmd list, dtc cmd help <name>, dtc cmd <name> --instance X --param value',
    )
    .argument('[name]', 'command name or alias, or list / help')
    .argument('[args...]', 'parameters as --kebab-name value')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (name: string | undefined, args: string[]) => {
      const json = !process.stdout.isTTY || args.includes('--json');
      if (!name || name === 'list') {
        if (json) process.stdout.write(`${JSON.stringify(commands.map(describeCommand), null, 2)}\n`);
        else
          printTable(
            commands.map((c) => ({
              name: c.name,
              description: c.description,
              aliases: c.aliases.join(', '),
            })),
          );
        return;
      }
      if (name === 'help') {
        const c = findCommand(args[0] ?? '');
        if (!c) throw new Error(`unknown command "${args[0] ?? ''}": see dtc cmd list`);
        const lines = [
          `${c.name} — ${c.description}`,
          c.aliases.length ? `aliases: ${c.aliases.join(', ')}` : '',
          '',
          'parameters:',
        ];
        for (const p of c.params) {
          const extra = [
            p.required ? 'required' : '',
            p.default !== undefined ? `default ${JSON.stringify(p.default)}` : '',
            p.example !== undefined ? `e.g. ${JSON.stringify(p.example)}` : '',
          ]
            .filter(Boolean)
            .join('; ');
          lines.push(`  --${flagName(p.name)} <${p.type}>  ${p.description}${extra ? ` (${extra})` : ''}`);
        }
        if (!c.params.length) lines.push('  (none)');
        lines.push(
          '',
          `output: ${c.output}`,
          '',
          'connection: --instance NAME [--data-dir D], or --url U --public-token T --private-token S',
        );
        process.stdout.write(`${lines.join('\n')}\n`);
        return;
      }
      const def = findCommand(name);
      if (!def) throw new Error(`unknown command "${name}": see dtc cmd list`);
      const flags = parseFlags(args);
      const raw: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(flags)) if (!OWN.has(k)) raw[camel(k)] = v;
      let params: Record<string, unknown>;
      try {
        params = prepareParams(def, raw);
      } catch (err) {
        if (err instanceof ParamError) throw new Error(`--${err.message}`);
        throw err;
      }
      const { client, store, instance } = await connect(flags);
      try {
        const result = await runCommand(def, client, params);
        const output = one(flags.output);
        if (def.name === 'download-pcap' && result.outcome === 'Successful' && output) {
          const data = result.data as { base64: string; bytes: number };
          writeFileSync(output, Buffer.from(data.base64, 'base64'));
          result.data = { ...data, base64: undefined, writtenTo: resolve(output) };
        }
        store?.commandRuns.add({
          who: `cli:${userInfo().username}`,
          instance: instance ?? null,
          command: def.name,
          params,
          outcome: result.outcome,
          summary: result.error?.message ?? null,
        });
        if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else printHuman(result);
        process.exitCode = exitCode(result.outcome);
      } finally {
        await client.close();
        await store?.close();
      }
    });
}
