// Two API replicas on one PostgreSQL store, over real sockets, as behind a load balancer: the request
// rate limit, the failed-login throttle and sessions are the store's, so whichever replica a request
// reaches answers the same. (On SQLite one process owns the file; there is nothing to share.)
import { afterEach, describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/auth/index.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { type Api, buildApi } from '../../src/server/app.ts';
import type { Store } from '../../src/store/index.ts';
import { DIALECTS, KEY, useTempStores } from '../store/helpers.ts';

const PASSWORD = 'correct-horse-battery';

describe.skipIf(!DIALECTS.includes('postgres'))('two API replicas on one PostgreSQL store', () => {
  const t = useTempStores('postgres');
  const apps: Api[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });

  /** A replica: its own store handle (its own pool) on the shared database, its own API on a port. */
  async function replica(dir: string, rateLimitPerMinute = 1200) {
    const store = await t.open({ dataDir: dir, secretKey: KEY });
    const access = new AccessControl(store);
    const app = buildApi({
      store,
      access,
      collector: { status: () => [] },
      metrics: createMetrics(),
      rateLimitPerMinute,
    });
    apps.push(app);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const call = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init);
    return { store, access, url, call };
  }

  async function firstAdmin(store: Store) {
    const access = new AccessControl(store);
    await access.addUser('alice', PASSWORD, 'viewer');
    await access.addUser('admin', PASSWORD, 'admin');
    return (await access.createApiKey({ owner: 'alice', name: 'ci', role: 'viewer' })).key;
  }

  it('share one request limit: the requests to both count against it', async () => {
    const dir = t.dir();
    const a = await replica(dir, 6);
    const b = await replica(dir, 6);
    const key = await firstAdmin(a.store);
    const get = (r: typeof a) =>
      r.call('/api/detections', { headers: { authorization: `Bearer ${key}` } }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    // Three each: six in all, the limit.
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await get(i % 2 ? b : a));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    // The seventh is refused whichever replica it reaches; alone, each would still allow three more.
    const over = await a.call('/api/detections', { headers: { authorization: `Bearer ${key}` } });
    expect(over.status).toBe(429);
    expect(await over.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await get(b)).toBe(429);
    expect(Number((await t.sql(a.store, 'SELECT count FROM rate_limits'))[0].count)).toBe(8);
  });

  it('share the failed-login throttle and the sessions', async () => {
    const dir = t.dir();
    const a = await replica(dir);
    const b = await replica(dir);
    await firstAdmin(a.store);
    const login = (r: typeof a, password: string) =>
      r.call('/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'alice', password }),
      });
    // A session opened on one replica is good on the other, and ends on both at logout.
    const ok = await login(a, PASSWORD);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.getSetCookie()[0].split(';')[0];
    const { csrfToken } = await ok.json();
    expect((await b.call('/api/auth/me', { headers: { cookie } })).status).toBe(200);
    const out = await b.call('/api/auth/logout', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(out.status).toBe(204);
    expect((await a.call('/api/auth/me', { headers: { cookie } })).status).toBe(401);

    // Five wrong passwords spread over both replicas lock the user out at this address on both.
    for (let i = 0; i < 5; i++) expect((await login(i % 2 ? b : a, 'wrong-password!')).status).toBe(401);
    for (const r of [a, b]) {
      const locked = await login(r, PASSWORD);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
