// Worker thread for the syslog receiver: normalises batches of lines (pure CPU) while the main thread
// appends the previous batch to SQLite. Rows go back without their `raw` text: the receiver still holds
// the lines and puts them back by index, which saves copying every line a second time.
import { parentPort } from 'node:worker_threads';
import { prepareRecords } from './ingest.ts';

parentPort!.on('message', (m: { id: number; instance: string; source: string; lines: string[] }) => {
  try {
    const batch = prepareRecords(m.instance, m.source, m.lines, 'syslog');
    for (const r of batch.rows) r.raw = '';
    parentPort!.postMessage({ id: m.id, batch });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
