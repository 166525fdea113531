// The report bench's data: ROWS detections on INSTANCES instances over the five weeks before a fixed
// Monday (the reported week, the week before it and older history that may still be open), every
// report family, devices, and acknowledgements with and without Darktrace's time, written through the
// store's own append path and cached (bench/cached-store.ts).
import type { Rng } from '../../src/simulator/prng.ts';
import type { DetectionInput, Store } from '../../src/store/index.ts';
import { cachedStore } from '../cached-store.ts';
import { MODEL_NAMES } from '../models.ts';

/** Bump when the generator below changes: old caches are then not reused. */
const SEED_VERSION = 1;
const DAY = 86_400_000;
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
  return cachedStore({
    label: 'report',
    params: `rows${total}-inst${instances}-v${SEED_VERSION}`,
    secret: SECRET,
    total,
    seed: 0x4e9047,
    meta: () => ({ instances }),
    rows: (rng, from, n) => rows(rng, from, n, total, instances),
    log,
  });
}
