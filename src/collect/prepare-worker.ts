// Worker thread body for backfill: fetch a window and normalise it into store rows with their JSON
// serialised, so the main thread only writes. One DarktraceClient per worker (its own clock offset).
// The prepared rows stay here until the main thread pulls them a page at a time (see prepare-pool.ts);
// the parsed records are let go as soon as they are normalised.
import { parentPort, workerData } from 'node:worker_threads';
import { DarktraceClient, type DarktraceClientOptions } from '../darktrace/index.ts';
import { prepareRecords } from './ingest.ts';
import { batchBytes, STREAMS } from './poller.ts';
import type { PreparedBatch } from './types.ts';

type Job =
  | { op: 'fetch'; id: number; stream: string; window: { start: number; end: number }; minScore: number }
  | { op: 'page'; id: number; index: number }
  | { op: 'drop'; id: number };

const port = parentPort!;
const {
  client: clientOptions,
  instance,
  pageSize,
} = workerData as {
  client: DarktraceClientOptions;
  instance: string;
  pageSize: number;
};
const log = (level: 'warn' | 'error') => (msg: string) => port.postMessage({ log: level, msg });
const client = new DarktraceClient({
  ...clientOptions,
  logger: { debug() {}, info() {}, warn: log('warn'), error: log('error') },
});

/** The one window this worker holds, cut into pages. */
let held: { id: number; pages: PreparedBatch[] } | undefined;

async function fetchWindow(job: Extract<Job, { op: 'fetch' }>) {
  held = undefined;
  const spec = STREAMS.find((s) => s.name === job.stream);
  if (!spec) throw new Error(`unknown stream ${job.stream}`);
  const items = await spec.fetch(client, job.window, { minScore: job.minScore });
  const fetched = items.length;
  const source = `poll:${instance}:${job.stream}`;
  const pages: PreparedBatch[] = [];
  let bytes = 0;
  // Page by page, dropping each page's parsed records once normalised, so the window is held once.
  for (let i = 0; i < items.length; i += pageSize) {
    const end = Math.min(items.length, i + pageSize);
    const page = prepareRecords(instance, source, items.slice(i, end), 'api', client.url);
    bytes += batchBytes(page);
    pages.push(page);
    items.fill(undefined, i, end);
  }
  held = { id: job.id, pages };
  port.postMessage({ id: job.id, fetched, bytes, pages: pages.length });
}

port.on('message', async (job: Job) => {
  try {
    if (job.op === 'fetch') return await fetchWindow(job);
    if (job.op === 'drop') {
      if (held?.id === job.id) held = undefined;
      return;
    }
    if (held?.id !== job.id) throw new Error(`window ${job.id} is not held here`);
    const page = held.pages[job.index];
    if (!page) throw new Error(`window ${job.id} has no page ${job.index}`);
    held.pages[job.index] = undefined as unknown as PreparedBatch; // sent: let it go
    port.postMessage({ id: job.id, page });
  } catch (err) {
    const e = err as Error & { status?: number; code?: string };
    port.postMessage({
      id: job.id,
      error: { name: e.name, message: e.message, status: e.status, code: e.code },
    });
  }
});
