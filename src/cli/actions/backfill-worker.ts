// Worker thread body for `dtc backfill` (see backfill.ts): runs the backfill and posts its progress,
// warnings and summary to the main thread, which draws and prints them.
import { parentPort, workerData } from 'node:worker_threads';
import { type BackfillJob, type BackfillMessage, runBackfill } from './backfill.ts';

const port = parentPort!;
const post = (m: BackfillMessage) => port.postMessage(m);
const abort = new AbortController();
port.on('message', (m: { abort?: boolean }) => {
  if (m.abort) abort.abort();
});

try {
  const report = await runBackfill(
    workerData as BackfillJob,
    abort.signal,
    (progress) => post({ progress }),
    (line) => post({ stderr: line }),
  );
  post({ done: report });
} catch (err) {
  const e = err as Error;
  post({ error: { name: e.name, message: e.message } });
}
