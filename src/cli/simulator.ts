// `dtc simulator`: run the Darktrace appliance simulator until interrupted.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { startSimulator } from '../simulator/index.ts';

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
    .action(async (o) => {
      if (!o.publicToken || !o.privateToken)
        throw new Error('--public-token and --private-token must not be empty');
      if ((o.tlsKey && !o.tlsCert) || (!o.tlsKey && o.tlsCert))
        throw new Error('--tls-key and --tls-cert go together');
      if (![500, 503, 429].includes(o.errorStatus)) throw new Error('--error-status must be 500, 503 or 429');
      const sim = await startSimulator({
        port: o.port,
        host: o.host,
        publicToken: o.publicToken,
        privateToken: o.privateToken,
        seed: o.seed,
        history: { count: o.history, days: o.historyDays },
        ratePerMinute: o.rate,
        maxCreationLagMinutes: o.maxLag,
        tls: o.tlsKey ? { key: readFileSync(o.tlsKey), cert: readFileSync(o.tlsCert) } : undefined,
        faults: {
          latencyMs: o.latency,
          errorRate: o.errorRate,
          errorStatus: o.errorStatus,
          truncateRate: o.truncateRate,
          clockSkewSeconds: o.clockSkew,
        },
        logger: !!o.log,
      });
      process.stdout.write(`Darktrace simulator listening on ${sim.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          sim.close().then(resolve, resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
