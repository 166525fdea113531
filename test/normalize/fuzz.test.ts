// Property tests: random mutations of the fixtures (dropped keys, wrong types, truncated JSON, huge
// strings, odd Unicode) never make the normaliser throw anything but NormalizeError, and whatever it
// returns renders in every format. Seeded, so a failure replays; DTC_FUZZ_SEED / DTC_FUZZ_RUNS override.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMATS, NormalizeError, normalizeUnchecked, render } from '../../src/normalize/index.ts';
import { elasticLines, fixturesDir, XSOAR_RECORD_FILES, xsoarRecords } from './helpers.ts';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.DTC_FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.DTC_FUZZ_RUNS ?? 1500);

const ODD = [
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\u2028\u2029',
  '👩‍💻🏳️‍🌈',
  'e\u0301\u0301\u0301',
  '\\',
  '|',
  '=',
  '\r\n\t',
  '${jndi:x}',
  'SaaS::',
  'SaaS::Office365: ',
  '1.2.3.4/99',
  '::ffff:1.2.3.4',
  '-1',
  'NaN',
  '1e400',
];

function wrongValue(r: () => number): unknown {
  switch (Math.floor(r() * 12)) {
    case 0:
      return null;
    case 1:
      return -1;
    case 2:
      return 1e308 * (r() < 0.5 ? 10 : 1);
    case 3:
      return r() < 0.5;
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return 'x'.repeat(50_000 + Math.floor(r() * 100_000));
    case 7:
      return ODD[Math.floor(r() * ODD.length)];
    case 8:
      return [null, 1, 'a', { ip: ODD[Math.floor(r() * ODD.length)] }];
    case 9:
      return { time: 'soon', username: 7, value: [] };
    case 10:
      return Number.MAX_SAFE_INTEGER;
    default:
      return `${ODD[Math.floor(r() * ODD.length)]}${ODD[Math.floor(r() * ODD.length)]}`;
  }
}

/** All (container, key) slots of a JSON value. */
function slots(v: unknown, out: [any, string | number][] = []): [any, string | number][] {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      out.push([v, i]);
      slots(v[i], out);
    }
  } else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push([v, k]);
      slots(x, out);
    }
  return out;
}

function mutate(rec: unknown, r: () => number): unknown {
  const copy = structuredClone(rec);
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const all = slots(copy);
    if (all.length === 0) break;
    const [container, key] = all[Math.floor(r() * all.length)];
    if (r() < 0.35 && !Array.isArray(container)) delete container[key];
    else container[key] = wrongValue(r);
  }
  return copy;
}

function mutateText(s: string, r: () => number): string {
  switch (Math.floor(r() * 5)) {
    case 0:
      return s.slice(0, Math.floor(r() * s.length)); // truncated
    case 1: {
      const at = Math.floor(r() * s.length);
      return s.slice(0, at) + ODD[Math.floor(r() * ODD.length)] + s.slice(at);
    }
    case 2: {
      const at = Math.floor(r() * s.length);
      return s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20));
    }
    case 3:
      return `<${Math.floor(r() * 300)}>${r() < 0.5 ? '1 ' : ''}${s.slice(Math.floor(r() * 40))}`;
    default:
      return s.replaceAll('"', r() < 0.5 ? "'" : '"');
  }
}

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
    const r = rng(SEED);
    const seen = { ok: 0, rejected: 0 };
    for (let i = 0; i < RUNS; i++) seen[check(mutate(records[i % records.length], r) as object)]++;
    expect(seen.ok).toBeGreaterThan(RUNS / 2); // most mutations are drift, not garbage
  });

  it(`mutated lines (${RUNS} runs) map or raise NormalizeError`, () => {
    const r = rng(SEED + 1);
    const seen = { ok: 0, rejected: 0 };
    for (let i = 0; i < RUNS; i++) seen[check(mutateText(texts[i % texts.length], r))]++;
    expect(seen.rejected).toBeGreaterThan(0);
  });

  it('records re-serialised with mutations still map when the family keys survive', () => {
    const r = rng(SEED + 2);
    for (let i = 0; i < 300; i++) {
      const m = mutate(records[i % records.length], r);
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
