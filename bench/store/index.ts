// Store append throughput, three ways, each a ratio against a baseline measured in the same run:
//   store     the SQLite store against the floor of a bare prepared INSERT of the same rows. Both write
//             the same rows (the columns and the record's received JSON text) in batches of 500, one
//             transaction each, into their own SQLite file with the same pragmas (WAL, synchronous=NORMAL);
//             the store also looks up the key's head, upserts it and indexes the text (FTS5).
//   pg        the same appends to the PostgreSQL store against the SQLite store (target at least 0.5).
//   replicas  syslog ingest of DTC_BENCH_LINES breaches (default 500,000) spread over three `dtc start`
//             replicas on one PostgreSQL store, against one replica taking them all (replicas.ts).
// In the first two, the two sides alternate batch by batch (and which goes first alternates too), so a
// burst of load from elsewhere on this shared machine hits both alike. Each ratio is the median over
// ROUNDS rounds on fresh files and databases; rates are the best round's. Also printed, for information:
// re-appending the same rows (all duplicates) and appending changed versions of them.
// Last lines: `ratio store=<x>`, `ratio pg=<x>`, `ratio replicas3=<x>`. Run: npm run bench:store
// (DTC_BENCH_ROWS, DTC_BENCH_ROUNDS, DTC_BENCH_LINES override; DTC_BENCH_PARTS=store,pg,replicas picks;
// PostgreSQL from DTC_TEST_PG_URL as the tests find it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type DetectionInput, openStore, type Store } from '../../src/store/index.ts';
import { testDatabase } from '../../test/helpers/postgres.ts';
import { replicaRate } from './replicas.ts';
import { BATCH, batches, hex, makeRows } from './rows.ts';

const ROWS = Math.max(BATCH, Math.round(Number(process.env.DTC_BENCH_ROWS ?? 50_000) / BATCH) * BATCH);
const ROUNDS = Math.max(1, Number(process.env.DTC_BENCH_ROUNDS ?? 3));
const LINES = Number(process.env.DTC_BENCH_LINES ?? 500_000);
const PARTS = new Set((process.env.DTC_BENCH_PARTS ?? 'store,pg,replicas').split(','));
const KEY = Buffer.alloc(32, 3);

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'dtc-bench-store-'));
}

