// Request verification as an appliance does it (API doc §3.3, §4): the DTAPI headers, the date
// window, the HMAC over any candidate signed target, and the appliance's exact error answers.
import { parseDtapiDate, signature, signaturesEqual } from '../darktrace/signing.ts';

export interface SimUser {
  publicToken: string;
  privateToken: string;
  /** Catalog names (`modelBreaches.acknowledge`) or path prefixes (`/antigena`) this user may not use. */
  denied: string[];
  deniedStatus: 302 | 403;
  username: string;
}

export interface Refusal {
  status: number;
  body: string;
  contentType: string;
  location?: string;
}

export const DATE_WINDOW_MS = 30 * 60_000;

/** `{"<first path segment>": "<message>"}`, pretty-printed as the appliance does (LAB sizes). */
export function segmentError(path: string, message: string): Refusal {
  const seg = path.split('/').filter(Boolean)[0] ?? '';
  return {
    status: 400,
    body: JSON.stringify({ [seg]: message }, null, 2),
    contentType: 'application/json; charset=utf-8',
  };
}

export function redirect(to: '/login' | '/403'): Refusal {
  return {
    status: 302,
    body: `Found. Redirecting to ${to}`,
    contentType: 'text/plain; charset=utf-8',
    location: to,
  };
}

export function forbidden(): Refusal {
  return {
    status: 403,
    body: JSON.stringify({ error: '403 Forbidden' }),
    contentType: 'application/json; charset=utf-8',
  };
}

/** Form/query decoding: `+` is a space, then percent-decoding (left as is when malformed). */
export function formDecode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

export interface VerifyInput {
  method: string;
  /** Path as received, percent-encoding included. */
  path: string;
  /** Raw query string (without `?`), as received. */
  query: string;
  rawBody: string | undefined;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

const header = (h: VerifyInput['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The signed targets a correct client may have used for this request (§3.3). */
export function candidateTargets(i: VerifyInput): string[] {
  const out: string[] = [];
  const body = i.rawBody ?? '';
  const isJson = (i.contentType ?? '').includes('json');
  if (i.method === 'POST' && body.length > 0) {
    out.push(`${i.path}?${body}`);
    // JSON POSTs sign only the body (LAB: path?query&{json} and path?query fail).
    if (isJson) return out;
    out.push(`${i.path}?${formDecode(body)}`);
  }
  if (i.query) {
    out.push(`${i.path}?${i.query}`);
    out.push(`${i.path}?${formDecode(i.query)}`);
  } else {
    out.push(i.path);
    // A POST without a body is signed as `path?` by clients that always add the separator.
    if (i.method === 'POST') out.push(`${i.path}?`);
  }
  return out;
}

export type VerifyResult = { ok: true; user: SimUser } | { ok: false; refusal: Refusal };

/**
 * Verifies one request. Order: credentials present and token known (else 302 /login), date parsable
 * and within ±30 min of the server clock (else API DATE ERROR), HMAC (else API SIGNATURE ERROR).
 */
export function verify(
  i: VerifyInput,
  users: Map<string, SimUser>,
  revoked: ReadonlySet<string>,
  serverNow: number,
): VerifyResult {
  const token = header(i.headers, 'dtapi-token');
  const sig = header(i.headers, 'dtapi-signature');
  const date = header(i.headers, 'dtapi-date');
  if (!token || !sig) return { ok: false, refusal: redirect('/login') };
  const user = users.get(token);
  if (!user || revoked.has(token)) return { ok: false, refusal: redirect('/login') };
  const when = date ? parseDtapiDate(date.trim()) : undefined;
  if (when === undefined || Math.abs(when - serverNow) > DATE_WINDOW_MS) {
    return { ok: false, refusal: segmentError(i.path, 'API DATE ERROR') };
  }
  for (const target of candidateTargets(i)) {
    const expected = signature({ target, publicToken: token, privateToken: user.privateToken, date: date! });
    if (signaturesEqual(expected, sig)) return { ok: true, user };
  }
  return { ok: false, refusal: segmentError(i.path, 'API SIGNATURE ERROR') };
}

/** Whether `user` may call the endpoint `name` at `path`. */
export function permitted(user: SimUser, name: string, path: string): boolean {
  for (const d of user.denied) {
    if (d === name) return false;
    if (
      d.startsWith('/') &&
      (path === d || path.startsWith(d.endsWith('/') ? d : `${d}/`) || path.startsWith(`${d}?`))
    )
      return false;
  }
  return true;
}
