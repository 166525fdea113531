// Runs one catalog command from `dtc cmd <name>` (declared in ../cmd.ts): check the parameters before any
// request, connect (a configured instance or the connection flags), run, record the run in the audit
// table, print the result and exit 0, 1 or 2.
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { instanceRecord } from '../../collect/instance.ts';
import type { CommandDef } from '../../commands/catalog.ts';
import { ParamError } from '../../commands/params.ts';
import { type CommandResult, exitCode, prepareParams, runCommand } from '../../commands/run.ts';
import { DarktraceClient } from '../../darktrace/index.ts';
import type { Store } from '../../store/index.ts';
import { clientFromFlags, stderrLogger } from '../connection.ts';
import type { ConnectionFlags } from '../options.ts';
import { type OutputFlags, outputFormat, printData, renderTable } from '../output.ts';
import { openServiceStoreFor } from '../store.ts';

export interface CmdFlags extends ConnectionFlags, OutputFlags {
  instance?: string;
  dataDir: string;
  outFile?: string;
  [param: string]: unknown;
}

/** The identifying columns first: a terminal table is for scanning, JSON and YAML are for detail. */
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

/** Up to seven scalar columns, the identifying ones first. */
export function tableColumns(rows: Record<string, unknown>[]): string[] {
  const scalar = (k: string) =>
    rows.every((r) => r[k] === null || r[k] === undefined || typeof r[k] !== 'object');
  const keys = [...new Set(rows.slice(0, 50).flatMap((r) => Object.keys(r)))].filter(scalar);
  const rank = (k: string) => {
    const i = PREFERRED.indexOf(k);
    return i < 0 ? PREFERRED.length : i;
  };
  return keys.sort((a, b) => rank(a) - rank(b)).slice(0, 7);
}

/** The terminal view of a result: the outcome, each item, then the data as a table. */
export function humanResult(r: CommandResult): string {
  let text = `${r.command}: ${r.outcome}\n`;
  if (r.error)
    text += `  ${r.error.indicator} ${r.error.status || ''} ${r.error.darktraceMessage ?? ''}\n  ${r.error.message}\n`;
  for (const it of r.items ?? []) {
    text += it.ok
      ? `  ok    ${it.item}  ${JSON.stringify(it.result).slice(0, 100)}\n`
      : `  FAIL  ${it.item}  ${it.error!.indicator} ${it.error!.status || ''} ${it.error!.message}\n`;
  }
  if (r.data !== undefined) {
    const rows = r.data;
    if (Array.isArray(rows) && rows.every((x) => x && typeof x === 'object' && !Array.isArray(x)))
      text += renderTable(rows, { columns: tableColumns(rows as Record<string, unknown>[]), maxCell: 48 });
    else text += renderTable(rows);
  }
  return text;
}

async function connect(f: CmdFlags): Promise<{ client: DarktraceClient; store?: Store }> {
  if (!f.instance) return { client: clientFromFlags(f) };
  const store = await openServiceStoreFor(f.dataDir);
  const rec = await instanceRecord(store, f.instance);
  if (!rec) {
    await store.close();
    throw new Error(
      `no instance named "${f.instance}": see dtc instance list (or give --url and the tokens)`,
    );
  }
  return { client: new DarktraceClient({ ...rec, logger: stderrLogger }), store };
}

export async function runCatalogCommand(def: CommandDef, params: Map<string, string>, f: CmdFlags) {
  const raw: Record<string, unknown> = {};
  for (const [attr, name] of params) if (f[attr] !== undefined) raw[name] = f[attr];
  let values: Record<string, unknown>;
  try {
    values = prepareParams(def, raw);
  } catch (err) {
    if (err instanceof ParamError) throw new Error(`--${err.message}`);
    throw err;
  }
  const format = outputFormat(f);
  const { client, store } = await connect(f);
  try {
    const result = await runCommand(def, client, values);
    if (def.name === 'download-pcap' && result.outcome === 'Successful' && f.outFile) {
      const data = result.data as { base64: string; bytes: number };
      writeFileSync(f.outFile, Buffer.from(data.base64, 'base64'));
      result.data = { ...data, base64: undefined, writtenTo: resolve(f.outFile) };
    }
    await store?.commandRuns.add({
      who: `cli:${userInfo().username}`,
      instance: f.instance ?? null,
      command: def.name,
      params: values,
      outcome: result.outcome,
      summary: result.error?.message ?? null,
    });
    if (format === 'table') process.stdout.write(humanResult(result));
    else await printData(result, format);
    process.exitCode = exitCode(result.outcome);
  } finally {
    await client.close();
    await store?.close();
  }
}