/** The floor: one prepared INSERT of the same columns into an otherwise empty table. */
function bareWriter(dir: string): { write(batch: DetectionInput[]): void; close(): void } {
  const db = new Database(path.join(dir, 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE detections (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, instance TEXT NOT NULL,
    family TEXT NOT NULL, native_id TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL, created_at INTEGER NOT NULL,
    event_time INTEGER NOT NULL, severity INTEGER NOT NULL, title TEXT NOT NULL, acknowledged INTEGER NOT NULL,
    source TEXT NOT NULL, raw TEXT NOT NULL)`);
  const ins =
    db.prepare(`INSERT INTO detections (key, instance, family, native_id, version, hash, created_at, event_time,
    severity, title, acknowledged, source, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const write = db.transaction((batch: DetectionInput[]) => {
    const now = Date.now();
    for (const d of batch) {
      ins.run(
        `${d.instance}/${d.family}/${d.nativeId}`,
        d.instance,
        d.family,
        d.nativeId,
        1,
        d.hash,
        now,
        d.eventTime,
        d.severity,
        d.title,
        d.acknowledged ? 1 : 0,
        d.source ?? 'api',
        d.raw,
      );
    }
  });
  return { write: (b) => write(b), close: () => db.close() };
}

interface Round {
  bareMs: number;
  ms: number;
  dupMs: number;
  updMs: number;
}

/**
 * One round on fresh files. Bare and store writes alternate batch by batch (and which goes first
 * alternates too), so a burst of load from elsewhere on the machine hits both sides alike.
 */
async function round(rows: DetectionInput[], changed: DetectionInput[]): Promise<Round> {
  const dir = tempDir();
  const bare = bareWriter(dir);
  const s = await openStore({ path: path.join(dir, 'store.sqlite'), secretKey: KEY });
  const time = async (fn: () => unknown) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  let bareMs = 0;
  let ms = 0;
  for (const [i, b] of batches(rows).entries()) {
    if (i % 2) {
      bareMs += await time(() => bare.write(b));
      ms += await time(() => s.appendDetections(b));
    } else {
      ms += await time(() => s.appendDetections(b));
      bareMs += await time(() => bare.write(b));
    }
  }
  const dupMs = await time(async () => {
    for (const b of batches(rows)) await s.appendDetections(b);
  });
  const updMs = await time(async () => {
    for (const b of batches(changed)) await s.appendDetections(b);
  });
  if ((await s.countDetections()) !== rows.length * 2)
    throw new Error(`store holds ${await s.countDetections()} rows, expected ${rows.length * 2}`);
  bare.close();
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  return { bareMs, ms, dupMs, updMs };
}

const time = async (fn: () => unknown) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

/** One round of the PostgreSQL store against the SQLite store, on a fresh file and a fresh database. */
async function pgRound(rows: DetectionInput[]): Promise<{ sqliteMs: number; pgMs: number }> {
  const dir = tempDir();
  const db = await testDatabase('bench_store');
  if (!db) throw new Error('bench:store needs PostgreSQL for its pg part (DTC_TEST_PG_URL)');
  let lite: Store | undefined;
  let pgs: Store | undefined;
  try {
    lite = await openStore({ path: path.join(dir, 'store.sqlite'), secretKey: KEY });
    pgs = await openStore({ url: db.url, secretKey: KEY });
    let sqliteMs = 0;
    let pgMs = 0;
    for (const [i, b] of batches(rows).entries()) {
      const [first, second] = i % 2 ? [lite, pgs] : [pgs, lite];
      const t1 = await time(() => first.appendDetections(b));
      const t2 = await time(() => second.appendDetections(b));
      sqliteMs += first === lite ? t1 : t2;
      pgMs += first === pgs ? t1 : t2;
    }
    if ((await pgs.countDetections()) !== rows.length)
      throw new Error(`PostgreSQL holds ${await pgs.countDetections()} rows, expected ${rows.length}`);
    return { sqliteMs, pgMs };
  } finally {
    await lite?.close();
    await pgs?.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en');
const rows = makeRows(ROWS);
const bytes = rows.reduce((n, r) => n + r.raw.length, 0);
console.log(`rows=${ROWS} batch=${BATCH} rounds=${ROUNDS} raw≈${Math.round(bytes / ROWS)} B/row`);
const results: string[] = [];

if (PARTS.has('store')) {
  const changed = rows.map((r) => ({ ...r, hash: hex(40), acknowledged: true }));
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await round(rows, changed));
  const best = (k: keyof Round) => Math.min(...rounds.map((r) => r[k]));
  const ratios = rounds.map((r) => r.bareMs / r.ms);
  console.log(`bare INSERT            ${rate(ROWS, best('bareMs'))} detections/s`);
  console.log(`store append (new)     ${rate(ROWS, best('ms'))} detections/s`);
  console.log(`store append (dups)    ${rate(ROWS, best('dupMs'))} detections/s  (all dropped by hash)`);
  console.log(`store append (changed) ${rate(ROWS, best('updMs'))} detections/s  (version 2 of every key)`);
  console.log(`per-round ratios store ${ratios.map((x) => x.toFixed(2)).join(' ')} (median counts)`);
  results.push(`ratio store=${median(ratios).toFixed(2)}`);
}

if (PARTS.has('pg')) {
  const rounds: { sqliteMs: number; pgMs: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await pgRound(rows));
  const ratios = rounds.map((r) => r.sqliteMs / r.pgMs);
  console.log(
    `SQLite store append    ${rate(ROWS, Math.min(...rounds.map((r) => r.sqliteMs)))} detections/s`,
  );
  console.log(`PostgreSQL store append ${rate(ROWS, Math.min(...rounds.map((r) => r.pgMs)))} detections/s`);
  console.log(`per-round ratios pg ${ratios.map((x) => x.toFixed(2)).join(' ')} (median counts; target 0.5)`);
  results.push(`ratio pg=${median(ratios).toFixed(2)}`);
}

if (PARTS.has('replicas')) {
  const rounds: { one: number; three: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const one = await replicaRate(1, LINES);
    const three = await replicaRate(3, LINES);
    rounds.push({ one, three });
    console.log(
      `  round ${r + 1}  syslog ${LINES.toLocaleString('en')} lines: 1 replica ${Math.round(one).toLocaleString('en')}/s, ` +
        `3 replicas ${Math.round(three).toLocaleString('en')}/s stored`,
    );
  }
  const ratios = rounds.map((r) => r.three / r.one);
  console.log(
    `per-round ratios replicas3 ${ratios.map((x) => x.toFixed(2)).join(' ')} (3 replicas' rate over 1's; median counts)`,
  );
  results.push(`ratio replicas3=${median(ratios).toFixed(2)}`);
}

for (const r of results) console.log(r);
