// Small defensive readers used by every mapper. Input is untrusted JSON: each reader returns
// `undefined` for anything it cannot use rather than throwing, so one odd field never costs the alert.
import { isIP } from 'node:net';

export { lookup } from './lookup.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A non-empty string; numbers are accepted as their decimal form (ids arrive either way). */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** A finite number, or a string that is one (`groupScore: "72.9174234"`). */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.length > 0 && v.length < 40) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function int(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : Math.trunc(n);
}

export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 1) return true;
  if (v === 'false' || v === 0) return false;
  return undefined;
}

const MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

/**
 * Epoch time in any unit Darktrace uses → ms UTC. Magnitude tells the unit: seconds (system status
 * `last_updated`, int or float), milliseconds (everything else), and µs/ns just in case. Strings may be
 * numeric, ISO 8601, or Darktrace's zone-less `YYYY-MM-DD HH:MM:SS`, which is UTC.
 */
export function toMillis(v: unknown): number | undefined {
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    if (v.length === 0 || v.length > 40) return undefined;
    const c = v.charCodeAt(0);
    if ((c >= 48 && c <= 57 && !v.includes('-') && !v.includes(':')) || c === 46) n = Number(v);
    else {
      const s = v.length === 19 && v.charCodeAt(10) === 32 ? `${v.slice(0, 10)}T${v.slice(11)}Z` : v;
      const t = Date.parse(s);
      return Number.isFinite(t) && t >= 0 && t <= MAX_MS ? t : undefined;
    }
  } else return undefined;
  if (!Number.isFinite(n) || n < 0) return undefined;
  if (n < 1e11) n *= 1000;
  else if (n >= 1e17) n /= 1e6;
  else if (n >= 1e14) n /= 1e3;
  n = Math.round(n);
  return n <= MAX_MS ? n : undefined;
}

// Two-digit forms of 0–99, for building ISO 8601 strings without a Date.
const TWO: string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

// The date part of the last day formatted: a detection's times mostly fall on one day.
let lastDay = Number.NaN;
let lastDate = '';

/**
 * `new Date(ms).toISOString()`, computed by hand for whole milliseconds in years 1970–9999 (every time
 * the mappers accept): the Date round trip was the largest single cost of rendering ECS. Anything else
 * goes through Date, so an out-of-range time still throws its RangeError.
 */
