// The report bench's data: ROWS detections on INSTANCES instances over the five weeks before a fixed
// Monday (the reported week, the week before it and older history that may still be open), every
// report family, devices, and acknowledgements with and without Darktrace's time. Written through the
// store's own append path and cached in bench/.cache/ like the console bench's (keyed by the schema and
// the parameters, built aside and renamed when complete, copied per run). Delete bench/.cache/ to reseed.
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
const BATCH = 20_000;
const DB_FILE = 'dtc.sqlite';
export const SECRET = Buffer.alloc(32, 5);
/** The reported week ends here: Monday 2026-11-30 00:00 UTC. */
export const WEEK_END = Date.UTC(2026, 10, 30);
const SPAN = 35 * DAY;

const MODELS = MODEL_NAMES;
const RESPOND = ['Quarantine device', 'Block matching connections', 'Enforce pattern of life'];
const RESPOND_STATES = ['activated', 'cleared', 'expired'];
const SEVERITIES = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5];

function rows(rng: Rng, from: number, n: number, total: number, instances: number): DetectionInput[] {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    const time = WEEK_END - SPAN + Math.floor((i * SPAN) / total);
    const r = rng.next();
    const family =
      r < 0.7 ? 'model_breach' : r < 0.8 ? 'ai_analyst' : r < 0.9 ? 'respond_action' : 'email_alert';
    const host = `ws-${String(Math.floor(rng.next() * 5000)).padStart(4, '0')}.corp.example`;
    const title =
      family === 'model_breach'
        ? rng.pick(MODELS)
        : family === 'respond_action'
          ? `RESPOND ${rng.pick(RESPOND)}: ${rng.pick(RESPOND_STATES)}`
          : family === 'ai_analyst'
            ? `Possible SSL Command and Control on ${host}`
            : `Invoice ${i}`;
    const ackable = family === 'model_breach' || family === 'ai_analyst';
    const acknowledged = ackable && rng.next() < 0.7;
    return {
      instance: `customer-${String(i % instances).padStart(3, '0')}`,
      family,
      nativeId: String(1 + i),
      hash: String(1 + i),
      eventTime: time,
      severity: rng.pick(SEVERITIES),
      title,
      description: family === 'ai_analyst' ? `The device ${host} beaconed to a rare endpoint.` : undefined,
      hostnames: [host],
      acknowledged,
      acknowledgedAt: acknowledged ? time + Math.floor(rng.next() * 3 * DAY) : undefined,
      device: host,
      source: 'api',
      raw: JSON.stringify({
        pbid: 1 + i,
        time,
        score: Number(rng.next().toFixed(3)),
        model: { name: title, pid: 100 + (i % 400), category: 'Suspicious' },
        device: { did: i % 5000, hostname: host },
      }),
    };
  });
}

export interface Seeded {
  store: Store;
  path: string;
  cached: boolean;
  seedSeconds: number;
  close(): Promise<void>;
}

export async function seededStore(
  total: number,
  instances: number,
  log: (l: string) => void,
): Promise<Seeded> {
  const cacheRoot = path.resolve(import.meta.dirname, '..', '.cache');
  const schema = createHash('sha256')
    .update(readFileSync(path.resolve(import.meta.dirname, '..', '..', 'src', 'store', 'migrations.ts')))
    .digest('hex')
    .slice(0, 8);
  const name = `report-${MIGRATION_NAMES.at(-1)}-${schema}-rows${total}-inst${instances}-v${SEED_VERSION}`;
  const cached = path.join(cacheRoot, name);
  let seedSeconds = 0;
  const hit = existsSync(path.join(cached, 'meta.json'));
  if (!hit) {
    mkdirSync(cacheRoot, { recursive: true });
    const building = mkdtempSync(path.join(cacheRoot, `${name}.building-`));
    const store = await openStore({ path: path.join(building, DB_FILE), secretKey: SECRET, env: {} });
    const rng = new Rng(0x4e9047);
    const t0 = performance.now();
    for (let i = 0; i < total; i += BATCH) {
      await store.appendDetections(rows(rng, i, Math.min(BATCH, total - i), total, instances));
      if ((i / BATCH) % 10 === 9)
        log(`seeding: ${(i + BATCH).toLocaleString('en')} of ${total.toLocaleString('en')}`);
    }
    seedSeconds = (performance.now() - t0) / 1000;
    await store.close();
    writeFileSync(path.join(building, 'meta.json'), JSON.stringify({ total, instances, seedSeconds }));
    rmSync(cached, { recursive: true, force: true });
    renameSync(building, cached);
  }
  const run = mkdtempSync(path.join(tmpdir(), 'dtc-bench-report-'));
  copyFileSync(path.join(cached, DB_FILE), path.join(run, DB_FILE));
  const store = await openStore({ path: path.join(run, DB_FILE), secretKey: SECRET, env: {} });
  return {
    store,
    path: path.join(run, DB_FILE),
    cached: hit,
    seedSeconds,
    async close() {
      await store.close();
      rmSync(run, { recursive: true, force: true });
    },
  };
}
