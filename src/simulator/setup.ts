// The simulated appliance before it serves anything: its seeded world, breach timeline, AI Analyst,
// RESPOND/tag state and e-mail stream (one SimContext), and the API users its tokens stand for.
import { AiAnalyst } from './aianalyst.ts';
import type { SimUser } from './auth.ts';
import { Timeline } from './breaches.ts';
import { EmailStream } from './email.ts';
import type { SimContext } from './handlers/context.ts';
import { growInventory } from './inventory.ts';
import { ApplianceState } from './state.ts';
import type { SimulatorOptions } from './types.ts';
import { buildWorld } from './world.ts';

/** Builds the appliance's data as it stands at `t0` (the clock's time now). */
export function buildAppliance(opts: SimulatorOptions, clock: () => number): { sim: SimContext; t0: number } {
  const seed = opts.seed ?? 1;
  const t0 = clock();
  const hostname = opts.hostname ?? 'dt-sim.example.local';
  const world = buildWorld(seed, t0, hostname);
  if (opts.devices) growInventory(world, opts.devices);
  const history = opts.history ?? { count: 2000, days: 7 };
  const tl = new Timeline(world, {
    seed,
    t0,
    count: history.count,
    days: history.days,
    ratePerMinute: opts.ratePerMinute ?? 2,
    maxCreationLagMinutes: opts.maxCreationLagMinutes ?? 15,
    pbidBase: opts.firstPbid ?? 1000 + (seed % 997) * 10,
  });
  const aia = new AiAnalyst(tl);
  const state = new ApplianceState(world, tl, t0, opts.pcapReadyMs ?? 3000);
  tl.json.deviceTags = (did) => state.tagsOf(did, clock());
  const email = new EmailStream(world, t0, history, opts.email?.perHour ?? 10);
  return {
    sim: { world, tl, aia, state, email, host: hostname, unifiedView: !!opts.unifiedView },
    t0,
  };
}

/** The API users by public token: the main token pair first (`api.user`), then the extra ones. */
export function usersOf(opts: SimulatorOptions): Map<string, SimUser> {
  const all: NonNullable<SimulatorOptions['tokens']> = [
    { publicToken: opts.publicToken, privateToken: opts.privateToken },
    ...(opts.tokens ?? []),
  ];
  const users = new Map<string, SimUser>();
  for (const [i, u] of all.entries())
    users.set(u.publicToken, {
      publicToken: u.publicToken,
      privateToken: u.privateToken,
      denied: u.denied ?? [],
      deniedStatus: u.deniedStatus ?? 302,
      username: i === 0 ? 'api.user' : `api.user${i + 1}`,
    });
  return users;
}
