// The normaliser: one received line or parsed record → the canonical Detection → ECS, OCSF, CEF, LEEF
// or JSON. No I/O here: callers (CLI, collector, syslog receiver) bring the bytes and take the strings.
import { NormalizeError } from './errors.ts';
import { FORMATS, type Format } from './formats.ts';
import { detectFamily, frame, parseCef } from './frame.ts';
import { mapAiAnalyst } from './mappers/aianalyst.ts';
import { mapAudit } from './mappers/audit.ts';
import { mapBreach } from './mappers/breach.ts';
import { mapCef } from './mappers/cef.ts';
import { mapEmail } from './mappers/email.ts';
import { mapRespond } from './mappers/respond.ts';
import { mapStatus } from './mappers/status.ts';
import type { Detection, Family, Origin, SyslogHeader } from './model.ts';
import { renderCef } from './render/cef.ts';
import { renderEcs, toEcs } from './render/ecs.ts';
import { renderJson } from './render/json.ts';
import { renderLeef } from './render/leef.ts';
import { renderOcsf, toOcsf } from './render/ocsf.ts';
import { isObj, MAX_RECORD_DEPTH, type Obj, tooDeep } from './util.ts';

export { NormalizeError, type NormalizeReason } from './errors.ts';
export { FORMATS, type Format } from './formats.ts';
export { detectFamily, frame, parseCef } from './frame.ts';
export { contentHash } from './mappers/common.ts';
export type * from './model.ts';
export { toEcs, toOcsf };

export interface NormalizeOptions {
  /**
   * Which Darktrace deployment this came from. Default: the syslog hostname, else `default`. A
   * function picks it from the syslog hostname (undefined when there is none), as the syslog
   * receiver's map does, without framing the line a second time.
   */
  instance?: string | ((syslogHostname: string | undefined) => string);
  source?: Origin['source'];
  /**
   * The instance's Threat Visualizer URL (`https://dt.example.com`). When a record carries no link
   * (empty `breachUrl`, no `incidentEventUrl`: Darktrace omits them when no FQDN is configured), the
   * link is built from it.
   */
  baseUrl?: string;
  /**
   * When the line was received (ms, default now). An RFC 3164 timestamp has no year: it gets this
   * time's year, or the year before when it would otherwise lie in the future. A caller that derives
   * a detection again from a stored line passes the time it was stored.
   */
  receivedAt?: number;
}

function linkFor(d: Detection, base: string): string | undefined {
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  // An id that is not well-formed Unicode (a lone surrogate from a "\ud800" escape) has no URL form:
  // encodeURIComponent throws on it. Such a record gets no link rather than an error.
  if (/[\ud800-\udfff]/u.test(d.key.id)) return undefined;
  const id = encodeURIComponent(d.key.id);
  switch (d.key.family) {
    case 'model_breach':
      return /^\d+$/.test(d.key.id) ? `${b}/#modelbreach/${id}` : undefined;
    case 'ai_analyst':
      return d.key.id.startsWith('h:') ? undefined : `${b}/#aiaincidentevent/${id}`;
    case 'system_status':
      return d.key.id.startsWith('h:') ? undefined : `${b}/sysstatus?alert=${id}`;
    case 'respond_action': {
      const pbid = d.related.breaches[0]?.pbid;
      return pbid ? `${b}/#modelbreach/${pbid}` : undefined;
    }
    default:
      return undefined;
  }
}

const MAPPERS: Record<Family, (raw: Obj, instance: string) => Detection> = {
  model_breach: mapBreach,
  ai_analyst: mapAiAnalyst,
  system_status: mapStatus,
  audit: mapAudit,
  respond_action: mapRespond,
  email_alert: mapEmail,
};

/** What a value is, in words, for a rejection message. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/**
 * Maps one parsed record. Exposed for the tests: it is the mappers without the safety net that
 * `normalize` adds, so a mapper bug shows up as what it is.
 */
