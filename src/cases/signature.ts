// Webhook signatures: HMAC-SHA256 of the raw body under the connector's shared secret, compared in
// constant time. Jira sends it as `sha256=<hex>` (WebSub); a ServiceNow script most easily makes base64.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha256(secret: string, body: string, encoding: 'hex' | 'base64'): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest(encoding);
}

/** Whether `given` (a header's value) is the body's signature, `prefix` included (e.g. `sha256=`). */
export function signatureMatches(
  given: string | string[] | undefined,
  secret: string,
  body: string,
  o: { encoding: 'hex' | 'base64'; prefix?: string },
): boolean {
  if (typeof given !== 'string') return false;
  const want = Buffer.from(`${o.prefix ?? ''}${hmacSha256(secret, body, o.encoding)}`);
  const got = Buffer.from(given.trim());
  return got.length === want.length && timingSafeEqual(got, want);
}
