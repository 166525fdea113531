// Users, grants, API keys and sessions in the store, through the access control that uses them
// (src/auth/), on each database: the same answers on SQLite and PostgreSQL, and, with two handles on
// one store, the same answers from either (as two replicas would give).
import { describe, expect, it } from 'vitest';
import { AccessControl, AuthError } from '../../src/auth/index.ts';
import { DIALECTS, KEY, useTempStores } from './helpers.ts';

const PASSWORD = 'correct-horse-battery';

describe.each(DIALECTS)('store: identities (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('users, role grants (set again: replaced) and a removal that takes keys and sessions with it', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const access = new AccessControl(s);
    await access.addUser('bob', PASSWORD, 'viewer');
    await access.addUser('alice', PASSWORD, 'admin');
    await expect(access.addUser('bob', PASSWORD, 'viewer')).rejects.toThrow(/exists already/);
    await access.setRole('bob', 'analyst');
    expect(await s.identities.grants.of('user:bob')).toEqual([
      { subject: 'user:bob', tenant: '*', role: 'analyst' },
    ]);
    expect((await access.listUsers()).map((u) => [u.name, u.role, u.source])).toEqual([
      ['alice', 'admin', 'local'],
      ['bob', 'analyst', 'local'],
    ]);
    expect(await s.identities.users.count()).toBe(2);
    const key = await access.createApiKey({ owner: 'bob', name: 'ci', role: 'viewer' });
    await access.login('bob', PASSWORD, '10.0.0.1');
    await access.removeUser('bob');
    expect(await s.identities.users.get('bob')).toBeUndefined();
    expect(await s.identities.apiKeys.list()).toEqual([]);
    expect(await s.identities.grants.of(`key:${key.id}`)).toEqual([]);
    expect(Number((await t.sql(s, 'SELECT count(*) AS n FROM sessions'))[0].n)).toBe(0);
    await expect(access.removeUser('alice')).rejects.toThrow(/last admin/);
  });

  it('API keys: found by digest until revoked or expired, touched when used, bounded by the owner', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const access = new AccessControl(s);
    await access.addUser('carol', PASSWORD, 'analyst');
    const k = await access.createApiKey({ owner: 'carol', name: 'soar', role: 'analyst' });
    const soon = await access.createApiKey({
      owner: 'carol',
      name: 'short',
      role: 'viewer',
      expiresAt: Date.now() + 300,
    });
    expect(k).toMatchObject({ owner: 'carol', expiresAt: null, lastUsedAt: null, revokedAt: null });
    expect(await access.authenticateKey(k.key)).toMatchObject({ user: 'carol', role: 'analyst' });
    expect((await s.identities.apiKeys.list())[0].lastUsedAt).toEqual(expect.any(Number));
    expect(await access.authenticateKey(soon.key)).toMatchObject({ role: 'viewer' });
    await new Promise((r) => setTimeout(r, 350));
    await expect(access.authenticateKey(soon.key)).rejects.toThrow(/unknown, revoked or expired/);
    // The owner demoted: the key loses power with them.
    await access.setRole('carol', 'viewer');
    expect(await access.authenticateKey(k.key)).toMatchObject({ role: 'viewer' });
    await access.revokeApiKey(k.prefix);
    await expect(access.authenticateKey(k.key)).rejects.toThrow(AuthError);
    await expect(access.revokeApiKey(k.prefix)).rejects.toThrow(/no active API key/);
    expect((await access.listApiKeys()).map((x) => [x.name, x.revokedAt !== null])).toEqual([
      ['soar', true],
      ['short', false],
    ]);
  });

  it('sessions: open on one handle, found on another, expire, end at logout and on a password change', async () => {
    const dir = t.dir();
    const a = new AccessControl(await t.open({ dataDir: dir, secretKey: KEY }), { sessionTtlMs: 400 });
    const b = new AccessControl(await t.open({ dataDir: dir, secretKey: KEY }));
    await a.addUser('dave', PASSWORD, 'responder');
    const one = await a.login('dave', PASSWORD, '10.0.0.1');
    expect(await b.session(one.sessionId)).toMatchObject({
      user: 'dave',
      role: 'responder',
      csrf: expect.any(String),
    });
    await b.logout(one.sessionId);
    expect(await a.session(one.sessionId)).toBeUndefined();
    const two = await a.login('dave', PASSWORD, '10.0.0.1');
    await b.setPassword('dave', `${PASSWORD}-2`);
    expect(await a.session(two.sessionId)).toBeUndefined();
    const three = await a.login('dave', `${PASSWORD}-2`, '10.0.0.1');
    expect(await b.session(three.sessionId)).toBeDefined();
    await new Promise((r) => setTimeout(r, 450));
    expect(await b.session(three.sessionId)).toBeUndefined();
  });

  it('throttles failed logins per user and address across handles; a success forgets them', async () => {
    const dir = t.dir();
    const a = new AccessControl(await t.open({ dataDir: dir, secretKey: KEY }));
    const b = new AccessControl(await t.open({ dataDir: dir, secretKey: KEY }));
    await a.addUser('erin', PASSWORD, 'viewer');
    const attempt = (x: AccessControl, password: string, address = '10.0.0.9') =>
      x.login('erin', password, address).then(
        () => 'ok',
        (e: AuthError) => e.code,
      );
    for (let i = 0; i < 4; i++)
      expect(await attempt(i % 2 ? a : b, 'wrong-password!')).toBe('unauthenticated');
    expect(await attempt(a, PASSWORD)).toBe('ok'); // the fifth: right, and the four are forgotten
    for (let i = 0; i < 5; i++)
      expect(await attempt(i % 2 ? a : b, 'wrong-password!')).toBe('unauthenticated');
    const locked = await b.login('erin', PASSWORD, '10.0.0.9').catch((e: AuthError) => e);
    expect(locked).toBeInstanceOf(AuthError);
    expect((locked as AuthError).code).toBe('rate_limited');
    expect((locked as AuthError).retryAfterSeconds).toBeGreaterThan(800);
    // Parallel guesses cannot all slip past: eight at once from another address, five counted, three
    // refused. Through both handles on PostgreSQL (replicas); through one on SQLite, where one process
    // owns the file (two handles in one thread would wait on each other's write lock).
    const burster = (i: number) => (dialect === 'postgres' && i % 2 ? b : a);
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) => attempt(burster(i), 'nope-nope!', '10.0.0.8')),
    );
    expect(burst.filter((c) => c === 'unauthenticated')).toHaveLength(5);
    expect(burst.filter((c) => c === 'rate_limited')).toHaveLength(3);
    // Another address is not locked out by someone else's guessing.
    expect(await attempt(a, PASSWORD, '10.0.0.10')).toBe('ok');
  });

  it('single sign-ons in progress: started on one handle, finished once on another, bounded', async () => {
    const dir = t.dir();
    const a = (await t.open({ dataDir: dir, secretKey: KEY })).identities.oidcPending;
    const b = (await t.open({ dataDir: dir, secretKey: KEY })).identities.oidcPending;
    const p = (n: number, expiresAt: number) => ({
      digest: `d${n}`,
      state: `s${n}`,
      nonce: `n${n}`,
      verifier: `v${n}`,
      expiresAt,
    });
    const now = Date.now();
    await a.add(p(1, now + 600_000), now, 3);
    expect(await b.take('d1')).toEqual({
      state: 's1',
      nonce: 'n1',
      verifier: 'v1',
      expiresAt: now + 600_000,
    });
    expect(await a.take('d1')).toBeUndefined(); // one use
    // The expired go at the next start; past the bound, the oldest.
    await a.add(p(2, now - 1), now - 10, 3);
    for (const n of [3, 4, 5, 6]) await b.add(p(n, now + n), now, 3);
    expect(await a.take('d2')).toBeUndefined();
    expect(await a.take('d3')).toBeUndefined();
    expect((await Promise.all(['d4', 'd5', 'd6'].map((d) => b.take(d)))).map((r) => r?.state)).toEqual([
      's4',
      's5',
      's6',
    ]);
  });
});