export function mapRecord(raw: unknown, instance: string, syslog?: SyslogHeader): Detection {
  let rec = raw;
  if (Array.isArray(rec)) {
    // A REST answer for one id (`?uuid=`) is a one-element array.
    if (rec.length !== 1)
      throw new NormalizeError(
        'not_a_record',
        `JSON array of ${rec.length} records; one record per line expected`,
      );
    rec = rec[0];
  }
  if (!isObj(rec))
    throw new NormalizeError(
      'not_a_record',
      `expected a JSON object (one Darktrace record)${rec === raw ? '' : ' in the one-element array'}, got ${kindOf(rec)}`,
    );
  const family = detectFamily(rec);
  if (!family)
    throw new NormalizeError(
      'unknown_family',
      'not a model breach (pbid and a model that is not a string), AI Analyst event (aiaScore, or currentGroup and ' +
        'periods), system status alert (alert_name and priority_level), RESPOND action ' +
        '(iris-event-type antigena_state_change, or codeid with expires/active/cleared), /EMAIL alert ' +
        '(rcpts with header_from*, or recipients with from/message_id) or audit entry (endpoint and method)',
    );
  const d = MAPPERS[family](rec, instance);
  if (syslog) {
    d.origin = { source: 'syslog', format: 'json', syslog };
    fillTime(d, syslog.time);
  }
  return d;
}

/** A record without a time of its own takes the syslog header's (the audit entries, RESPOND lines). */
function fillTime(d: Detection, t: number | undefined): void {
  if (d.time !== undefined || t === undefined) return;
  d.time = t;
  d.firstSeen ??= t;
  d.lastSeen ??= t;
}

function instanceOf(opts: NormalizeOptions, hostname: string | undefined): string {
  if (typeof opts.instance === 'function') return opts.instance(hostname);
  return opts.instance ?? hostname ?? 'default';
}

/** `normalize` without the safety net: what the fuzz tests drive, so a mapper bug is seen as one. */
export function normalizeUnchecked(input: string | object, opts: NormalizeOptions = {}): Detection {
  if (typeof input !== 'string') {
    if (tooDeep(input))
      throw new NormalizeError('not_a_record', `the record nests deeper than ${MAX_RECORD_DEPTH} levels`);
    const d = mapRecord(input, instanceOf(opts, undefined));
    d.origin = { source: opts.source ?? 'api', format: 'json' };
    return d;
  }
  const f = frame(input, opts.receivedAt);
  const instance = instanceOf(opts, f.syslog?.hostname);
  let d: Detection;
  if (f.kind === 'cef') {
    d = mapCef(parseCef(f.payload), instance);
    d.origin = { source: f.syslog ? 'syslog' : (opts.source ?? 'unknown'), format: 'cef', syslog: f.syslog };
    fillTime(d, f.syslog?.time);
    return d;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(f.payload);
  } catch (err) {
    throw new NormalizeError('bad_json', `invalid JSON: ${(err as Error).message}`);
  }
  if (tooDeep(parsed))
    throw new NormalizeError('bad_json', `the JSON nests deeper than ${MAX_RECORD_DEPTH} levels`);
  d = mapRecord(parsed, instance, f.syslog?.rfc ? f.syslog : undefined);
  if (!f.syslog?.rfc) d.origin = { source: opts.source ?? 'unknown', format: 'json', syslog: f.syslog };
  if (opts.source && !f.syslog?.rfc) d.origin.source = opts.source;
  return d;
}

/**
 * One line (raw JSON, `darktrace {json}`, RFC 5424/3164 syslog, CEF) or one parsed record → Detection.
 * Throws only NormalizeError: anything else a mapper might throw is wrapped, so a caller can always
 * dead-letter the input with a reason.
 */
export function normalize(input: string | object, opts: NormalizeOptions = {}): Detection {
  try {
    const d = normalizeUnchecked(input, opts);
    if (d.url === undefined && opts.baseUrl) d.url = linkFor(d, opts.baseUrl);
    return d;
  } catch (err) {
    if (err instanceof NormalizeError) throw err;
    throw new NormalizeError('bad_record', `internal error: ${(err as Error)?.message ?? String(err)}`);
  }
}

export function render(d: Detection, format: Format): string {
  switch (format) {
    case 'ecs':
      return renderEcs(d);
    case 'ocsf':
      return renderOcsf(d);
    case 'cef':
      return renderCef(d);
    case 'leef':
      return renderLeef(d);
    case 'json':
      return renderJson(d);
  }
}

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}
