// Turns a catalog entry and its parameters into the exact bytes that go on the wire, and the target
// that gets signed. Kept apart from the transport so the signing rules are testable without a socket.
import type { EndpointSpec, Params, ParamValue } from './endpoints.ts';
import { UnknownParamError } from './schema.ts';
import { signedTarget } from './signing.ts';

export interface WireRequest {
  method: string;
  /** Path as sent (path parameters filled and percent-encoded), without the query. */
  path: string;
  /** Query string as sent (encoded), without `?`; empty when none. */
  query: string;
  body?: string;
  contentType?: string;
  /** What the signature covers (API doc §3.2). */
  target: string;
}

// Characters that are legal in a query value and that Darktrace clients leave as they are; keeping
// them makes the sent query equal to the signed one for every common value (ids, times, lists).
const KEEP = /%(3A|2C|2F|40)/g;
const KEPT: Record<string, string> = { '3A': ':', '2C': ',', '2F': '/', '40': '@' };

export function encodeValue(v: string): string {
  return encodeURIComponent(v).replace(KEEP, (_, hex: string) => KEPT[hex]);
}

function valueText(v: Exclude<ParamValue, null | undefined>): string {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `k=v&k=v` pairs in insertion order, skipping absent values; `raw` leaves values unencoded. */
export function toPairs(params: Params, raw: boolean): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const text = valueText(v);
    out.push(`${encodeValue(k)}=${raw ? text : encodeValue(text)}`);
  }
  return out.join('&');
}

export function buildRequest(spec: EndpointSpec, params: Params = {}): WireRequest {
  for (const name of Object.keys(params)) {
    if (!spec.params.includes(name))
      throw new UnknownParamError(name, `${spec.method} ${spec.path}`, spec.params);
  }
  const rest: Params = { ...params };
  const path = spec.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = rest[name];
    if (v === undefined || v === null || v === '') {
      throw new TypeError(`missing path parameter "${name}" for ${spec.method} ${spec.path}`);
    }
    delete rest[name];
    return encodeURIComponent(valueText(v));
  });

  if (spec.body === 'json') {
    const body = JSON.stringify(dropAbsent(rest));
    return {
      method: spec.method,
      path,
      query: '',
      body,
      contentType: 'application/json',
      target: signedTarget(spec.method, path, '', body),
    };
  }
  if (spec.body === 'form') {
    const body = toPairs(rest, false);
    return {
      method: spec.method,
      path,
      query: '',
      body,
      contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
      target: signedTarget(spec.method, path, '', body),
    };
  }
  // GET/DELETE: the query is sent encoded and signed unencoded, as Darktrace's guide documents and as
  // the Python connectors do; the appliance accepts both forms (API doc §3.2).
  const query = toPairs(rest, false);
  return {
    method: spec.method,
    path,
    query,
    target: signedTarget(spec.method, path, toPairs(rest, true), undefined),
  };
}

function dropAbsent(p: Params): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = v;
  return out;
}
