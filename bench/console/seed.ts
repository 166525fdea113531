// The console bench's data: ROWS realistic model breaches over the 90 days before the seeding, written
// through the store's own append path and cached (bench/cached-store.ts): seeding a million takes
// minutes, a cached re-run seconds.
import type { Rng } from '../../src/simulator/prng.ts';
import type { DetectionInput, Store } from '../../src/store/index.ts';
import { cachedStore } from '../cached-store.ts';
import { MODEL_NAMES } from '../models.ts';

/** Bump when the generator below changes: old caches are then not reused. */
const SEED_VERSION = 1;
const DAY = 86_400_000;
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
  const s = await cachedStore({
    label: 'console',
    params: `rows${total}-v${SEED_VERSION}`,
    secret: SECRET,
    total,
    seed: 0x5eed,
    meta: () => ({ now: Date.now() }),
    rows: (rng, from, n, { now }) => rows(rng, from, n, total, now),
    log,
  });
  return { ...s, now: s.meta.now };
}
