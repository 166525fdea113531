// Counters shared through the store (migration 0016): the API's requests per key and window, and the
// failed logins the login throttle counts. Two handles on one store stand for two replicas.
import { describe, expect, it } from 'vitest';
import { DIALECTS, KEY, useTempStores } from './helpers.ts';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

describe.each(DIALECTS)('store: rate limits (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('counts hits in a window that starts at the first hit, and starts again once it has passed', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    expect(await s.rateLimits.read('api:alice', MIN, T0)).toEqual({ count: 0, resetAt: T0 });
    expect(await s.rateLimits.hit('api:alice', MIN, T0)).toEqual({ count: 1, resetAt: T0 + MIN });
    expect(await s.rateLimits.hit('api:alice', MIN, T0 + 10)).toEqual({ count: 2, resetAt: T0 + MIN });
    expect(await s.rateLimits.hit('api:bob', MIN, T0 + 20)).toEqual({ count: 1, resetAt: T0 + 20 + MIN });
    expect(await s.rateLimits.read('api:alice', MIN, T0 + 30)).toEqual({ count: 2, resetAt: T0 + MIN });
    // The window has ended: the next hit is the first of a new one.
    expect(await s.rateLimits.read('api:alice', MIN, T0 + MIN)).toEqual({ count: 0, resetAt: T0 + MIN });
    expect(await s.rateLimits.hit('api:alice', MIN, T0 + MIN + 5)).toEqual({
      count: 1,
      resetAt: T0 + 2 * MIN + 5,
    });
    // Pruning deletes ended windows only.
    expect(await s.rateLimits.prune(MIN, T0 + MIN + 20)).toBe(1); // bob's
    expect(await s.rateLimits.read('api:alice', MIN, T0 + MIN + 30)).toMatchObject({ count: 1 });
    expect((await t.sql(s, 'SELECT key FROM rate_limits')).map((r) => r.key)).toEqual(['api:alice']);
  });

  it('two handles on one store count together, and parallel hits never share a count', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    const now = Date.now();
    const counts = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).rateLimits.hit('api:shared', MIN, now + i)),
    );
    expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    expect(await a.rateLimits.read('api:shared', MIN, now + 100)).toMatchObject({ count: 60 });
  });

  it('failed logins: each attempt sees those in its window, can be taken back, and old ones are pruned', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    const f = a.identities.loginFailures;
    const first = await f.add(['u:alice|1.2.3.4', 'a:1.2.3.4'], T0, T0 - MIN);
    expect(first.counts).toEqual([
      { count: 1, oldest: T0 },
      { count: 1, oldest: T0 },
    ]);
    // Another handle (a replica) sees them.
    const second = await b.identities.loginFailures.add(['u:alice|1.2.3.4', 'a:1.2.3.4'], T0 + 5, T0 - MIN);
    expect(second.counts).toEqual([
      { count: 2, oldest: T0 },
      { count: 2, oldest: T0 },
    ]);
    // Only those since the window's start count.
    expect((await f.add(['a:1.2.3.4'], T0 + MIN + 1, T0 + 1)).counts).toEqual([{ count: 2, oldest: T0 + 5 }]);
    await f.remove([second.ids[1]]);
    await f.clear('u:alice|1.2.3.4');
    expect((await f.add(['u:alice|1.2.3.4', 'a:1.2.3.4'], T0 + 10, T0 - MIN)).counts).toEqual([
      { count: 1, oldest: T0 + 10 },
      // The window is by time: the attempt at T0 + MIN + 1, recorded before, counts too.
      { count: 3, oldest: T0 },
    ]);
    expect(await f.prune(T0 + 6)).toBe(1); // the first a: row (at T0); the second was removed above
    expect((await t.sql(a, 'SELECT key FROM rate_limits ORDER BY key')).map((r) => r.key)).toEqual([
      'login:a:1.2.3.4',
      'login:u:alice|1.2.3.4',
    ]);
    const left = await t.sql(a, 'SELECT subject, at FROM login_failures ORDER BY id');
    expect(left.map((r) => [r.subject, Number(r.at)])).toEqual([
      ['a:1.2.3.4', T0 + MIN + 1],
      ['u:alice|1.2.3.4', T0 + 10],
      ['a:1.2.3.4', T0 + 10],
    ]);
    // Once nothing is left in the window, the subjects' lock rows go too.
    await f.prune(T0 + MIN + 2);
    expect(await t.sql(a, 'SELECT key FROM rate_limits')).toEqual([]);
  });
});
