// Credentials in URLs, for everything that shows or stores a sink destination: what counts as a
// secret in a URL, the URL with those parts replaced, and the secret values themselves so that a
// message built from anything else (a server's answer, a client library's error) can be scrubbed too.
// Shared by src/deliver/ (listings, messages) and src/store/ (which refuses to keep them).

/** Query parameter names whose values are credentials (`token`, `apiKey`, `password`, `sig`, ...). */
export const SECRET_NAME = /token|secret|passw|^pass$|key|auth|credential|^sig$|signature|session/i;

export const REDACTED = 'redacted';

/**
 * The URL with its credentials replaced by `redacted`: the password, a user name given without a
 * password (NATS and many APIs take a bare token there), and every query parameter whose name says
 * it is a secret (`extra` adds names, e.g. a sink's fields marked secret).
 */
export function redactUrl(u: URL, extra: readonly string[] = []): string {
  const c = new URL(u.href);
  if (c.password) c.password = REDACTED;
  else if (c.username) c.username = REDACTED;
  for (const k of [...new Set(c.searchParams.keys())])
    if (SECRET_NAME.test(k) || extra.includes(k)) c.searchParams.set(k, REDACTED);
  return c.href;
}

/** `redactUrl` for a string: one that is not a URL, or has nothing to redact, comes back as it was. */
export function redactUrlText(url: string, extra: readonly string[] = []): string {
  try {
    const u = new URL(url);
    const r = redactUrl(u, extra);
    return r === u.href ? url : r;
  } catch {
    return url;
  }
}

/**
 * The secret values a URL carries, in every spelling a message might show them (as written in the
 * URL, decoded, and as a Basic authorization), longest first. Values shorter than 4 characters are left out: replacing `a` in
 * every message would hide more than it protects, and no real credential is that short.
 */
export function secretValuesOf(url: string, extra: readonly string[] = []): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  const raw: string[] = [];
  if (u.password) raw.push(u.password);
  else if (u.username) raw.push(u.username);
  for (const [k, v] of u.searchParams) if (SECRET_NAME.test(k) || extra.includes(k)) raw.push(v);
  const all = new Set<string>();
  // The Authorization header a sink makes of them (Basic base64(user:password)), which a server may echo.
  if (u.password)
    all.add(Buffer.from(`${safeDecode(u.username)}:${safeDecode(u.password)}`).toString('base64'));
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
