// The TLS options every sink that connects over TLS takes from its URL (syslog+tls, HTTPS webhook,
// splunk+https, elasticsearch+https): `?ca=` to trust a private CA or a self-signed server certificate,
// `?insecure=true` to skip verification.
import { readFileSync } from 'node:fs';
import type { SpecField } from './types.ts';

export const TLS_FIELDS: SpecField[] = [
  { name: 'ca', description: 'TLS: PEM CA file to trust (a private CA, or the server certificate itself)' },
  { name: 'insecure', description: 'TLS: skip certificate verification (1/true); for tests only' },
];

/**
 * The sink's TLS options, or undefined for the defaults (the system's CAs). The CA file is read here,
 * once, so a bad path stops the sink at start with the file named rather than at each connection.
 */
export function sinkTls(q: URLSearchParams, what: string): { ca?: string; insecure: boolean } | undefined {
  const caFile = q.get('ca');
  const insecure = q.get('insecure') === '1' || q.get('insecure') === 'true';
  if (!caFile && !insecure) return undefined;
  if (!caFile) return { insecure };
  try {
    return { ca: readFileSync(caFile, 'utf8'), insecure };
  } catch (err) {
    throw new Error(`${what}: cannot read the CA file ${caFile}: ${(err as Error).message}`);
  }
}
