// Property tests: random mutations of the fixtures (dropped keys, wrong types, truncated JSON, huge
// strings, odd Unicode) never make the normaliser throw anything but NormalizeError, and whatever it
// returns renders in every format. The mutators are `npm run fuzz`'s (test/helpers/mutate.ts). Seeded, so a
// failure replays; DTC_FUZZ_SEED / DTC_FUZZ_RUNS override.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMATS, NormalizeError, normalizeUnchecked, render } from '../../src/normalize/index.ts';
import { mulberry32, mutateText, mutateValue } from '../helpers/mutate.ts';
import { elasticLines, fixturesDir, XSOAR_RECORD_FILES, xsoarRecords } from './helpers.ts';

const SEED = Number(process.env.DTC_FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.DTC_FUZZ_RUNS ?? 1500);

function check(input: string | object): 'ok' | 'rejected' {
  let d: ReturnType<typeof normalizeUnchecked>;
  try {
    d = normalizeUnchecked(input, { instance: 'fuzz' });
  } catch (e) {
    if (e instanceof NormalizeError) return 'rejected';
    throw e;
  }
  expect(d.severity).toBeGreaterThanOrEqual(0);
  expect(d.severity).toBeLessThanOrEqual(5);
  for (const t of [d.time, d.created, d.firstSeen, d.lastSeen])
    if (t !== undefined) expect(Number.isFinite(new Date(t).getTime())).toBe(true);
  for (const f of FORMATS) {
    const out = render(d, f);
    expect(out).not.toContain('\n');
    if (f === 'ecs' || f === 'ocsf' || f === 'json') JSON.parse(out);
  }
  return 'ok';
}

const records: unknown[] = [];
for (const l of elasticLines()) {
  const i = l.text.indexOf('{');
  records.push(JSON.parse(l.text.slice(i)));
}
for (const f of XSOAR_RECORD_FILES) records.push(...xsoarRecords(f));
const texts = elasticLines().map((l) => l.text);

describe('fuzz', () => {
  it(`mutated records (${RUNS} runs, seed ${SEED}) map or raise NormalizeError`, () => {
    const r = mulberry32(SEED);
    const seen = { ok: 0, rejected: 0 };
    for (let i = 0; i < RUNS; i++) seen[check(mutateValue(records[i % records.length], r) as object)]++;
    expect(seen.ok).toBeGreaterThan(RUNS / 2); // most mutations are drift, not garbage
  });

  it(`mutated lines (${RUNS} runs) map or raise NormalizeError`, () => {
    const r = mulberry32(SEED + 1);
    const seen = { ok: 0, rejected: 0 };
    for (let i = 0; i < RUNS; i++) seen[check(mutateText(texts[i % texts.length], r))]++;
    expect(seen.rejected).toBeGreaterThan(0);
  });

  it('records re-serialised with mutations still map when the family keys survive', () => {
    const r = mulberry32(SEED + 2);
    for (let i = 0; i < 300; i++) {
      const m = mutateValue(records[i % records.length], r);
      check(JSON.stringify(m));
    }
  });

  it('a record nested thousands deep is refused at the door, not stored to overflow every renderer', () => {
    // Found by `npm run fuzz`: a syslog line with a 4,899-deep value parsed, then render(d, 'json')
    // (and any JSON answer carrying the record) threw "Maximum call stack size exceeded".
    const line = texts.find((t) => t.startsWith('<') && t.includes('"pbid"'))!;
    const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const bad = line.replace('"pbid":', `"extra":${deep(5000)},"pbid":`);
    expect(() => normalizeUnchecked(bad)).toThrow(NormalizeError);
    expect(() => normalizeUnchecked(bad)).toThrow(/nests deeper than 64 levels/);
    const obj = JSON.parse(line.slice(line.indexOf('{')));
    expect(() => normalizeUnchecked({ ...obj, extra: JSON.parse(deep(5000)) })).toThrow(/nests deeper/);
    // Ordinary nesting, and brackets inside strings, still map and render.
    expect(check(line.replace('"pbid":', `"extra":${deep(20)},"s":"${'['.repeat(200)}","pbid":`))).toBe('ok');
    expect(check({ ...obj, extra: JSON.parse(deep(20)) })).toBe('ok');
  });

  it("names of Object's own properties in lookups (constructor, __proto__, toString) are only text", () => {
    // Found by `npm run fuzz`: a RESPOND line with "action": "constructor" looked up Object's
    // constructor in a plain-object table and the CEF renderer threw on it.
    const respond = readFileSync(join(fixturesDir, 'constructed', 'respond-syslog.log'), 'utf8')
      .split('\n')
      .find((l) => l.includes('"action":"CONFIRM"'))!;
    for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(check(respond.replace('"action":"CONFIRM"', `"action":"${word}"`))).toBe('ok');
      expect(check(respond.replace('"inhibitor":"', `"inhibitor":"${word}`))).toBe('ok');
      expect(check(respond.replace('"inhibitor":"Quarantine device"', `"inhibitor":"${word}"`))).toBe('ok');
      const breach = texts.find((t) => t.includes('"comparatorType":"display"')) ?? texts[0];
      expect(check(breach.replace(/"filterType":"[^"]*"/, `"filterType":"${word}"`))).toBe('ok');
      expect(check(`CEF:0|Darktrace|DCIP|6|100|t|5|cs1Label=${word} cs1=x ${word}=y`)).not.toBe(undefined);
    }
  });

  it('non-records are rejected with a reason, never thrown otherwise', () => {
    for (const v of [
      '',
      '   ',
      'null',
      '[]',
      '[1,2]',
      '42',
      '"s"',
      '{}',
      '<999>x',
      '<1',
      'CEF:0|a|b',
      '{"pbid":1}',
    ]) {
      expect(() => normalizeUnchecked(v)).toThrow(NormalizeError);
    }
    for (const v of [[], [1, 2], {}, { model: 1 }])
      expect(() => normalizeUnchecked(v)).toThrow(NormalizeError);
    expect(check({ pbid: { x: 1 }, model: [] })).toBe('ok');
    expect(check({ aiaScore: 'x', details: [[[[[]]]]], breachDevices: 'no' })).toBe('ok');
  });
});
