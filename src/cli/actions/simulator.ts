// The work behind `dtc simulator` (declared in ../simulator.ts).
import { readFileSync } from 'node:fs';
import { startSimulator } from '../../simulator/index.ts';

export interface SimulatorFlags {
  publicToken: string;
  privateToken: string;
  port: number;
  host: string;
  seed: number;
  history: number;
  historyDays: number;
  rate: number;
  maxLag: number;
  tlsKey?: string;
  tlsCert?: string;
  latency: number;
  errorRate: number;
  errorStatus: number;
  truncateRate: number;
  clockSkew: number;
  log?: boolean;
}

export async function runSimulator(o: SimulatorFlags): Promise<void> {
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
    tls: o.tlsKey && o.tlsCert ? { key: readFileSync(o.tlsKey), cert: readFileSync(o.tlsCert) } : undefined,
    faults: {
      latencyMs: o.latency,
      errorRate: o.errorRate,
      errorStatus: o.errorStatus as 500 | 503 | 429,
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
}
