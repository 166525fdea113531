// A seeded SQLite store for the benchmarks that read a large history (bench:console, bench:report):
// seeding a million detections through the store's own append path takes minutes, so the database is
// cached in bench/.cache/, keyed by the schema (the last migration and a digest of the migrations'
// source, so an index changed in place during development does not reuse an old file) and the seed's
// parameters. It is built in a temporary folder and renamed into place only when complete, and copied
// for each run, so a run's writes never reach it. Delete bench/.cache/ to reseed.
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
import { Rng } from '../src/simulator/prng.ts';
import { type DetectionInput, openStore, type Store } from '../src/store/index.ts';
import { MIGRATION_NAMES } from '../src/store/migrations.ts';

const DB_FILE = 'dtc.sqlite';
/** Rows per appendDetections call, i.e. per transaction. */
const BATCH = 20_000;

export interface CachedStore<M> {
  store: Store;
  /** This run's copy of the database file. */
  path: string;
  /** What the seeding fixed besides the random numbers (its "now", say), kept with the cache. */
  meta: M;
  /** Whether the database came from the cache. */
  cached: boolean;
  /** Seconds spent seeding (0 when cached) and copying. */
  seedSeconds: number;
  copySeconds: number;
  /** Closes the store and deletes this run's copy. */
  close(): Promise<void>;
}

export async function cachedStore<M extends object>(o: {
  /** Which bench (the cache's name starts with it). */
  label: string;
  /** The seed's parameters, as they name the cache (`rows1000000-v1`). */
  params: string;
  secret: Buffer;
  total: number;
  seed: number;
  /** Fixed once before seeding, kept in the cache's meta.json. */
  meta: () => M;
  rows: (rng: Rng, from: number, n: number, meta: M) => DetectionInput[];
  log: (line: string) => void;
}): Promise<CachedStore<M>> {
  const cacheRoot = path.resolve(import.meta.dirname, '.cache');
  const schema = createHash('sha256')
    .update(readFileSync(path.resolve(import.meta.dirname, '..', 'src', 'store', 'migrations.ts')))
    .digest('hex')
    .slice(0, 8);
  const name = `${o.label}-${MIGRATION_NAMES.at(-1)}-${schema}-${o.params}`;
  const cached = path.join(cacheRoot, name);
  let seedSeconds = 0;
  const hit = existsSync(path.join(cached, 'meta.json'));
  if (!hit) {
    mkdirSync(cacheRoot, { recursive: true });
    const building = mkdtempSync(path.join(cacheRoot, `${name}.building-`));
    const store = await openStore({ path: path.join(building, DB_FILE), secretKey: o.secret, env: {} });
    const meta = o.meta();
    const rng = new Rng(o.seed);
    const t0 = performance.now();
    for (let i = 0; i < o.total; i += BATCH) {
      await store.appendDetections(o.rows(rng, i, Math.min(BATCH, o.total - i), meta));
      if ((i / BATCH) % 10 === 9)
        o.log(`seeding: ${(i + BATCH).toLocaleString('en')} of ${o.total.toLocaleString('en')}`);
    }
    seedSeconds = (performance.now() - t0) / 1000;
    await store.close(); // checkpoints the WAL into the file: one file to copy
    writeFileSync(path.join(building, 'meta.json'), JSON.stringify({ ...meta, total: o.total, seedSeconds }));
    rmSync(cached, { recursive: true, force: true });
    renameSync(building, cached);
  }
  const meta = JSON.parse(readFileSync(path.join(cached, 'meta.json'), 'utf8')) as M;
  const run = mkdtempSync(path.join(tmpdir(), `dtc-bench-${o.label}-`));
  const file = path.join(run, DB_FILE);
  const t1 = performance.now();
  copyFileSync(path.join(cached, DB_FILE), file);
  const copySeconds = (performance.now() - t1) / 1000;
  const store = await openStore({ path: file, secretKey: o.secret, env: {} });
  return {
    store,
    path: file,
    meta,
    cached: hit,
    seedSeconds,
    copySeconds,
    async close() {
      await store.close();
      rmSync(run, { recursive: true, force: true });
    },
  };
}
