// Framing: get from one received line to a payload (JSON text or a CEF line) and the syslog header
// around it, and decide a record's family from its content. Hand-written scanning rather than one big
// regex: it is the hot path of `dtc normalize` and of the syslog receiver.
import { NormalizeError } from './errors.ts';
import type { Family, SyslogHeader } from './model.ts';
import { lookup, type Obj } from './util.ts';

export interface Framed {
  kind: 'json' | 'cef';
  payload: string;
  syslog?: SyslogHeader;
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Index just after the next space at or after i (or the string's length). */
function nextToken(s: string, i: number): [string, number] {
  let j = s.indexOf(' ', i);
  if (j < 0) j = s.length;
  return [s.slice(i, j), j + 1];
}

/** "Aug  5 03:34:46" at i? RFC 3164 pads single-digit days with a space. */
function isBsdTime(s: string, i: number): boolean {
  return (
    s.length >= i + 15 &&
    s.charCodeAt(i + 3) === 32 &&
    MONTHS.includes(s.slice(i, i + 3)) &&
    s.charCodeAt(i + 6) === 32 &&
    s.charCodeAt(i + 9) === 58 &&
    s.charCodeAt(i + 12) === 58
  );
}

const DAY_MS = 86_400_000;

/**
 * An RFC 3164 timestamp (`Apr 01 14:30:23`, `Aug  5 03:34:46`) carries no year and no zone. It is read
 * as UTC in the year it was received, or the year before when that would put it more than a day after
 * the receive time (a December line read in January).
 */
export function bsdTime(ts: string, receivedAt: number): number | undefined {
  const month = MONTHS.indexOf(ts.slice(0, 3)) / 3;
  const day = Number(ts.slice(4, 6).trim());
  const h = Number(ts.slice(7, 9));
  const m = Number(ts.slice(10, 12));
  const sec = Number(ts.slice(13, 15));
  if (!Number.isInteger(month) || month < 0 || !(day >= 1 && day <= 31) || !(h <= 23 && m <= 59 && sec <= 60))
    return undefined;
  if (!Number.isFinite(receivedAt)) return undefined;
  const year = utcYear(receivedAt);
  for (let y = year; y >= year - 1; y--) {
    const t = Date.UTC(y, month, day, h, m, sec);
    // Feb 29 in a year without one rolls over to March: not that year. Only a day past the 28th or a
    // leap second can roll over, so other times skip the Date.
    if ((day > 28 || sec === 60) && new Date(t).getUTCDate() !== day) continue;
    if (t <= receivedAt + DAY_MS || y !== year) return t;
  }
  return undefined;
}

// The UTC year of the last receive time asked about, and the range of times it covers: lines arrive
// with times in the same year, so the Date is made once a year rather than once a line.
let yearOf = Number.NaN;
let yearFrom = 0;
let yearTo = -1;

function utcYear(ms: number): number {
  if (ms >= yearFrom && ms < yearTo) return yearOf;
  yearOf = new Date(ms).getUTCFullYear();
  // Date.UTC reads years 0–99 as 1900–1999: such a year is not cached.
  yearFrom = yearOf >= 100 ? Date.UTC(yearOf, 0, 1) : 0;
  yearTo = yearOf >= 100 ? Date.UTC(yearOf + 1, 0, 1) : -1;
  return yearOf;
}

function parseTime(ts: string): number | undefined {
  const t = Date.parse(ts);
  return Number.isFinite(t) ? t : undefined;
}

/** Skips RFC 5424 structured data: `-` or one or more `[id k="v" ...]` (with `\]` escapes). */
function skipStructuredData(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) return i + 2; // '-' and its space
  while (s.charCodeAt(i) === 91) {
    let j = i + 1;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c === 92) j += 2;
      else if (c === 93) break;
      else j++;
    }
    if (j >= s.length) throw new NormalizeError('bad_frame', 'unterminated RFC 5424 structured data');
    i = j + 1;
  }
  return s.charCodeAt(i) === 32 ? i + 1 : i;
}

