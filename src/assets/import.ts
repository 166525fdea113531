// The asset import: a CSV from an asset system says which devices get or lose tags, which are VIPs
// (Darktrace's device priority) and what their subnets are called. Each row is matched to one device,
// compared with what the appliance has, and only the difference is sent, so a second run of the same
// file changes nothing and says so. One bad row is reported with its line and never stops the rest.
import type { Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import { LIST_SEPARATOR } from './export.ts';
import type { AssetRow } from './inventory.ts';

/** Columns that pick the device (first non-empty wins, most specific first). */
const MATCH_COLUMNS = ['did', 'mac', 'ip', 'hostname'] as const;
/** Columns that change something. */
const CHANGE_COLUMNS = ['add_tags', 'remove_tags', 'priority', 'vip', 'subnet_label'] as const;
/** Columns an export writes that the import reads past (so an edited export imports as it is). */
const IGNORED_COLUMNS = [
  'ips',
  'vendor',
  'os',
  'type',
  'label',
  'tags',
  'sid',
  'subnet',
  'first_seen',
  'last_seen',
];
const ALIASES: Record<string, string> = { device_id: 'did', macaddress: 'mac', mac_address: 'mac' };
const KNOWN = new Set<string>(['instance', ...MATCH_COLUMNS, ...CHANGE_COLUMNS, ...IGNORED_COLUMNS]);

export type RowStatus =
  | 'applied'
  | 'would change'
  | 'unchanged'
  | 'no such device'
  | 'ambiguous match'
  | 'invalid'
  | 'failed';

export interface RowResult {
  /** Line of the CSV file the row starts on (the header is line 1). */
  line: number;
  status: RowStatus;
  instance?: string;
  did?: number;
  /** What changed (or would): `+tag Admin`, `-tag Guest`, `priority 0 → 5`, `subnet 10.1.0.0/24 label "A" → "B"`. */
  changes: string[];
  message?: string;
}

export interface ImportSummary {
  rows: number;
  counts: Record<RowStatus, number>;
  results: RowResult[];
}

/** A row as written, checked: what it matches on and what it asks for. */
export interface ImportRow {
  line: number;
  instance?: string;
  match: { column: (typeof MATCH_COLUMNS)[number]; value: string };
  addTags: string[];
  removeTags: string[];
  priority?: number;
  vip?: boolean;
  subnetLabel?: string;
}

/** A bad header: nothing can be read from the file. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

/** What the import needs of an appliance: its inventory, and the four changes it can make. */
export interface ImportTarget {
  devices(instance: string): AsyncIterable<AssetRow>;
  tag(instance: string, did: number, tags: string[]): Promise<void>;
  untag(instance: string, did: number, tags: string[]): Promise<void>;
  setPriority(instance: string, did: number, priority: number): Promise<void>;
  setSubnetLabel(instance: string, sid: number, label: string): Promise<void>;
}

export interface ImportOptions {
  /** Instances a row without an `instance` cell is matched in. */
  instances: readonly string[];
  dryRun?: boolean;
  /** The priority a `vip` = yes row sets (default 5, the highest). */
  vipPriority?: number;
}

const list = (s: string | undefined) =>
  (s ?? '')
    .split(LIST_SEPARATOR)
    .map((x) => x.trim())
    .filter(Boolean);

function yesNo(v: string, column: string): boolean {
  if (/^(yes|y|true|1)$/i.test(v)) return true;
  if (/^(no|n|false|0)$/i.test(v)) return false;
  throw new Error(`${column} "${v}" is not yes or no`);
}

/** One CSV record (header → cell) as an ImportRow; throws with what is wrong in it. */
export function readRow(cells: Record<string, string>, line: number): ImportRow {
  const v = (c: string) => cells[c]?.trim() || undefined;
  const column = MATCH_COLUMNS.find((c) => v(c));
  if (!column) throw new Error(`no device to match: fill one of ${MATCH_COLUMNS.join(', ')}`);
  const value = v(column)!;
  if (column === 'did' && !/^-?\d+$/.test(value)) throw new Error(`did "${value}" is not a device id`);
  const row: ImportRow = {
    line,
    instance: v('instance'),
    match: { column, value: column === 'mac' || column === 'hostname' ? value.toLowerCase() : value },
    addTags: list(v('add_tags')),
    removeTags: list(v('remove_tags')),
  };
  // The tag commands take a comma-separated list, so a comma would split one tag into two.
  const comma = [...row.addTags, ...row.removeTags].find((t) => t.includes(','));
  if (comma) throw new Error(`tag "${comma}" has a comma, which the tag commands read as two tags`);
  const both = row.addTags.filter((t) => row.removeTags.includes(t));
  if (both.length) throw new Error(`tag ${both.join(', ')} is both added and removed`);
  const priority = v('priority');
  if (priority !== undefined) {
    if (!/^-?\d+$/.test(priority) || Math.abs(Number(priority)) > 5)
      throw new Error(`priority "${priority}" is not a whole number from -5 to 5`);
    row.priority = Number(priority);
  }
  const vip = v('vip');
  if (vip !== undefined) row.vip = yesNo(vip, 'vip');
  if (row.priority !== undefined && row.vip !== undefined)
    throw new Error('give priority or vip, not both: vip sets the priority');
  row.subnetLabel = v('subnet_label');
  return row;
}

/** Header cells as column names; throws ImportFileError when a row could not be matched or a name is unknown. */
function readHeader(header: string[]): string[] {
  const names = header.map((h) => {
    const n = h.trim().toLowerCase();
    return ALIASES[n] ?? n;
  });
  const unknown = names.filter((n) => !KNOWN.has(n));
  if (unknown.length)
    throw new ImportFileError(
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} ` +
        `in the header (line 1); the import reads ${[...KNOWN].join(', ')}`,
    );
  if (!names.some((n) => (MATCH_COLUMNS as readonly string[]).includes(n)))
    throw new ImportFileError(
      `the header (line 1) has none of ${MATCH_COLUMNS.join(', ')}: rows cannot be matched`,
    );
  return names;
}

/**
 * Parses the CSV into rows, one at a time. A record that cannot be read (wrong number of cells, a bad
 * value, broken quoting) comes out as an error with its line; a bad header throws ImportFileError
 * before any row.
 */
export async function* readImportCsv(
  input: Readable,
): AsyncGenerator<{ row: ImportRow } | { line: number; error: string }> {
  const parser = input.pipe(
    // relax_quotes keeps a stray quote as text instead of reading the rest of the file as one cell;
    // the cell is then refused below, so the bad row is reported and the rows after it still count.
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_records_with_error: true,
    }),
  );
  const skipped: { line: number; error: string }[] = [];
  parser.on('skip', (err: CsvError) =>
    skipped.push({ line: Number(err.lines) || 0, error: `this row cannot be read: ${err.message}` }),
  );
  let names: string[] | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const line = info.lines;
      // The parser reports a skipped record as soon as it reads it, maybe ahead of records still queued.
      while (skipped.length && skipped[0].line < line) yield skipped.shift()!;
      if (!names) {
        names = readHeader(record);
        continue;
      }
      if (record.length !== names.length) {
        yield {
          line,
          error: `this row has ${record.length} cells and the header ${names.length}: check its commas and quotes`,
        };
        continue;
      }
      const stray = record.findIndex((c) => c.trimStart().startsWith('"'));
      if (stray >= 0) {
        yield {
          line,
          error: `cell ${stray + 1} (${names[stray]}) has a stray quote: quote the whole cell and double the quotes in it`,
        };
        continue;
      }
      try {
        yield { row: readRow(Object.fromEntries(names.map((n, i) => [n, record[i]])), line) };
      } catch (e) {
        yield { line, error: (e as Error).message };
      }
    }
  } catch (e) {
    if (e instanceof ImportFileError) throw e;
    const err = e as CsvError;
    yield { line: Number(err.lines) || 0, error: `the file cannot be read past here: ${err.message}` };
  }
  while (skipped.length) yield skipped.shift()!;
}

interface DeviceState {
  instance: string;
  did: number;
  tags: Set<string>;
  priority: number;
  sid: number | null;
  subnet: string;
}

/** The inventory of the instances a file touches, with the four ways a row can name a device. */
class Inventory {
  readonly devices = new Map<string, DeviceState>();
  private readonly by = {
    did: new Map<string, string[]>(),
    mac: new Map(),
    ip: new Map(),
    hostname: new Map(),
  } as Record<ImportRow['match']['column'], Map<string, string[]>>;
  readonly subnetLabels = new Map<string, string>();

  add(r: AssetRow): void {
    const key = `${r.instance}/${r.did}`;
    this.devices.set(key, {
      instance: r.instance,
      did: r.did,
      tags: new Set(r.tags),
      priority: r.priority,
      sid: r.sid,
      subnet: r.subnet,
    });
    if (r.sid !== null) this.subnetLabels.set(`${r.instance}/${r.sid}`, r.subnet_label);
    const index = (column: ImportRow['match']['column'], v: string) => {
      if (!v) return;
      const m = this.by[column];
      const k = `${r.instance}\n${v}`;
      m.set(k, [...(m.get(k) ?? []), key]);
    };
    index('did', String(r.did));
    index('mac', r.mac.toLowerCase());
    index('hostname', r.hostname.toLowerCase());
    for (const ip of r.ips) index('ip', ip);
  }

  find(row: ImportRow, instances: readonly string[]): DeviceState[] {
    const keys = (row.instance ? [row.instance] : instances).flatMap(
      (i) => this.by[row.match.column].get(`${i}\n${row.match.value}`) ?? [],
    );
    return [...new Set(keys)].map((k) => this.devices.get(k)!);
  }
}

type Change =
  | { kind: 'tag'; tags: string[] }
  | { kind: 'untag'; tags: string[] }
  | { kind: 'priority'; from: number; to: number }
  | { kind: 'subnet'; sid: number; from: string; to: string };

function describe(c: Change, d: DeviceState): string[] {
  if (c.kind === 'tag') return c.tags.map((t) => `+tag ${t}`);
  if (c.kind === 'untag') return c.tags.map((t) => `-tag ${t}`);
  if (c.kind === 'priority') return [`priority ${c.from} → ${c.to}`];
  return [`subnet ${d.subnet || c.sid} label "${c.from}" → "${c.to}"`];
}

function plan(row: ImportRow, d: DeviceState, inv: Inventory, vipPriority: number): Change[] {
  const changes: Change[] = [];
  const add = row.addTags.filter((t) => !d.tags.has(t));
  if (add.length) changes.push({ kind: 'tag', tags: add });
  const remove = row.removeTags.filter((t) => d.tags.has(t));
  if (remove.length) changes.push({ kind: 'untag', tags: remove });
  let to = row.priority;
  if (row.vip === true && d.priority < vipPriority) to = vipPriority;
  if (row.vip === false && d.priority >= vipPriority) to = 0;
  if (to !== undefined && to !== d.priority) changes.push({ kind: 'priority', from: d.priority, to });
  if (row.subnetLabel !== undefined) {
    if (d.sid === null) throw new Error('the device has no subnet to label');
    const from = inv.subnetLabels.get(`${d.instance}/${d.sid}`) ?? '';
    if (from !== row.subnetLabel) changes.push({ kind: 'subnet', sid: d.sid, from, to: row.subnetLabel });
  }
  return changes;
}

/** Records a change in the inventory, so later rows (and the dry run) see it made. */
function remember(c: Change, d: DeviceState, inv: Inventory): void {
  if (c.kind === 'tag') for (const t of c.tags) d.tags.add(t);
  else if (c.kind === 'untag') for (const t of c.tags) d.tags.delete(t);
  else if (c.kind === 'priority') d.priority = c.to;
  else inv.subnetLabels.set(`${d.instance}/${c.sid}`, c.to);
}

async function send(c: Change, d: DeviceState, t: ImportTarget): Promise<void> {
  if (c.kind === 'tag') await t.tag(d.instance, d.did, c.tags);
  else if (c.kind === 'untag') await t.untag(d.instance, d.did, c.tags);
  else if (c.kind === 'priority') await t.setPriority(d.instance, d.did, c.to);
  else await t.setSubnetLabel(d.instance, c.sid, c.to);
}

/**
 * Runs an import: reads the inventory of the instances the rows name, then each row in turn. Returns a
 * result per row and the counts. `onRow` sees each result as it is decided (for live output).
 */
export async function importAssets(
  input: Readable,
  target: ImportTarget,
  o: ImportOptions,
  onRow?: (r: RowResult) => void,
): Promise<ImportSummary> {
  const vipPriority = o.vipPriority ?? 5;
  const inv = new Inventory();
  const loaded = new Set<string>();
  const results: RowResult[] = [];
  const report = (r: RowResult) => {
    results.push(r);
    onRow?.(r);
  };
  for await (const item of readImportCsv(input)) {
    if ('error' in item) {
      report({ line: item.line, status: 'invalid', changes: [], message: item.error });
      continue;
    }
    const row = item.row;
    if (row.instance && !o.instances.includes(row.instance)) {
      report({
        line: row.line,
        status: 'invalid',
        instance: row.instance,
        changes: [],
        message: `instance "${row.instance}" is not one of ${o.instances.join(', ') || 'the instances chosen'}`,
      });
      continue;
    }
    for (const name of row.instance ? [row.instance] : o.instances) {
      if (loaded.has(name)) continue;
      for await (const r of target.devices(name)) inv.add(r);
      loaded.add(name);
    }
    const found = inv.find(row, o.instances);
    const on = `${row.match.column} ${row.match.value}`;
    if (found.length === 0) {
      report({
        line: row.line,
        status: 'no such device',
        instance: row.instance,
        changes: [],
        message: `no device has ${on}`,
      });
      continue;
    }
    if (found.length > 1) {
      const which = found.map((d) => `${d.instance}/${d.did}`).join(', ');
      report({
        line: row.line,
        status: 'ambiguous match',
        instance: row.instance,
        changes: [],
        message: `${found.length} devices have ${on} (${which}): match on did or mac instead`,
      });
      continue;
    }
    const d = found[0];
    const base = { line: row.line, instance: d.instance, did: d.did };
    let changes: Change[];
    try {
      changes = plan(row, d, inv, vipPriority);
    } catch (e) {
      report({ ...base, status: 'invalid', changes: [], message: (e as Error).message });
      continue;
    }
    const said = changes.flatMap((c) => describe(c, d));
    if (changes.length === 0) {
      report({ ...base, status: 'unchanged', changes: [] });
      continue;
    }
    if (o.dryRun) {
      for (const c of changes) remember(c, d, inv);
      report({ ...base, status: 'would change', changes: said });
      continue;
    }
    const done: string[] = [];
    try {
      for (const c of changes) {
        await send(c, d, target);
        remember(c, d, inv);
        done.push(...describe(c, d));
      }
      report({ ...base, status: 'applied', changes: done });
    } catch (e) {
      const left = said.filter((s) => !done.includes(s));
      report({
        ...base,
        status: 'failed',
        changes: done,
        message: `${(e as Error).message}${done.length ? ` (done: ${done.join(', ')}; not done: ${left.join(', ')})` : ''}`,
      });
    }
  }
  const counts = Object.fromEntries(
    (
      [
        'applied',
        'would change',
        'unchanged',
        'no such device',
        'ambiguous match',
        'invalid',
        'failed',
      ] as const
    ).map((s) => [s, results.filter((r) => r.status === s).length]),
  ) as Record<RowStatus, number>;
  return { rows: results.length, counts, results };
}
