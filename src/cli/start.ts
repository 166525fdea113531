// `dtc start`: run the collector service until SIGTERM/SIGINT, then stop cleanly. Declaration only; the
// service (store, fastify, pollers, sinks) is loaded when the command runs.
import type { Command } from 'commander';
import type { StartFlags } from './actions/start.ts';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'run the collector service: pollers and the HTTP API (a simulated demo instance when none is configured)',
    )
    .option('--data-dir <dir>', 'where the store and the secret key live (default ./data or $DTC_DATA_DIR)')
    .option('--port <port>', 'HTTP API port (default 8080)')
    .option('--host <host>', 'HTTP API address (default 127.0.0.1)')
    .option('--config <file>', 'declarative config file (YAML or JSON)')
    .option('--no-demo', 'do not start the embedded simulator when no instance is configured')
    .option('--syslog-tcp <port>', 'receive Darktrace syslog over TCP (LF or octet-counted) on this port')
    .option('--syslog-udp <port>', 'receive Darktrace syslog over UDP on this port')
    .option(
      '--syslog-tls <port>',
      'receive Darktrace syslog over TLS on this port (with --tls-key, --tls-cert)',
    )
    .option('--syslog-host <address>', 'address the syslog listeners bind (default 127.0.0.1)')
    .option('--tls-key <file>', 'PEM private key: HTTPS for the API, and --syslog-tls')
    .option('--tls-cert <file>', 'PEM certificate: HTTPS for the API, and --syslog-tls')
    .option('--insecure-http', 'allow plain HTTP when --host is beyond loopback (a TLS proxy in front)')
    .option(
      '--allowed-hosts <names>',
      'beyond loopback: the host names clients reach the API by (comma-separated)',
    )
    .option(
      '--sink <format:destination>',
      'deliver detections, e.g. ecs:file:///var/log/dt.ndjson, cef:syslog+tcp://127.0.0.1:5514, json:https://siem.example/hook, ecs:elasticsearch://127.0.0.1:9200/darktrace, ocsf:nats://127.0.0.1:4222/darktrace (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(async (flags: StartFlags) => (await import('./actions/start.ts')).runStart(flags));
}
