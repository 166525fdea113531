// `-o json|table|yaml`: the helper's rendering, and the real commands printing through it (JSON when
// piped as before, tables with ISO times, YAML that parses to the same data as the JSON).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatData, outputFormat, renderTable, tableValue } from '../../src/cli/output.ts';
import { runDtc } from '../helpers/dtc.ts';

describe('the output helper', () => {
  it('defaults to a table on a terminal and JSON when piped; -o and the old --json win', () => {
    expect(outputFormat({}, { isTTY: true })).toBe('table');
    expect(outputFormat({}, { isTTY: false })).toBe('json');
    expect(outputFormat({}, {})).toBe('json');
    expect(outputFormat({ output: 'yaml' }, { isTTY: true })).toBe('yaml');
    expect(outputFormat({ json: true }, { isTTY: true })).toBe('json');
  });

  it('shows epoch times under time-named keys as ISO 8601, and nothing else', () => {
    const ms = Date.UTC(2024, 0, 15, 10, 30, 0);
    expect(tableValue('createdAt', ms)).toBe('2024-01-15T10:30:00.000Z');
    expect(tableValue('time', ms)).toBe('2024-01-15T10:30:00.000Z');
    expect(tableValue('at', ms)).toBe('2024-01-15T10:30:00.000Z');
    expect(tableValue('creationTime', ms / 1000)).toBe('2024-01-15T10:30:00.000Z');
    expect(tableValue('last_error_at', ms)).toBe('2024-01-15T10:30:00.000Z');
    expect(tableValue('pbid', ms)).toBe(ms);
    expect(tableValue('offset', 42)).toBe(42);
    expect(tableValue('updatedAt', 42)).toBe(42);
    expect(tableValue('updatedAt', null)).toBe(null);
  });

  it('renders a list of records as aligned columns, ISO times included', () => {
    const text = renderTable([
      { name: 'prod', enabled: true, tags: ['a', 'b'], tls: { insecure: false }, updatedAt: 1705314600000 },
      { name: 'lab-2', enabled: false, tags: [], tls: { insecure: true }, updatedAt: null },
    ]);
    expect(text).toBe(
      'NAME   ENABLED  TAGS  TLS.INSECURE  UPDATEDAT\n' +
        'prod   true     a, b  false         2024-01-15T10:30:00.000Z\n' +
        'lab-2  false          true\n',
    );
    expect(renderTable([{ a: 1, b: 2 }], { columns: ['b'] })).toBe('B\n2\n');
    expect(renderTable([], { empty: 'no sinks yet' })).toBe('no sinks yet\n');
    expect(renderTable([{ note: 'x'.repeat(80) }], { maxCell: 10 })).toBe(`NOTE\n${'x'.repeat(9)}…\n`);
  });

  it('renders one record as key and value lines, with its lists of records as tables', () => {
    const text = renderTable({
      name: 'prod',
      createdAt: 1705314600000,
      connectionChecks: [{ at: 1705314600000, ok: true }],
    });
    expect(text).toBe(
      'name       prod\ncreatedAt  2024-01-15T10:30:00.000Z\n\nconnectionChecks:\nAT                        OK\n2024-01-15T10:30:00.000Z  true\n',
    );
  });

  it('keeps values as they are in JSON and YAML', async () => {
    const data = [{ name: 'prod', createdAt: 1705314600000, nested: { a: [1, 2] } }];
    expect(JSON.parse(await formatData(data, 'json'))).toEqual(data);
    expect(parseYaml(await formatData(data, 'yaml'))).toEqual(data);
  });
});

describe('commands print through it', () => {
  let dataDir: string;
  const dtc = (...args: string[]) => runDtc([...args, '--data-dir', dataDir]);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dtc-output-'));
    const add = await dtc(
      'instance',
      'add',
      '--name',
      'prod',
      '--url',
      'https://dt.example.com',
      '--public-token',
      'pub',
      '--private-token',
      'secret-token-value',
    );
    expect(add.code).toBe(0);
  });

  it('dtc instance list: JSON piped, a table with ISO times, YAML equal to the JSON', async () => {
    const json = JSON.parse((await dtc('instance', 'list')).out);
    expect(json).toEqual([expect.objectContaining({ name: 'prod', url: 'https://dt.example.com' })]);
    expect(json[0].createdAt).toBeTypeOf('number');

    const table = (await dtc('instance', 'list', '-o', 'table')).out.split('\n');
    expect(table[0].split(/ +/)).toEqual([
      'NAME',
      'URL',
      'ENABLED',
      'SIMULATED',
      'POLLINTERVALSECONDS',
      'LOOKBACKHOURS',
      'MINSCORE',
      'CREATEDAT',
      'UPDATEDAT',
    ]);
    expect(table[1]).toContain(new Date(json[0].createdAt).toISOString());
    expect(table[1]).toMatch(/^prod +https:\/\/dt\.example\.com +true +false +300 +24 /);

    const yaml = await dtc('instance', 'list', '--output', 'yaml');
    expect(parseYaml(yaml.out)).toEqual(json);
    for (const r of [table.join('\n'), yaml.out]) expect(r).not.toContain('secret-token-value');
  });

  it('dtc instance show -o table: the record as lines', async () => {
    const r = await dtc('instance', 'show', 'prod', '-o', 'table');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^name +prod$/m);
    expect(r.out).toMatch(/^tls\.insecure +false$/m);
    expect(r.out).toMatch(/^createdAt +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
  });

  it('dtc cmd list and dtc endpoints take -o too; a bad format is refused with the choices', async () => {
    const yaml = parseYaml((await runDtc(['cmd', 'list', '-o', 'yaml'])).out);
    expect(yaml.map((c: { name: string }) => c.name)).toContain('acknowledge');
    const table = (await runDtc(['cmd', 'list', '-o', 'table'])).out;
    expect(table).toMatch(/^NAME +DESCRIPTION +ALIASES$/m);
    expect(table).toMatch(
      /^acknowledge +Acknowledge model breaches +darktrace-acknowledge, acknowledge-breaches$/m,
    );
    const endpoints = (await runDtc(['endpoints', '-o', 'table'])).out;
    expect(endpoints).toMatch(/^ENDPOINT +SDK +SIMULATED +COMMANDS$/m);
    expect(endpoints).toMatch(/^\d+ endpoints; /m);
    const bad = await runDtc(['sink', 'list', '-o', 'xml']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/argument 'xml' is invalid. Allowed choices are json, table, yaml/);
  });
});
