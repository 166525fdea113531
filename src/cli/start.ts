// `dtc start`: run the collector service until SIGTERM/SIGINT, then stop cleanly. Declaration only; the
// service (store, fastify, pollers, sinks) is loaded when the command runs. The API's and the syslog
// listener's flags, their help and their defaults are derived from those components' specs.
import { type Command, Option } from 'commander';
import { START_SPEC_FLAGS, type StartFlags } from './start-flags.ts';

export function registerStart(program: Command): void {
  const cmd = program
    .command('start')
    .description(
      'run the collector service: pollers and the HTTP API (a simulated demo instance when none is configured)',
    )
    .option('--data-dir <dir>', 'where the store and the secret key live (default ./data or $DTC_DATA_DIR)')
    .option('--config <file>', 'declarative config file (YAML or JSON); these flags override it')
    .option('--no-demo', 'do not start the embedded simulator when no instance is configured')
    .addOption(
      new Option(
        '--store <url>',
        'keep the data in PostgreSQL, postgres://user:password@host:5432/db (default: SQLite in the data directory)',
      ).env('DTC_STORE_URL'),
    )
    .addOption(
      new Option(
        '--replica-id <id>',
        "this replica's id among those sharing a PostgreSQL store, in every appliance request's User-Agent (default host-pid-random)",
      ).env('DTC_REPLICA_ID'),
    );
  const added = new Set<string>();
  for (const f of START_SPEC_FLAGS) {
    if (added.has(f.flag)) continue;
    added.add(f.flag);
    const shown = f.default && !['false', '{}', '[]'].includes(f.default) ? ` (default ${f.default})` : '';
    const help = `${f.flag.startsWith('--syslog') ? 'syslog: ' : ''}${f.description}${shown}`;
    cmd.addOption(new Option(`${f.flag}${f.arg ? ` ${f.arg}` : ''}`, help));
  }
  cmd
    .option(
      '--sink <format:destination>',
      'deliver detections, e.g. ecs:file:///var/log/dt.ndjson, cef:syslog+tcp://127.0.0.1:5514, json:https://siem.example/hook, ecs:elasticsearch://127.0.0.1:9200/darktrace, ocsf:nats://127.0.0.1:4222/darktrace (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (flags: StartFlags) => (await import('./actions/start.ts')).runStart(flags));
}