export function iso(ms: number): string {
  if (!(ms >= 0 && ms <= MAX_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / 86_400_000);
  let rest = ms - day * 86_400_000;
  if (day !== lastDay) {
    lastDay = day;
    lastDate = civilDate(day);
  }
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  return `${lastDate}${TWO[h]}:${TWO[m]}:${TWO[s]}.${milli < 100 ? (milli < 10 ? '00' : '0') : ''}${milli}Z`;
}

/** Days since 1970-01-01 → `YYYY-MM-DDT` (proleptic Gregorian, the days-to-civil algorithm). */
function civilDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${TWO[Math.floor(year / 100)]}${TWO[year % 100]}-${TWO[month]}-${TWO[d]}T`;
}

/** An IP address, with any CIDR suffix (`175.16.199.1/24`) or IPv6 brackets removed; else undefined. */
export function cleanIp(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length < 2 || v.length > 64) return undefined;
  let s = v;
  const slash = s.indexOf('/');
  if (slash >= 0) s = s.slice(0, slash);
  if (s.charCodeAt(0) === 91 && s.charCodeAt(s.length - 1) === 93) s = s.slice(1, -1);
  return isIp(s) ? s : undefined;
}

/**
 * net.isIP, but a string with no colon that holds anything besides digits and dots (every host name)
 * is answered without it: its IPv6 regex was a few percent of the normaliser's time, spent mostly on
 * host names. Only an IPv6 address (always a colon) or a dotted-digit string reaches net.isIP.
 */
export function isIp(s: string): boolean {
  if (!s.includes(':')) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 46 && (c < 48 || c > 57)) return false;
    }
  }
  return isIP(s) !== 0;
}

/** Appends when not already there; the arrays are short, so a scan beats a Set. */
export function add<T>(list: T[], v: T | undefined): void {
  if (v === undefined || v === '') return;
  if (!list.includes(v)) list.push(v);
}

/** `SaaS::Office365: user@example.com` → {service, user}; anything else → undefined. */
export function splitSaas(host: string): { service: string; user: string } | undefined {
  if (!host.startsWith('SaaS::')) return undefined;
  const colon = host.indexOf(':', 6);
  if (colon < 0) return { service: host.slice(6).trim(), user: '' };
  return { service: host.slice(6, colon).trim(), user: host.slice(colon + 1).trim() };
}

/** "AS12345 LOCAL-02" → {number: 12345, name: "LOCAL-02"}; a bare name keeps just the name. */
export function parseAsn(v: string): { number?: number; name?: string } {
  const s = v.trim();
  if (s.length > 2 && (s.charCodeAt(0) | 32) === 97 && (s.charCodeAt(1) | 32) === 115) {
    let i = 2;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i > 2) {
      const name = s.slice(i).trim();
      return name ? { number: Number(s.slice(2, i)), name } : { number: Number(s.slice(2, i)) };
    }
  }
  return s ? { name: s } : {};
}

/** `model.description` carries literal backslash-n pairs; turn them into real newlines. */
export function unescapeNewlines(s: string): string {
  return s.includes('\\n') ? s.replaceAll('\\n', '\n') : s;
}

export function lower(v: unknown): string | undefined {
  const s = str(v);
  return s === undefined ? undefined : s.toLowerCase();
}

function hexAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i) | 32;
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

/**
 * A MAC address (`00:0a:95:9d:68:16`, `00-0A-95-9D-68-16`, `000a.959d.6816`) in lower-case colon form;
 * anything else (an appliance writes "NO MAC ADDRESS IN DARKTRACE") → undefined.
 */
export function cleanMac(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  let hex = '';
  if (s.length === 17) {
    const sep = s[2];
    if (sep !== ':' && sep !== '-') return undefined;
    for (let i = 0; i < 17; i++) {
      if (i % 3 === 2) {
        if (s[i] !== sep) return undefined;
      } else if (!hexAt(s, i)) return undefined;
      else hex += s[i];
    }
  } else if (s.length === 14 && s[4] === '.' && s[9] === '.') {
    for (let i = 0; i < 14; i++) {
      if (i === 4 || i === 9) continue;
      if (!hexAt(s, i)) return undefined;
      hex += s[i];
    }
  } else return undefined;
  hex = hex.toLowerCase();
  return `${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}:${hex.slice(8, 10)}:${hex.slice(10, 12)}`;
}

/** `local@domain.tld` with no spaces or angle brackets: enough to tell an address from a user name. */
export function isEmailAddress(s: string): boolean {
  const at = s.indexOf('@');
  if (at <= 0 || at !== s.lastIndexOf('@') || s.length > 320) return false;
  const domain = s.slice(at + 1);
  if (domain.length < 3 || !domain.includes('.') || domain.startsWith('.') || domain.endsWith('.'))
    return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 60 || c === 62 || c === 34 || c === 44) return false;
  }
  return true;
}

/** Display-filter and similar names vary in case and spacing between versions: compare without either. */
export function squash(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 95 || c === 45) continue;
    out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

/**
 * Deepest nesting the normaliser accepts in a record. Darktrace's own go about ten levels deep; a record
 * nested thousands deep parses, but JSON.stringify (the JSON renderer, the API's answers) then overflows
 * the stack on it, so it is refused at the door instead of being stored and failing every reader.
 */
export const MAX_RECORD_DEPTH = 64;

/**
 * True when a parsed value nests objects and arrays deeper than `max`. JSON.parse takes any depth; the
 * walk stops at `max`, so its own recursion stays shallow.
 */
export function tooDeep(v: unknown, max = MAX_RECORD_DEPTH, depth = 1): boolean {
  if (depth > max) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x !== null && typeof x === 'object' && tooDeep(x, max, depth + 1)) return true;
    }
  } else
    for (const k in v as Obj) {
      const x = (v as Obj)[k];
      if (x !== null && typeof x === 'object' && tooDeep(x, max, depth + 1)) return true;
    }
  return false;
}
