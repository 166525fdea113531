// One output helper for every command that prints data: `-o, --output json|table|yaml`. The default is a
// table on a terminal and JSON when piped, so scripts that read today's JSON keep working. Tables show
// times as ISO 8601; JSON and YAML keep the values exactly as the command produced them.
// Light on purpose: it is loaded by `dtc cmd list`, which must start fast (`yaml` is imported only when
// YAML is asked for).
import { type Command, Option } from 'commander';

export const OUTPUT_FORMATS = ['json', 'table', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface OutputFlags {
  output?: OutputFormat;
  /** The hidden `--json`, kept for scripts written before `-o`. */
  json?: boolean;
}

/**
 * Adds `-o, --output` (and, unless the command already has a `--json` of its own, a hidden `--json`
 * meaning `-o json`).
 */
export function addOutputOption(cmd: Command, opts: { jsonAlias?: boolean } = {}): Command {
  cmd.addOption(
    new Option('-o, --output <format>', 'output format (default: table on a terminal, json when piped)')
      .choices(OUTPUT_FORMATS)
      .helpGroup('Output:'),
  );
  if (opts.jsonAlias !== false) cmd.addOption(new Option('--json', 'same as -o json').hideHelp());
  return cmd;
}

/** The format asked for, else table on a terminal and JSON when piped. */
export function outputFormat(flags: OutputFlags, stream: { isTTY?: boolean } = process.stdout): OutputFormat {
  if (flags.output) return flags.output;
  if (flags.json) return 'json';
  return stream.isTTY ? 'table' : 'json';
}

export interface TableOptions {
  /** Columns in this order; by default every key of the rows, in first-seen order. */
  columns?: string[];
  /** Printed instead of an empty table. */
  empty?: string;
  /** Cells longer than this are cut with an ellipsis (default 60). */
  maxCell?: number;
}

/** Prints `data` in the format asked for. Returns when it is written. */
export async function printData(
  data: unknown,
  format: OutputFormat,
  table: TableOptions = {},
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  out.write(await formatData(data, format, table));
}

export async function formatData(data: unknown, format: OutputFormat, table: TableOptions = {}) {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'yaml') {
    const { stringify } = await import('yaml');
    return stringify(data === undefined ? null : data);
  }
  return renderTable(data, table);
}

const TIME_KEY = /^(at|time|timestamp|date)$|(At|Time|Date)$|_at$/;
// Epoch milliseconds from 2001-09-09 to 2286-11-20, or epoch seconds in the same span.
const EPOCH_MS = [1e12, 1e13];
const EPOCH_S = [1e9, 1e10];

/** A time-named numeric value shown as ISO 8601 (UTC); anything else unchanged. */
export function tableValue(key: string, v: unknown): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v) || !TIME_KEY.test(key)) return v;
  if (v >= EPOCH_MS[0] && v < EPOCH_MS[1]) return new Date(v).toISOString();
  if (v >= EPOCH_S[0] && v < EPOCH_S[1] && Number.isInteger(v)) return new Date(v * 1000).toISOString();
  return v;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function cellText(key: string, v: unknown, max: number): string {
  const t = tableValue(key, v);
  const s =
    t === undefined || t === null
      ? ''
      : Array.isArray(t) && t.every((x) => !isRecord(x) && !Array.isArray(x))
        ? t.join(', ')
        : typeof t === 'object'
          ? JSON.stringify(t)
          : String(t);
  const one = s.replace(/\s*\n\s*/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** One level of nesting as dotted keys (`tls.insecure`), so a record's settings stay readable. */
function flatten(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (isRecord(v) && Object.keys(v).length > 0 && Object.values(v).every((x) => !isRecord(x)))
      for (const [k2, v2] of Object.entries(v)) out[`${k}.${k2}`] = v2;
    else out[k] = v;
  }
  return out;
}

function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + rows.map(line).join('');
}

/**
 * A plain-text table: a list of records as columns; a single record as KEY VALUE lines, each of its
 * lists of records as a table of its own under the key's name; anything else as its text.
 */
export function renderTable(data: unknown, opts: TableOptions = {}): string {
  const max = opts.maxCell ?? 60;
  if (Array.isArray(data)) {
    if (data.length === 0) return `${opts.empty ?? '(none)'}\n`;
    if (!data.every(isRecord))
      return `${data.map((v) => cellText('', v, Number.POSITIVE_INFINITY)).join('\n')}\n`;
    const rows = data.map(flatten);
    const columns = opts.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
    return grid(
      columns.map((c) => c.toUpperCase()),
      rows.map((r) => columns.map((c) => cellText(c, r[c], max))),
    );
  }
  if (isRecord(data)) {
    const flat = flatten(data);
    const lists: [string, Record<string, unknown>[]][] = [];
    const pairs: string[][] = [];
    for (const [k, v] of Object.entries(flat)) {
      if (opts.columns && !opts.columns.includes(k)) continue;
      if (Array.isArray(v) && v.length > 0 && v.every(isRecord)) lists.push([k, v]);
      else pairs.push([k, cellText(k, v, Number.POSITIVE_INFINITY)]);
    }
    const width = Math.max(0, ...pairs.map(([k]) => k.length));
    let text = pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`.trimEnd()).join('\n');
    if (text) text += '\n';
    for (const [k, rows] of lists) text += `\n${k}:\n${renderTable(rows, { maxCell: max })}`;
    return text || `${opts.empty ?? '(none)'}\n`;
  }
  return `${cellText('', data, Number.POSITIVE_INFINITY)}\n`;
}
