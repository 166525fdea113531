// The injection API behind `injectBreach`, `injectAiaEvent`, `setGroupScore` and `updateAiaEvent`:
// what tests add or change on the appliance while it runs.
import type { AiaIncidentEvent, ModelBreach } from '../darktrace/types.ts';
import type { BreachCore } from './breaches.ts';
import type { SimContext } from './handlers/context.ts';
import { HttpError } from './http.ts';
import type { Simulator } from './types.ts';

/** Fields of an injected breach that choose the generated ones rather than being copied as they are. */
const CHOSEN = ['did', 'pid', 'time', 'creationTime', 'score', 'device', 'model', 'pbid'];

/**
 * A new breach in the next live slot, created now. `did`/`device.did` and `pid`/`model.pid`/`model.name`
 * pick the device and the model; `time`, `creationTime` and `score` override; other fields are kept.
 */
export function injectBreach(sim: SimContext, partial: object, now: number): ModelBreach {
  const { tl, world } = sim;
  const p = partial as Record<string, unknown>;
  const key = tl.takeInjectSlot(now);
  const c: BreachCore = { ...tl.core(key), creationTime: now, time: now - 5000, extra: {} };
  const device = p.device as { did?: number } | undefined;
  if (typeof p.did === 'number' || typeof device?.did === 'number') {
    const did = (p.did as number) ?? device?.did;
    const d = world.byDid.get(did);
    if (!d) throw new HttpError(400, { error: `Unknown device ${did}` });
    c.device = d;
  }
  const model = p.model as { pid?: number; name?: string } | undefined;
  const pid = (p.pid as number) ?? model?.pid;
  if (typeof pid === 'number') {
    const m = world.byPid.get(pid);
    if (!m) throw new HttpError(400, { error: `Unknown model pid ${pid}` });
    c.model = m;
  } else if (typeof model?.name === 'string') {
    const m = world.models.find((x) => x.model.name === model.name);
    if (m) c.model = m;
  }
  if (typeof p.time === 'number') c.time = p.time;
  if (typeof p.creationTime === 'number') c.creationTime = p.creationTime;
  if (typeof p.score === 'number') c.score = p.score;
  c.extra = Object.fromEntries(Object.entries(p).filter(([k]) => !CHOSEN.includes(k)));
  tl.injected.set(key, c);
  return tl.json.object(c, { thenNow: true, deviceAtTop: true, minimal: false });
}

/** The AI Analyst half of the injection API, on the appliance's clock. */
export function aiaInjection(
  sim: SimContext,
  clock: () => number,
): Pick<Simulator, 'injectAiaEvent' | 'setGroupScore' | 'updateAiaEvent'> {
  const { aia } = sim;
  return {
    injectAiaEvent: (partial = {}) => aia.inject(partial as Partial<AiaIncidentEvent>, clock()),
    setGroupScore: (id, score) => aia.setGroupScore(id, score, clock()),
    updateAiaEvent(id, patch) {
      if (!aia.get(id, clock())) return false;
      const { groupScore, ...rest } = patch;
      aia.update(id, rest);
      if (groupScore !== undefined) aia.update(id, { groupScore });
      return true;
    },
  };
}
