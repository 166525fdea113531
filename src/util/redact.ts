// How a secret is hidden, for everything that shows or logs a sink destination or a spec's values.
// Which fields are secret is declared once, in each component's spec (`secret()` in ./spec.ts); this
// file only applies that: the URL with those parts replaced, and the secret values themselves so that
// a message built from anything else (a server's answer, a client library's error) can be scrubbed too.

export const REDACTED = 'redacted';

/**
 * The URL with its credentials replaced by `redacted`: the password, a user name given without a
 * password (NATS and many APIs take a bare token there), the query parameters named in `secret`, and,
 * with `allQuery`, every query parameter (a webhook's own, whose meaning we cannot know).
 */
export function redactUrl(url: URL | string, secret: readonly string[] = [], allQuery = false): string {
  let c: URL;
  try {
    c = new URL(typeof url === 'string' ? url : url.href);
  } catch {
    return String(url);
  }
  const before = c.href;
  if (c.password) c.password = REDACTED;
  else if (c.username) c.username = REDACTED;
  for (const k of [...new Set(c.searchParams.keys())])
    if (allQuery || secret.includes(k)) c.searchParams.set(k, REDACTED);
  return c.href === before && typeof url === 'string' ? url : c.href;
}

/** `redactUrl` for text that may not be a URL: that comes back as it was. */
export const redactUrlText = (url: string, secret: readonly string[] = []): string => redactUrl(url, secret);

/**
 * The secret values a URL (and a sink's secret options) carry, in every spelling a message might show
 * them (as written in the URL, decoded, and as a Basic authorization), longest first. Values shorter
 * than 4 characters are left out: replacing `a` in every message would hide more than it protects, and
 * no real credential is that short.
 */
export function secretValues(
  url: string,
  secret: readonly string[] = [],
  allQuery = false,
  more: readonly string[] = [],
): string[] {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {}
  const raw: string[] = [...more];
  const all = new Set<string>();
  if (u) {
    if (u.password) raw.push(u.password);
    else if (u.username) raw.push(u.username);
    for (const [k, v] of u.searchParams) if (allQuery || secret.includes(k)) raw.push(v);
    // The Authorization header a sink makes of them (Basic base64(user:password)), which a server may echo.
    if (u.password)
      all.add(Buffer.from(`${safeDecode(u.username)}:${safeDecode(u.password)}`).toString('base64'));
  }
  for (const v of raw) {
    for (const form of [v, safeDecode(v), encodeURIComponent(safeDecode(v))])
      if (form.length >= 4) all.add(form);
  }
  return [...all].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of the given secret values replaced by `redacted`. */
export function scrubSecrets(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
