// The TLS options every sink that connects over TLS takes (syslog+tls, HTTPS webhook, splunk+https,
// elasticsearch+https): `ca` to trust a private CA or a self-signed server certificate, `insecure` to
// skip verification. Declared once here and spread into each of those sinks' option specs.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { textBoolean } from '../util/spec.ts';

export const TLS_OPTIONS = {
  ca: z
    .string()
    .min(1)
    .optional()
    .describe('TLS: PEM CA file to trust (a private CA, or the server certificate itself)'),
  insecure: textBoolean().default(false).describe('TLS: skip certificate verification; for tests only'),
};

/**
 * The sink's TLS options, or undefined for the defaults (the system's CAs). The CA file is read here,
 * once, so a bad path stops the sink at start with the file named rather than at each connection.
 */
export function sinkTls(
  o: { ca?: string; insecure?: boolean },
  what: string,
): { ca?: string; insecure: boolean } | undefined {
  const insecure = o.insecure === true;
  if (!o.ca && !insecure) return undefined;
  if (!o.ca) return { insecure };
  try {
    return { ca: readFileSync(o.ca, 'utf8'), insecure };
  } catch (err) {
    throw new Error(`${what}: cannot read the CA file ${o.ca}: ${(err as Error).message}`);
  }
}
