// Small request/response helpers shared by the route handlers.
import type { Readable } from 'node:stream';
import { parseDtapiDate } from '../darktrace/signing.ts';

/** An answer that is not plain JSON (binary, pre-serialised text, or a stream). */
export class Raw {
  constructor(
    readonly body: string | Buffer | Readable,
    readonly contentType = 'application/json; charset=utf-8',
    readonly status = 200,
  ) {}
}

/** Thrown by handlers: answered with `status` and `body` (JSON). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(
      typeof body === 'object' && body && 'error' in body ? String((body as { error: unknown }).error) : '',
    );
  }
}

export const badRequest = (error: string) => new HttpError(400, { error });
export const notFound = (error: string) => new HttpError(404, { error });

/** Parameters from the body (form or JSON) first, then the URL query, as the appliance reads both. */
export class Params {
  constructor(
    readonly query: URLSearchParams,
    readonly body: Record<string, unknown>,
  ) {}

  has(name: string): boolean {
    return this.body[name] !== undefined || this.query.has(name);
  }

  raw(name: string): unknown {
    if (this.body[name] !== undefined) return this.body[name];
    return this.query.get(name) ?? undefined;
  }

  str(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : String(v);
  }

  all(name: string): string[] {
    const b = this.body[name];
    if (Array.isArray(b)) return b.map(String);
    if (b !== undefined) return [String(b)];
    return this.query.getAll(name);
  }

  num(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) throw badRequest(`Invalid value for parameter ${name}`);
    return n;
  }

  int(name: string): number | undefined {
    const n = this.num(name);
    return n === undefined ? undefined : Math.trunc(n);
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined || v === '') return dflt;
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    return s === 'true' || s === '1';
  }

  require(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw badRequest(`Missing required parameter ${name}`);
    return v;
  }
}

/** `from`/`to` strings: `YYYY-MM-DD HH:MM:SS` (UTC) or ISO 8601, the forms clients send. */
export function parseTimeString(s: string): number | undefined {
  const t = s.trim();
  if (/^\d+$/.test(t)) return Number(t);
  return parseDtapiDate(t) ?? (Number.isNaN(Date.parse(t)) ? undefined : Date.parse(t));
}

/**
 * The time window of a query: starttime/endtime (ms) or from/to (strings). With neither, the default
 * span before `now`; with only a start, up to now; with only an end, `span` before it.
 */
export function timeWindow(
  p: Params,
  now: number,
  span: number,
  cap?: number,
): { start: number; end: number; given: boolean } {
  let start = p.num('starttime');
  let end = p.num('endtime');
  const from = p.str('from');
  const to = p.str('to');
  if (start === undefined && from !== undefined) {
    start = parseTimeString(from);
    if (start === undefined) throw badRequest('Invalid value for parameter from');
  }
  if (end === undefined && to !== undefined) {
    end = parseTimeString(to);
    if (end === undefined) throw badRequest('Invalid value for parameter to');
  }
  const given = start !== undefined || end !== undefined;
  if (end === undefined) end = start !== undefined && start > now ? start : now;
  if (start === undefined) start = end - span;
  if (cap !== undefined && end - start > cap) start = end - cap;
  return { start, end, given };
}

/** `responsedata=<field>`: keep only that top-level field (of the object, or of each element). */
export function trimResponse(value: unknown, field: string | undefined): unknown {
  if (!field) return value;
  const pick = (v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && field in (v as object)
      ? { [field]: (v as Record<string, unknown>)[field] }
      : v;
  return Array.isArray(value) ? value.map(pick) : pick(value);
}