function bsd(s: string, i: number, h: SyslogHeader, receivedAt: number): number {
  h.rfc = 3164;
  h.timestamp = s.slice(i, i + 15);
  const t = bsdTime(h.timestamp, receivedAt);
  if (t !== undefined) h.time = t;
  const [host, after] = nextToken(s, i + 16);
  let j = after;
  h.hostname = host;
  // The tag is optional in practice; only take it when it is not already the payload.
  const c = s.charCodeAt(j);
  if (c !== 123 && c !== 91 && !s.startsWith('CEF:', j)) {
    let tag: string;
    [tag, j] = nextToken(s, j);
    const end = tag.search(/[[:]/);
    h.appname = end >= 0 ? tag.slice(0, end) : tag;
  }
  return j;
}

/**
 * Splits a received line into its syslog header (if any) and its payload. `receivedAt` (ms, default
 * now) gives an RFC 3164 timestamp its year.
 */
export function frame(input: string, receivedAt: number = Date.now()): Framed {
  let s = input;
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 10 || s.charCodeAt(end - 1) === 13)) end--;
  let i = 0;
  while (i < end && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  if (end !== s.length) s = s.slice(0, end);
  if (i >= s.length) throw new NormalizeError('empty', 'empty line');

  let syslog: SyslogHeader | undefined;
  const c0 = s.charCodeAt(i);
  if (c0 === 60) {
    // <PRI>
    const close = s.indexOf('>', i);
    if (close < 0 || close - i < 2 || close - i > 4)
      throw new NormalizeError('bad_frame', 'bad syslog <PRI>');
    const pri = Number(s.slice(i + 1, close));
    if (!Number.isInteger(pri) || pri > 191) throw new NormalizeError('bad_frame', 'bad syslog <PRI>');
    syslog = { rfc: 3164, priority: pri, facility: pri >> 3, severity: pri & 7 };
    i = close + 1;
    // SC4S and several relays put a space after the PRI (`<165> Apr 01 14:30:23 host app …`).
    if (s.charCodeAt(i) === 32 && isBsdTime(s, i + 1)) i++;
    if (isDigit(s.charCodeAt(i)) && s.charCodeAt(i + 1) === 32) {
      syslog.rfc = 5424;
      syslog.version = s.charCodeAt(i) - 48;
      let tok: string;
      [tok, i] = nextToken(s, i + 2);
      if (tok !== '-') {
        syslog.timestamp = tok;
        syslog.time = parseTime(tok);
      }
      [tok, i] = nextToken(s, i);
      if (tok !== '-') syslog.hostname = tok;
      [tok, i] = nextToken(s, i);
      if (tok !== '-') syslog.appname = tok;
      [, i] = nextToken(s, i); // procid
      [, i] = nextToken(s, i); // msgid
      if (i < s.length) i = skipStructuredData(s, i);
      if (s.charCodeAt(i) === 0xfeff) i++;
    } else if (isBsdTime(s, i)) {
      i = bsd(s, i, syslog, receivedAt);
    } else {
      // <PRI> then straight to the message (seen from some relays)
      syslog.rfc = 0;
    }
  } else if (isBsdTime(s, i)) {
    syslog = { rfc: 3164 };
    i = bsd(s, i, syslog, receivedAt);
  }

  // Bare app-name prefix: `darktrace {json}` / `darktrace_audit {json}` (Elastic's test line).
  const c = s.charCodeAt(i);
  if (c !== 123 && c !== 91 && !s.startsWith('CEF:', i)) {
    if (s.startsWith('darktrace', i)) {
      const [tag, j] = nextToken(s, i);
      const cut = tag.search(/[[:]/);
      if (!syslog) syslog = { rfc: 0 };
      syslog.appname ??= cut >= 0 ? tag.slice(0, cut) : tag;
      i = j;
    }
  }
  while (i < s.length && s.charCodeAt(i) === 32) i++;
  const d = s.charCodeAt(i);
  if (d === 123 || d === 91) return { kind: 'json', payload: i === 0 ? s : s.slice(i), syslog };
  if (s.startsWith('CEF:', i)) return { kind: 'cef', payload: s.slice(i), syslog };
  // Last resort, a short unknown prefix before the payload (`darktrace[123]: {...}` and the like).
  const brace = s.indexOf('{', i);
  const cef = s.indexOf('CEF:', i);
  const at = brace < 0 ? cef : cef < 0 ? brace : Math.min(brace, cef);
  if (at >= 0 && at - i <= 256)
    return { kind: at === cef ? 'cef' : 'json', payload: s.slice(at), syslog: syslog ?? { rfc: 0 } };
  throw new NormalizeError('bad_frame', 'no JSON object or CEF payload found');
}

/** A `GET /antigena` action object: `codeid` plus its lifecycle fields. */
function isRespondApi(o: Obj): boolean {
  return 'codeid' in o && ('expires' in o || 'active' in o || 'cleared' in o);
}

/**
 * A Darktrace /EMAIL alert: the REST e-mail object (`rcpts` with `header_*` fields) or the pushed alert
 * (`recipients` with `from` or `message_id`, and a subject, score or direction).
 */
function isEmail(o: Obj): boolean {
  if ('rcpts' in o)
    return 'header_from_email' in o || 'header_from' in o || 'header_subject' in o || 'dtime' in o;
  return (
    'recipients' in o &&
    ('from' in o || 'message_id' in o) &&
    ('subject' in o || 'anomaly_score' in o || 'direction' in o)
  );
}

/**
 * The family of a parsed record, from its content only (design: route by content, not by port).
 * RESPOND: `iris-event-type: antigena_state_change`, or an `/antigena` action (`codeid` + lifecycle
 * fields). Model breach: `pbid` + `model`, where a `model` that is a string names the model of a
 * RESPOND action, never a breach. AI Analyst: `aiaScore`, or `currentGroup` + `periods`. System status:
 * `alert_name` + `priority_level`. /EMAIL: see isEmail. Audit: `endpoint` + `method`.
 */
export function detectFamily(o: Obj): Family | undefined {
  if (o['iris-event-type'] === 'antigena_state_change' || isRespondApi(o)) return 'respond_action';
  if ('pbid' in o && 'model' in o && typeof o.model !== 'string') return 'model_breach';
  if ('aiaScore' in o || ('currentGroup' in o && 'periods' in o)) return 'ai_analyst';
  if ('alert_name' in o && 'priority_level' in o) return 'system_status';
  if (isEmail(o)) return 'email_alert';
  if ('endpoint' in o && 'method' in o) return 'audit';
  return undefined;
}

export interface CefRecord {
  version: string;
  vendor: string;
  product: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  ext: Record<string, string>;
}

function isKeyChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45
  );
}

