// Options several subcommands share. Declaring them loads nothing heavy: the store and the SDK are
// imported by the actions that use them (src/cli/actions/), so `dtc --help` stays fast.
import { type Command, Option } from 'commander';

/** The service data directory, for the commands that work on its store (`dtc instance`, `dtc sink`, …). */
export const dataDirOption = () =>
  new Option('--data-dir <dir>', 'the service data directory').env('DTC_DATA_DIR').default('data');

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

/**
 * Options of every command that talks to an appliance directly. Tokens may come from the environment so
 * they stay out of shell history and `ps`.
 */
export function addConnectionOptions(cmd: Command, group?: string): Command {
  const opts = [
    new Option('--url <url>', 'appliance base URL, e.g. https://dt.example.com').env('DTC_URL'),
    new Option('--public-token <token>', 'API public token').env('DTC_PUBLIC_TOKEN'),
    new Option('--private-token <token>', 'API private token (prefer the env variable)').env(
      'DTC_PRIVATE_TOKEN',
    ),
    new Option('--insecure', 'skip TLS certificate verification (self-signed appliances)'),
    new Option('--ca-file <path>', 'PEM CA bundle to trust for the appliance certificate'),
    new Option('--proxy <url>', 'HTTP(S) proxy').env('HTTPS_PROXY'),
    new Option('--timeout <ms>', 'request timeout in milliseconds').default('30000'),
    new Option('--retries <n>', 'retries on 429, 5xx and network errors').default('3'),
  ];
  for (const o of opts) cmd.addOption(group ? o.helpGroup(group) : o);
  return cmd;
}
