// The SDK client a command builds from its connection flags (declared in options.ts). Loaded by actions
// only: it pulls in the SDK and undici.
import { DarktraceClient, type Logger } from '../darktrace/index.ts';
import type { ConnectionFlags } from './options.ts';

export type { ConnectionFlags } from './options.ts';

export const stderrLogger: Logger = {
  debug: () => {},
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};

export function clientFromFlags(f: ConnectionFlags): DarktraceClient {
  const missing = [
    !f.url && '--url (or DTC_URL)',
    !f.publicToken && '--public-token (or DTC_PUBLIC_TOKEN)',
    !f.privateToken && '--private-token (or DTC_PRIVATE_TOKEN)',
  ].filter(Boolean);
  if (missing.length)
    throw new Error(`missing ${missing.join(', ')}: say which appliance to call and with which token`);
  const timeoutMs = positiveInt(f.timeout, '--timeout');
  const retries = positiveInt(f.retries, '--retries');
  return new DarktraceClient({
    url: f.url!,
    publicToken: f.publicToken!,
    privateToken: f.privateToken!,
    timeoutMs,
    retries,
    tls: { insecure: f.insecure, caFile: f.caFile },
    proxy: f.proxy || undefined,
    logger: stderrLogger,
  });
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${v}"`);
  return n;
}