/** Drops each escaping backslash; in extension values (`controls`), `\n` `\r` `\t` become the characters. */
function unescapeCef(s: string, controls: boolean): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) {
      const n = s[++i];
      out += !controls ? n : n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n;
    } else out += c;
  }
  return out;
}

function escapedAt(s: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && s.charCodeAt(j) === 92; j--) n++;
  return (n & 1) === 1;
}

/** Parses `CEF:0|vendor|product|version|signature|name|severity|k=v k=v` with the spec's escapes. */
export function parseCef(line: string): CefRecord {
  const fields: string[] = [];
  let start = 4; // after "CEF:"
  let i = start;
  while (fields.length < 7 && i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === 124) {
      fields.push(unescapeCef(line.slice(start, i), false));
      start = ++i;
    } else i++;
  }
  if (fields.length < 7) throw new NormalizeError('bad_cef', `CEF header has ${fields.length} of 7 fields`);
  const ext: Record<string, string> = lookup();
  const s = line.slice(start);
  // Key boundaries: an unescaped '=' preceded by a run of key characters that starts the string or
  // follows a space. A value runs to the space before the next key.
  const keys: [number, number][] = [];
  for (let j = s.indexOf('='); j >= 0; j = s.indexOf('=', j + 1)) {
    if (escapedAt(s, j)) continue;
    let k = j - 1;
    while (k >= 0 && isKeyChar(s.charCodeAt(k))) k--;
    if (k + 1 < j && (k < 0 || s.charCodeAt(k) === 32)) keys.push([k + 1, j]);
  }
  for (let n = 0; n < keys.length; n++) {
    const [ks, eq] = keys[n];
    const vEnd = n + 1 < keys.length ? keys[n + 1][0] - 1 : s.length;
    let v = s.slice(eq + 1, Math.max(eq + 1, vEnd));
    if (n + 1 === keys.length) v = v.trimEnd();
    ext[s.slice(ks, eq)] = unescapeCef(v, true);
  }
  return {
    version: fields[0],
    vendor: fields[1],
    product: fields[2],
    deviceVersion: fields[3],
    signatureId: fields[4],
    name: fields[5],
    severity: fields[6],
    ext,
  };
}
