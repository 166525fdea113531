// How many leases a replica should take or give up on this round: pure, so it is tested without a
// database. Each replica decides for itself from the same picture (who is alive, who holds how many);
// the rules make the replicas converge to counts that differ by at most one without talking to each other.

export interface BalanceInput {
  /** This replica's id. */
  me: string;
  /** Replicas with a fresh heartbeat, this one included. */
  live: string[];
  /** Every resource that should be owned by someone. */
  resources: string[];
  /** Resource → its current (unexpired) owner; absent when free or expired. */
  owners: Map<string, string>;
}

export interface BalancePlan {
  /** Free resources to try, best first; take at most `want` of them. */
  candidates: string[];
  want: number;
  /** Held resources to give up this round (at most one, so a join never churns everything at once). */
  shed: string[];
}

/** Highest-random-weight order: each replica prefers a different, stable subset of the resources. */
export function preference(replica: string, resource: string): number {
  // FNV-1a over "replica|resource": cheap, stable across processes and versions.
  let h = 0x811c9dc5;
  const s = `${replica}|${resource}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function plan(input: BalanceInput): BalancePlan {
  const { me, resources, owners } = input;
  const live = input.live.includes(me) ? input.live : [...input.live, me];
  const fair = Math.ceil(resources.length / live.length);
  const counts = new Map(live.map((r) => [r, 0]));
  for (const r of resources) {
    const o = owners.get(r);
    if (o !== undefined && counts.has(o)) counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  const held = resources.filter((r) => owners.get(r) === me);
  const mine = held.length;
  const byMyPreference = (a: string, b: string) => preference(me, b) - preference(me, a);

  // Give one up when another live replica holds at least two fewer: the least preferred one goes.
  const fewest = Math.min(...counts.values());
  const shed = mine > fewest + 1 || mine > fair ? [held.sort(byMyPreference).at(-1) as string] : [];

  // Free: nobody holds it, or its holder is no longer alive (its lease will have expired or soon will).
  const free = resources.filter((r) => {
    const o = owners.get(r);
    return o === undefined || !counts.has(o);
  });
  const want = shed.length ? 0 : Math.max(0, fair - mine);
  return { candidates: free.sort(byMyPreference), want, shed };
}
