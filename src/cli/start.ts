// `dtc start`: run the collector service until SIGTERM/SIGINT, then stop cleanly. Declaration only; the
// service (store, fastify, pollers, sinks) is loaded when the command runs. The API's and the syslog
// listener's flags, their help and their defaults are derived from those components' specs.
import { type Command, Option } from 'commander';
import { syslogSpec } from '../collect/listener.ts';
import { apiSpec } from '../server/spec.ts';
import { type DerivedFlag, flagsOf } from '../util/spec.ts';
import type { StartFlags } from './actions/start.ts';

/** A spec field set by a `dtc start` flag: `api.port`, `syslog.tcpPort`, … */
export interface StartSpecFlag extends DerivedFlag {
  section: 'api' | 'syslog';
}

/**
 * Every flag derived from the specs. One flag may set a field of each (`--tls-key`: HTTPS for the API
 * and the syslog TLS listener's key). `syslog.defaultInstance` is a refused legacy key, not a setting.
 */
export const START_SPEC_FLAGS: StartSpecFlag[] = [
  ...flagsOf(apiSpec).map((f) => ({ ...f, section: 'api' as const })),
  ...flagsOf(syslogSpec)
    .filter((f) => f.path[0] !== 'defaultInstance')
    .map((f) => ({ ...f, section: 'syslog' as const })),
];

/** The flags of `dtc start` that are no spec field: where the service lives and what it runs. */
export const START_OWN_FLAGS = ['--data-dir', '--config', '--no-demo', '--sink'];

export function registerStart(program: Command): void {
  const cmd = program
    .command('start')
    .description(
      'run the collector service: pollers and the HTTP API (a simulated demo instance when none is configured)',
    )
    .option('--data-dir <dir>', 'where the store and the secret key live (default ./data or $DTC_DATA_DIR)')
    .option('--config <file>', 'declarative config file (YAML or JSON); these flags override it')
    .option('--no-demo', 'do not start the embedded simulator when no instance is configured');
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
