// Options shared by every command that talks to an appliance directly. Tokens may come from the
// environment so they stay out of shell history and `ps`.
import { type Command, Option } from 'commander';
import { DarktraceClient, type Logger } from '../darktrace/index.ts';

export interface ConnectionFlags {
  url?: string;
  publicToken?: string;
  privateToken?: string;
  insecure?: boolean;
  caFile?: string;
  proxy?: string;
  timeout?: string;
  retries?: string;
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--url <url>', 'appliance base URL, e.g. https://dt.example.com').env('DTC_URL'))
    .addOption(new Option('--public-token <token>', 'API public token').env('DTC_PUBLIC_TOKEN'))
    .addOption(
      new Option('--private-token <token>', 'API private token (prefer the env variable)').env(
        'DTC_PRIVATE_TOKEN',
      ),
    )
    .option('--insecure', 'skip TLS certificate verification (self-signed appliances)')
    .option('--ca-file <path>', 'PEM CA bundle to trust for the appliance certificate')
    .addOption(new Option('--proxy <url>', 'HTTP(S) proxy').env('HTTPS_PROXY'))
    .option('--timeout <ms>', 'request timeout in milliseconds', '30000')
    .option('--retries <n>', 'retries on 429, 5xx and network errors', '3');
}

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
