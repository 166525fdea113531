// The console bench's data: ROWS realistic model breaches over 90 days, written through the store's own
// append path, and cached. Seeding a million takes minutes; the cache makes a re-run take seconds. A
// cached database is keyed by the schema (the last migration, a digest of the migrations) and the seed's parameters, built in a
// temporary folder and renamed into place only when complete, and copied for each run, so a run's
// writes (users, keys) never reach it. Delete bench/.cache/ to reseed.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '../../src/simulator/prng.ts';
import { type DetectionInput, openStore, type Store } from '../../src/store/index.ts';
import { MIGRATION_NAMES } from '../../src/store/migrations.ts';
import { MODEL_NAMES } from '../models.ts';

/** Bump when the generator below changes: old caches are then not reused. */
const SEED_VERSION = 1;
const DAY = 86_400_000;
/** Rows per appendDetections call, i.e. per transaction. */
const BATCH = 20_000;
const DB_FILE = 'dtc.sqlite';
export const SECRET = Buffer.alloc(32, 3);

const MODELS = MODEL_NAMES;
const INSTANCES = ['lab', 'prod', 'edge'];
// Most detections are low; a few are critical (as on an appliance).
const SEVERITIES = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5];

/** `n` breaches of `total`, spread over the 90 days before `now`, oldest first (deterministic). */
function rows(rng: Rng, from: number, n: number, total: number, now: number): DetectionInput[] {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    const model = rng.pick(MODELS);
    const host = `ws-${String(Math.floor(rng.next() * 5000)).padStart(4, '0')}.corp.example`;
    const ip = `10.${Math.floor(rng.next() * 256)}.${Math.floor(rng.next() * 256)}.${1 + Math.floor(rng.next() * 254)}`;
    const time = now - 90 * DAY + Math.floor((i * 90 * DAY) / total);
    const pbid = 1 + i;
    return {
      instance: rng.pick(INSTANCES),
      family: 'model_breach',
      nativeId: String(pbid),
      hash: String(pbid),
      eventTime: time,
      severity: rng.pick(SEVERITIES),
      title: model,
      description: `${model}: a device behaved unusually for this network`,
      hostnames: [host],
      ips: [ip],
      acknowledged: time < now - 7 * DAY && rng.next() < 0.8,
      source: 'api',
      raw: JSON.stringify({
        pbid,
        time,
        score: Number(rng.next().toFixed(3)),
        model: { name: model, pid: 100 + (i % 400), category: 'Suspicious' },
        device: { did: i % 5000, ip, hostname: host },
      }),
    };
  });
}

export interface Seeded {
  store: Store;
  /** The time the data ends at (its seeding's "now"): queries are relative to it. */
  now: number;
  /** Whether the database came from the cache. */
  cached: boolean;
  /** Seconds spent seeding (0 when cached) and copying. */
  seedSeconds: number;
  copySeconds: number;
  /** Closes the store and deletes this run's copy. */
  close(): Promise<void>;
}

/** A store holding `total` seeded detections: a fresh copy of the cached database, seeded first if needed. */
export async function seededStore(total: number, log: (line: string) => void): Promise<Seeded> {
  const cacheRoot = path.resolve(import.meta.dirname, '..', '.cache');
  // The schema by its last migration and a digest of the migrations' source (an index changed in place
  // during development must not reuse an old file).
  const schema = createHash('sha256')
    .update(readFileSync(path.resolve(import.meta.dirname, '..', '..', 'src', 'store', 'migrations.ts')))
    .digest('hex')
    .slice(0, 8);
  const name = `console-${MIGRATION_NAMES.at(-1)}-${schema}-rows${total}-v${SEED_VERSION}`;
  const cached = path.join(cacheRoot, name);
  let seedSeconds = 0;
  const hit = existsSync(path.join(cached, 'meta.json'));
  if (!hit) {
    mkdirSync(cacheRoot, { recursive: true });
    const building = mkdtempSync(path.join(cacheRoot, `${name}.building-`));
    const store = await openStore({ path: path.join(building, DB_FILE), secretKey: SECRET, env: {} });
    const now = Date.now();
    const rng = new Rng(0x5eed);
    const t0 = performance.now();
    for (let i = 0; i < total; i += BATCH) {
      await store.appendDetections(rows(rng, i, Math.min(BATCH, total - i), total, now));
      if ((i / BATCH) % 10 === 9)
        log(`seeding: ${(i + BATCH).toLocaleString('en')} of ${total.toLocaleString('en')}`);
    }
    seedSeconds = (performance.now() - t0) / 1000;
    await store.close(); // checkpoints the WAL into the file: one file to copy
    writeFileSync(path.join(building, 'meta.json'), JSON.stringify({ now, total, seedSeconds }));
    rmSync(cached, { recursive: true, force: true });
    renameSync(building, cached);
  }
  const { now } = JSON.parse(readFileSync(path.join(cached, 'meta.json'), 'utf8')) as { now: number };
  const run = mkdtempSync(path.join(tmpdir(), 'dtc-bench-console-'));
  const t1 = performance.now();
  copyFileSync(path.join(cached, DB_FILE), path.join(run, DB_FILE));
  const copySeconds = (performance.now() - t1) / 1000;
  const store = await openStore({ path: path.join(run, DB_FILE), secretKey: SECRET, env: {} });
  return {
    store,
    now,
    cached: hit,
    seedSeconds,
    copySeconds,
    async close() {
      await store.close();
      rmSync(run, { recursive: true, force: true });
    },
  };
}
