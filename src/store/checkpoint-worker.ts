// Worker thread: copies the WAL into the database file (SQLite's checkpoint) on its own connection, so
// the writer's commits only append to the WAL. Passive checkpoints never block the writer; once the WAL
// has grown past a limit and is fully copied, a TRUNCATE checkpoint starts it over at zero bytes.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, intervalMs, truncateAboveBytes } = workerData as {
  path: string;
  intervalMs: number;
  truncateAboveBytes: number;
};
const db = new Database(path);
// TRUNCATE waits for the writer to finish its transaction: a short wait, then it tries at the next tick.
db.pragma('busy_timeout = 200');
const frames = Math.ceil(truncateAboveBytes / (db.pragma('page_size', { simple: true }) as number));

const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (r.log > frames && r.checkpointed === r.log) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
  }
};
const timer = setInterval(tick, intervalMs);
parentPort!.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
