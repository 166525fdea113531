// Worker thread for the syslog receiver: normalises batches of lines (pure CPU) while the main thread
// appends the previous batch to SQLite.
import { parentPort } from 'node:worker_threads';
import { prepareRecords } from './ingest.ts';

parentPort!.on('message', (m: { id: number; instance: string; source: string; lines: string[] }) => {
  try {
    parentPort!.postMessage({ id: m.id, batch: prepareRecords(m.instance, m.source, m.lines, 'syslog') });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
