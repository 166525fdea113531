// `dtc simulator`: run the Darktrace appliance simulator until interrupted. Declaration only; the
// simulator (fastify and the seeded network) is loaded when the command runs.
import type { Command } from 'commander';
import type { SimulatorFlags } from './actions/simulator.ts';

const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${v}"`);
  return n;
};

export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('Run a simulated Darktrace appliance (signed API, seeded data, live breaches, faults)')
    .requiredOption('--public-token <token>', 'public API token clients must sign with')
    .requiredOption('--private-token <token>', 'private API token (HMAC key)')
    .option('--port <port>', 'port to listen on (0 = any free port)', num('port'), 8443)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--seed <n>', 'seed of the generated network', num('seed'), 1)
    .option('--history <count>', 'breaches already there at start', num('history'), 2000)
    .option('--history-days <days>', 'days the history is spread over', num('history-days'), 7)
    .option('--rate <perMinute>', 'new breaches a minute while running', num('rate'), 2)
    .option('--max-lag <minutes>', 'upper bound of creationTime - time', num('max-lag'), 15)
    .option('--tls-key <file>', 'serve HTTPS with this key (PEM)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--latency <ms>', 'added latency per request', num('latency'), 0)
    .option('--error-rate <share>', 'share of requests answered with --error-status', num('error-rate'), 0)
    .option('--error-status <code>', '500, 503 or 429', num('error-status'), 500)
    .option('--truncate-rate <share>', 'share of bodies cut in the middle', num('truncate-rate'), 0)
    .option('--clock-skew <seconds>', 'skew of the server clock', num('clock-skew'), 0)
    .option('--log', 'log requests')
    .action(async (o: SimulatorFlags) => (await import('./actions/simulator.ts')).runSimulator(o));
}
