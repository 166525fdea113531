// The balancing rule alone: replicas that each follow plan() converge to even counts as they join and
// leave, without two of them ever being told to take the same free resource in one step of this model.
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/cluster/balance.ts';

const resources = Array.from({ length: 6 }, (_, i) => `instance:dt-${i}`);

/** Rounds of every replica in turn, as the lease table would serialise them. */
function settle(live: string[], owners: Map<string, string>, rounds = 10): Map<string, string> {
  for (let round = 0; round < rounds; round++) {
    for (const me of live) {
      const p = plan({ me, live, resources, owners });
      for (const r of p.shed) owners.delete(r);
      // The acquire succeeds when nobody holds it or its holder stopped renewing (not live).
      for (const r of p.candidates.slice(0, p.want)) {
        const holder = owners.get(r);
        if (holder === undefined || !live.includes(holder)) owners.set(r, me);
      }
    }
  }
  return owners;
}

const counts = (live: string[], owners: Map<string, string>) =>
  live.map((r) => [...owners.values()].filter((o) => o === r).length);

describe('plan', () => {
  it('spreads six resources over three replicas two each, then keeps them', () => {
    const owners = settle(['a', 'b', 'c'], new Map());
    expect(counts(['a', 'b', 'c'], owners)).toEqual([2, 2, 2]);
    expect(owners.size).toBe(6);
    const before = new Map(owners);
    settle(['a', 'b', 'c'], owners, 5);
    expect(owners).toEqual(before); // stable: no churn once balanced
  });

  it('a joining replica gets work and nobody holds two more than another', () => {
    const owners = settle(['a', 'b', 'c', 'd'], settle(['a', 'b', 'c'], new Map()));
    const c = counts(['a', 'b', 'c', 'd'], owners);
    expect(owners.size).toBe(6);
    expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    expect(c[3]).toBeGreaterThan(0);
  });

  it("a departed replica's resources are taken by the others", () => {
    const owners = settle(['a', 'b', 'c'], new Map());
    // c is gone: its rows are still in the map (its leases have not expired yet) but it is not live.
    const after = settle(['a', 'b'], owners);
    expect([...after.values()].includes('c')).toBe(false);
    expect(counts(['a', 'b'], after)).toEqual([3, 3]);
  });

  it('sheds one at a time and never asks to take while shedding', () => {
    const owners = new Map(resources.map((r) => [r, 'a']));
    const p = plan({ me: 'a', live: ['a', 'b'], resources, owners });
    expect(p.shed).toHaveLength(1);
    expect(p.want).toBe(0);
  });
});
