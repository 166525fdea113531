// Worker thread body for backfill: fetch a window and normalise it into store rows with their JSON
// serialised, so the main thread only writes. One DarktraceClient per worker (its own clock offset).
import { parentPort, workerData } from 'node:worker_threads';
import { DarktraceClient, type DarktraceClientOptions } from '../darktrace/index.ts';
import { prepareRecords } from './ingest.ts';
import { STREAMS } from './poller.ts';

interface Job {
  id: number;
  stream: string;
  window: { start: number; end: number };
  minScore: number;
}

const port = parentPort!;
const { client: clientOptions, instance } = workerData as {
  client: DarktraceClientOptions;
  instance: string;
};
const log = (level: 'warn' | 'error') => (msg: string) => port.postMessage({ log: level, msg });
const client = new DarktraceClient({
  ...clientOptions,
  logger: { debug() {}, info() {}, warn: log('warn'), error: log('error') },
});

port.on('message', async (job: Job) => {
  try {
    const spec = STREAMS.find((s) => s.name === job.stream);
    if (!spec) throw new Error(`unknown stream ${job.stream}`);
    const items = await spec.fetch(client, job.window, { minScore: job.minScore });
    const batch = prepareRecords(instance, `poll:${instance}:${job.stream}`, items, 'api', client.url);
    port.postMessage({ id: job.id, fetched: items.length, batch });
  } catch (err) {
    const e = err as Error & { status?: number; code?: string };
    port.postMessage({
      id: job.id,
      error: { name: e.name, message: e.message, status: e.status, code: e.code },
    });
  }
});
