// Fuzz randomness and mutators, shared by `npm run fuzz` (bench/fuzz) and the normaliser's fuzz test: a
// seeded PRNG, and mutations of real Darktrace payloads (text and structure) and of JSON bodies.
// Everything is a function of the PRNG, so a seed replays a run.

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: Rng, n: number) => Math.floor(r() * n);
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Strings that have broken parsers before: controls, lone surrogates, bidi, escapes, separators. */
export const ODD = [
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\u2028\u2029',
  '👩‍💻🏳️‍🌈',
  'e\u0301\u0301\u0301',
  '\\',
  '\\u',
  '\\ud800',
  '|',
  '=',
  '\t',
  '\r\n\t',
  '${jndi:x}',
  'SaaS::',
  'SaaS::Office365: ',
  '1.2.3.4/99',
  '::ffff:1.2.3.4',
  '-1',
  'NaN',
  '1e400',
  '-0',
  '0x1F',
  '9007199254740993',
  '123456789012345678901234567890',
  '"',
  "'",
  '<165>',
  '<999>1 ',
  'CEF:0|',
  'LEEF:2.0|',
  '__proto__',
  'constructor',
  '{"__proto__":{"polluted":1}}',
  '%s%n%x',
  '\ufeff',
  '\uffff',
  ' '.repeat(300),
];

/** Whole JSON values of the wrong kind for a slot. */
function wrongValue(r: Rng): unknown {
  switch (int(r, 14)) {
    case 0:
      return null;
    case 1:
      return -1;
    case 2:
      return r() < 0.5 ? 1e308 : -1e308;
    case 3:
      return r() < 0.5;
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return 'x'.repeat(1000 + int(r, 60_000));
    case 7:
      return pick(r, ODD);
    case 8:
      return [null, 1, 'a', { ip: pick(r, ODD) }];
    case 9:
      return { time: 'soon', username: 7, value: [] };
    case 10:
      return Number.MAX_SAFE_INTEGER + int(r, 10);
    case 11:
      return r() * 1e6 - 5e5;
    case 12:
      return nest(r, 2 + int(r, 40));
    default:
      return `${pick(r, ODD)}${pick(r, ODD)}`;
  }
}

/** A value nested `depth` deep in arrays or objects. */
export function nest(r: Rng, depth: number): unknown {
  let v: unknown = pick(r, [1, 'x', null, {}]);
  for (let i = 0; i < depth; i++) v = r() < 0.5 ? [v] : { a: v };
  return v;
}

/** All (container, key) slots of a JSON value, up to `max` of them. */
function slots(v: unknown, out: [any, string | number][] = [], max = 2000): [any, string | number][] {
  if (out.length >= max) return out;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && out.length < max; i++) {
      out.push([v, i]);
      slots(v[i], out, max);
    }
  } else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (out.length >= max) break;
      out.push([v, k]);
      slots(x, out, max);
    }
  return out;
}

/** Drops keys and puts wrong values in 1–6 random slots of a copy of `rec`. */
export function mutateValue(rec: unknown, r: Rng): unknown {
  const copy = structuredClone(rec);
  const n = 1 + int(r, 6);
  for (let i = 0; i < n; i++) {
    const all = slots(copy);
    if (all.length === 0) return wrongValue(r);
    const [container, key] = pick(r, all);
    const roll = r();
    if (roll < 0.3 && !Array.isArray(container)) delete container[key];
    else if (roll < 0.4 && !Array.isArray(container)) container[pick(r, ODD)] = wrongValue(r);
    else container[key] = wrongValue(r);
  }
  return copy;
}

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/g;

/** A byte-level or token-level change to a text: truncation, insertion, deletion, numbers, quotes, headers. */
export function mutateText(s: string, r: Rng): string {
  const at = () => int(r, s.length + 1);
  switch (int(r, 14)) {
    case 0:
      return s.slice(0, at());
    case 1: {
      const i = at();
      return s.slice(0, i) + pick(r, ODD) + s.slice(i);
    }
    case 2: {
      const i = at();
      return s.slice(0, i) + s.slice(i + 1 + int(r, 40));
    }
    case 3:
      return `<${int(r, 1000)}>${r() < 0.5 ? `${int(r, 3)} ` : ''}${s.slice(int(r, 60))}`;
    case 4:
      return s.replaceAll('"', r() < 0.5 ? "'" : '""');
    case 5: {
      // One number becomes another: huge, negative, fractional, exponent, or not a number.
      const nums = [...s.matchAll(NUMBER)];
      if (!nums.length) return `${s}${pick(r, ODD)}`;
      const m = pick(r, nums);
      const v = pick(r, [
        '1e999',
        '-1',
        '0.5',
        '123456789012345678901234567890',
        '-0',
        '1e-400',
        'NaN',
        '""',
      ]);
      return s.slice(0, m.index) + v + s.slice(m.index! + m[0].length);
    }
    case 6: {
      const i = at();
      const c = String.fromCharCode(int(r, 0x3000));
      return s.slice(0, i) + c + s.slice(i + 1);
    }
    case 7: {
      const i = at();
      const j = Math.min(s.length, i + int(r, 200));
      return s.slice(0, j) + s.slice(i, j) + s.slice(j);
    }
    case 8: {
      // Deep nesting where a value starts.
      const i = s.indexOf(':', at());
      if (i < 0) return s;
      const d = 10 + int(r, r() < 0.1 ? 5000 : 200);
      return `${s.slice(0, i + 1)}${'['.repeat(d)}1${']'.repeat(r() < 0.7 ? d : int(r, d))}${s.slice(s.indexOf(',', i + 1) >>> 0)}`;
    }
    case 9:
      return s.slice(int(r, s.length)); // the head cut off
    case 10: {
      // A string value replaced.
      const i = s.indexOf('":"', at());
      if (i < 0) return s;
      const end = s.indexOf('"', i + 3);
      return `${s.slice(0, i + 3)}${pick(r, ODD)}${end < 0 ? '' : s.slice(end)}`;
    }
    case 11:
      return s.replace(
        /\{/,
        `{"${pick(r, ['pbid', 'model', 'aiaScore', 'iris-event-type', 'uuid', 'time'])}":${JSON.stringify(wrongValue(r))},`,
      );
    case 12:
      return `${s} ${s.slice(0, int(r, s.length))}`;
    default: {
      let out = s;
      for (let k = 0, n = 2 + int(r, 4); k < n; k++) out = mutateText(out, r);
      return out;
    }
  }
}

/** A line mutated as text, or its JSON parsed, mutated as a value and put back behind the same header. */
export function mutateLine(line: string, r: Rng): string {
  if (r() < 0.3) {
    const i = line.indexOf('{');
    if (i >= 0) {
      try {
        const v = JSON.parse(line.slice(i));
        return line.slice(0, i) + JSON.stringify(mutateValue(v, r));
      } catch {}
    }
  }
  return mutateText(line, r);
}
