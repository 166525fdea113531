// Store append throughput against the floor of a bare prepared INSERT of the same rows.
// Both sides write the same rows (the columns and the record's received JSON text) in batches of 500,
// one transaction each, into their own SQLite file with the same pragmas (WAL, synchronous=NORMAL). The
// store also looks up the key's head, upserts it and indexes the text (FTS5).
//   bare   INSERT INTO detections(...) VALUES (...) through one prepared better-sqlite3 statement
//   store  await store.appendDetections(batch): dedupe + version + heads + full-text index
// Bare and store writes alternate batch by batch, so load from elsewhere hits both alike; the ratio is
// the median over ROUNDS rounds on fresh files, the rates the best round. Also printed, for information:
// re-appending the same rows (all duplicates) and appending changed versions of them.
// Last line: `ratio store=<x>`. Run: npm run bench:store  (DTC_BENCH_ROWS, DTC_BENCH_ROUNDS override)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type DetectionInput, openStore } from '../../src/store/index.ts';

const BATCH = 500;
const ROWS = Math.max(BATCH, Math.round(Number(process.env.DTC_BENCH_ROWS ?? 50_000) / BATCH) * BATCH);
const ROUNDS = Math.max(1, Number(process.env.DTC_BENCH_ROUNDS ?? 3));

// Deterministic data (mulberry32): the same rows in every run.
let seed = 0x2f6e2b1;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
};
const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
const ip = () => `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 254) + 1}`;
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
const MODELS = [
  'Anomalous Connection::SMB Enumeration',
  'Compromise::Beaconing Activity To External Rare',
  'Device::Suspicious Domain',
  'Unusual Activity::Unusual Internal Connections',
  'Compliance::Remote Desktop Protocol from Internet',
  'Anomalous File::Internet Facing System File Download',
];
const WORDS =
  'device connected to a rare external endpoint using an unusual port and protocol for this network'.split(
    ' ',
  );
const sentence = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
// A breach's description is its model's (as in Darktrace): one per model, not one per breach.
const DESCRIPTIONS = new Map(MODELS.map((m) => [m, sentence(30)]));

function makeRows(n: number): DetectionInput[] {
  const t0 = 1_700_000_000_000;
  return Array.from({ length: n }, (_, i) => {
    const model = pick(MODELS);
    const host = `ws-${String(Math.floor(rnd() * 5000)).padStart(4, '0')}.corp.example`;
    const src = ip();
    const dst = ip();
    const time = t0 + i * 1000;
    const pbid = 100_000 + i;
    const raw = {
      pbid,
      time,
      creationTime: time + 30_000,
      commentCount: 0,
      score: Number(rnd().toFixed(3)),
      acknowledged: false,
      model: {
        name: model,
        pid: 100 + (i % 400),
        phid: 5000 + (i % 900),
        uuid: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
        description: DESCRIPTIONS.get(model)!,
        priority: 3,
        tags: ['AP: Lateral Movement', 'T1021'],
        category: 'Suspicious',
      },
      device: {
        did: i % 5000,
        ip: src,
        hostname: host,
        macaddress: `${hex(2)}:${hex(2)}:${hex(2)}:${hex(2)}:${hex(2)}:${hex(2)}`,
      },
      triggeredComponents: [
        {
          time,
          cbid: pbid * 3,
          cid: 7000 + (i % 300),
          chid: 9000 + (i % 300),
          size: 1,
          threshold: 1,
          interval: 3600,
          logic: { data: { left: 'A', operator: 'AND', right: 'B' }, version: 1 },
          metric: { mlid: 12, name: 'connections', label: 'Connections' },
          triggeredFilters: [
            {
              cfid: 1,
              id: 'A',
              filterType: 'Destination IP',
              arguments: { value: dst },
              trigger: { value: dst },
            },
            {
              cfid: 2,
              id: 'B',
              filterType: 'Connection hostname',
              arguments: { value: host },
              trigger: { value: host },
            },
          ],
        },
      ],
    };
    return {
      instance: 'bench',
      family: 'model_breach',
      nativeId: String(pbid),
      hash: hex(40),
      eventTime: time,
      severity: 1 + (i % 5),
      title: model,
      description: raw.model.description,
      hostnames: [host],
      ips: [src, dst],
      acknowledged: false,
      source: 'api' as const,
      raw: JSON.stringify(raw),
    };
  });
}

const batches = <T>(xs: T[]): T[][] =>
  Array.from({ length: Math.ceil(xs.length / BATCH) }, (_, b) => xs.slice(b * BATCH, (b + 1) * BATCH));

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
  const s = await openStore({ path: path.join(dir, 'store.sqlite'), secretKey: Buffer.alloc(32) });
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

const rows = makeRows(ROWS);
const changed = rows.map((r) => ({ ...r, hash: hex(40), acknowledged: true }));
const bytes = rows.reduce((n, r) => n + r.raw.length, 0);
console.log(`rows=${ROWS} batch=${BATCH} rounds=${ROUNDS} raw≈${Math.round(bytes / ROWS)} B/row`);

const rounds: Round[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push(await round(rows, changed));
const best = (k: keyof Round) => Math.min(...rounds.map((r) => r[k]));
const rate = (ms: number) => Math.round((ROWS / ms) * 1000).toLocaleString('en');
const ratios = rounds.map((r) => r.bareMs / r.ms).sort((a, b) => a - b);
console.log(`bare INSERT            ${rate(best('bareMs'))} detections/s`);
console.log(`store append (new)     ${rate(best('ms'))} detections/s`);
console.log(`store append (dups)    ${rate(best('dupMs'))} detections/s  (all dropped by hash)`);
console.log(`store append (changed) ${rate(best('updMs'))} detections/s  (version 2 of every key)`);
console.log(`per-round ratios ${ratios.map((x) => x.toFixed(2)).join(' ')} (median counts)`);
console.log(`ratio store=${ratios[Math.floor(ratios.length / 2)].toFixed(2)}`);
