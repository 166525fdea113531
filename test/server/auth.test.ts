// Access control over the whole API, generated from the route table: for every route, no credentials →
// 401, the role just below the route's → 403, the route's own role → its success answer (a route with no
// sample request below fails the suite, so a new route cannot ship untested). Then sessions: the cookie's
// attributes, CSRF on every state-changing request made with it, login throttling, keys that expire,
// are revoked or lose power with their owner, and an audit trail that records identities, not headers.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/auth/index.ts';
import { ROLES, type Role } from '../../src/auth/roles.ts';
import { CaseConnectors } from '../../src/cases/connector.ts';
import { hmacSha256 } from '../../src/cases/signature.ts';
import { caseConnectorSpec } from '../../src/cases/spec.ts';
import { checkConnection } from '../../src/collect/health.ts';
import { commands } from '../../src/commands/index.ts';
import { Deliverer } from '../../src/deliver/worker.ts';
import { registerMcpRoutes } from '../../src/mcp/http.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { type Api, buildApi } from '../../src/server/app.ts';
import { registerCaseRoutes } from '../../src/server/routes/cases.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { det, KEY } from '../store/helpers.ts';

const PASSWORD = 'correct-horse-battery';
const quiet = { info() {}, warn() {}, error() {} };
const HOOK_SECRET = 'case-webhook-secret';
const hook = JSON.stringify({
  webhookEvent: 'comment_created',
  issue: { key: 'SOC-1' },
  comment: { id: '1', body: 'x' },
});

let sim: Simulator;
let store: Store;
let access: AccessControl;
let app: Api;
const keys = {} as Record<Role, string>;
let n = 0;
const unique = (p: string) => `${p}${++n}`;

/** Signs in as the role's user and sends the request with the session cookie and its CSRF token. */
async function asSession(role: Role, o: InjectOptions): Promise<LightMyRequestResponse> {
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { user: role, password: PASSWORD },
  });
  const cookie = login.cookies.find((c) => c.name === 'dtc_session')!;
  return app.inject({
    ...o,
    headers: {
      cookie: `dtc_session=${cookie.value}`,
      'x-csrf-token': login.json().csrfToken,
      ...(o.headers ?? {}),
    },
  });
}

const as = (key: string | undefined, o: InjectOptions): Promise<LightMyRequestResponse> =>
  app.inject({ ...o, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(o.headers ?? {}) } });

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: 'pub',
    privateToken: 'priv',
    seed: 3,
    history: { count: 20, days: 1 },
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-auth-'));
  // A console build of two files: the routes serve whatever `npm run build` made (test/console/ loads the real one).
  const consoleDir = join(dataDir, 'console');
  mkdirSync(join(consoleDir, 'assets'), { recursive: true });
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(consoleDir, 'assets', 'app-0123abcd.js'), 'export {};');
  store = await openStore({ dataDir, secretKey: KEY, env: {} });
  await store.instances.add({ name: 'lab', url: sim.url, publicToken: 'pub', privateToken: 'priv' });
  await store.appendDetections([det('1', 'a')]);
  access = new AccessControl(store);
  for (const role of ROLES) {
    await access.addUser(role, PASSWORD, role);
    keys[role] = (await access.createApiKey({ owner: role, name: 'test', role })).key;
  }
  const deliverer = new Deliverer(
    store,
    [{ name: 'out', format: 'json', url: `file://${join(dataDir, 'out.ndjson')}` }],
    { log: quiet, registry: new Registry() },
  );
  app = buildApi({
    store,
    access,
    deliverer,
    collector: {
      status: () => [],
      check: async (name) =>
        name === 'lab'
          ? checkConnection({ url: sim.url, publicToken: 'pub', privateToken: 'priv' })
          : undefined,
    },
    metrics: createMetrics(),
    consoleDir,
    extend: (a) => {
      registerMcpRoutes(a, { store, host: '127.0.0.1' });
      // A Jira connector nothing is linked to: a signed webhook is admitted and changes nothing.
      const jira = caseConnectorSpec.parse({
        name: 'jira',
        type: 'jira',
        url: 'http://127.0.0.1:9',
        user: 'dtc',
        token: 'token',
        project: 'SOC',
        webhookSecret: HOOK_SECRET,
      });
      registerCaseRoutes(a, new CaseConnectors(store, [jira as never], { log: quiet }));
    },
  });
  await app.ready();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await store?.close();
  await sim?.close();
});

/** `session`: the route acts only for a signed-in person, so the success case uses a session, not a key. */
type Sample = { request: () => Promise<InjectOptions> | InjectOptions; ok: number; session?: boolean };
const json = (method: string, url: string, payload?: unknown): InjectOptions => ({
  method: method as InjectOptions['method'],
  url,
  ...(payload === undefined ? {} : { payload: payload as object }),
});
const rpc = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
const mcpHeaders = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

/** A request that succeeds for the right role, per route (`METHOD url` as registered). */
const samples: Record<string, Sample> = {
  'GET /healthz': { request: () => json('GET', '/healthz'), ok: 200 },
  'GET /metrics': { request: () => json('GET', '/metrics'), ok: 200 },
  'GET /api/openapi.json': { request: () => json('GET', '/api/openapi.json'), ok: 200 },
  'POST /api/auth/login': {
    request: () => json('POST', '/api/auth/login', { user: 'viewer', password: PASSWORD }),
    ok: 200,
  },
  'POST /api/auth/logout': { request: () => json('POST', '/api/auth/logout'), ok: 204 },
  // Single sign-on is not configured here: both routes say so (test/server/oidc.test.ts signs in).
  'GET /api/auth/oidc/login': { request: () => json('GET', '/api/auth/oidc/login'), ok: 404 },
  'GET /api/auth/oidc/callback': {
    request: () => json('GET', '/api/auth/oidc/callback?code=x&state=y'),
    ok: 404,
  },
  'GET /api/auth/me': { request: () => json('GET', '/api/auth/me'), ok: 200 },
  'GET /api/assets': { request: () => json('GET', '/api/assets?format=jsonl'), ok: 200 },
  'GET /api/reports': { request: () => json('GET', '/api/reports?from=7d&format=json'), ok: 200 },
  'GET /api/users': { request: () => json('GET', '/api/users'), ok: 200 },
  'POST /api/users': {
    request: () => json('POST', '/api/users', { name: unique('u'), password: PASSWORD, role: 'viewer' }),
    ok: 201,
  },
  'PUT /api/users/:name/role': {
    request: async () => {
      const name = unique('r');
      await access.addUser(name, PASSWORD, 'viewer');
      return json('PUT', `/api/users/${name}/role`, { role: 'analyst' });
    },
    ok: 200,
  },
  'PUT /api/users/:name/password': {
    request: () => json('PUT', `/api/users/${unique('p')}/password`, { password: PASSWORD }),
    ok: 404,
  },
  // Your own password: from a session only (see session below), with the current one.
  'PUT /api/auth/password': {
    request: () => json('PUT', '/api/auth/password', { currentPassword: PASSWORD, password: PASSWORD }),
    ok: 204,
    session: true,
  },
  'DELETE /api/users/:name': {
    request: async () => {
      const name = unique('d');
      await access.addUser(name, PASSWORD, 'viewer');
      return json('DELETE', `/api/users/${name}`);
    },
    ok: 204,
  },
  'GET /api/apikeys': { request: () => json('GET', '/api/apikeys'), ok: 200 },
  'POST /api/apikeys': {
    request: () => json('POST', '/api/apikeys', { name: 'k', role: 'viewer' }),
    ok: 201,
  },
  'DELETE /api/apikeys/:id': {
    request: async () =>
      json(
        'DELETE',
        `/api/apikeys/${(await access.createApiKey({ owner: 'admin', name: 'x', role: 'viewer' })).id}`,
      ),
    ok: 204,
  },
  'GET /api/instances': { request: () => json('GET', '/api/instances'), ok: 200 },
  'GET /api/instances/:name': { request: () => json('GET', '/api/instances/lab'), ok: 200 },
  'POST /api/instances/:name/test': { request: () => json('POST', '/api/instances/lab/test'), ok: 200 },
  'POST /api/instances': {
    request: () =>
      json('POST', '/api/instances?test=false', {
        name: unique('i'),
        url: sim.url,
        publicToken: 'pub',
        privateToken: 'priv',
      }),
    ok: 201,
  },
  'PATCH /api/instances/:name': {
    request: () => json('PATCH', '/api/instances/lab', { pollIntervalSeconds: 60 }),
    ok: 200,
  },
  'DELETE /api/instances/:name': {
    request: async () => {
      const name = unique('x');
      await store.instances.add({ name, url: sim.url, publicToken: 'pub', privateToken: 'priv' });
      return json('DELETE', `/api/instances/${name}`);
    },
    ok: 204,
  },
  'GET /api/detections': { request: () => json('GET', '/api/detections'), ok: 200 },
  'GET /api/detections/:id': { request: () => json('GET', '/api/detections/1'), ok: 200 },
  'GET /api/detections/histogram': {
    request: () => json('GET', '/api/detections/histogram?from=7d&severity=2'),
    ok: 200,
  },
  'GET /api/detections/:id/render/:format': {
    request: () => json('GET', '/api/detections/1/render/cef'),
    ok: 200,
  },
  // The console: its pages and built files are public (the page signs in through the API).
  'GET /': { request: () => json('GET', '/'), ok: 200 },
  'GET /instances': { request: () => json('GET', '/instances'), ok: 200 },
  'GET /detections': { request: () => json('GET', '/detections'), ok: 200 },
  'GET /sinks': { request: () => json('GET', '/sinks'), ok: 200 },
  'GET /incidents': { request: () => json('GET', '/incidents'), ok: 200 },
  'GET /commands': { request: () => json('GET', '/commands'), ok: 200 },
  'GET /detections/*': { request: () => json('GET', '/detections/lab%2Fmodel_breach%2F1'), ok: 200 },
  'GET /assets/*': { request: () => json('GET', '/assets/app-0123abcd.js'), ok: 200 },
  'GET /api/commands': { request: () => json('GET', '/api/commands'), ok: 200 },
  'GET /api/command-runs': { request: () => json('GET', '/api/command-runs'), ok: 200 },
  'POST /api/instances/:name/commands/:command': {
    request: () => json('POST', '/api/instances/lab/commands/no-such-command', {}),
    ok: 404,
  },
  'GET /api/sinks': { request: () => json('GET', '/api/sinks'), ok: 200 },
  'GET /api/cluster': { request: () => json('GET', '/api/cluster'), ok: 200 },
  // A stream: the answer is checked on its headers, then the stream is dropped.
  'GET /api/events': { request: () => ({ ...json('GET', '/api/events'), payloadAsStream: true }), ok: 200 },
  'GET /api/sinks/:name': { request: () => json('GET', '/api/sinks/out'), ok: 200 },
  'POST /api/sinks/:name/reset': { request: () => json('POST', '/api/sinks/out/reset', { to: 0 }), ok: 200 },
  'POST /mcp': { request: () => ({ ...json('POST', '/mcp', rpc), headers: mcpHeaders }), ok: 200 },
  'GET /mcp': { request: () => json('GET', '/mcp'), ok: 405 },
  'DELETE /mcp': { request: () => json('DELETE', '/mcp'), ok: 405 },
  'GET /api/cases': { request: () => json('GET', '/api/cases'), ok: 200 },
  'GET /devices': { request: () => json('GET', '/devices'), ok: 200 },
  'GET /cases': { request: () => json('GET', '/cases'), ok: 200 },
  'GET /reports': { request: () => json('GET', '/reports'), ok: 200 },
  // Public: the shared secret's signature admits it (test/cases/ refuses a wrong one end to end).
  'POST /api/cases/:name/webhook': {
    request: () => ({
      method: 'POST',
      url: '/api/cases/jira/webhook',
      payload: hook,
      headers: {
        'content-type': 'application/json',
        'x-hub-signature': `sha256=${hmacSha256(HOOK_SECRET, hook, 'hex')}`,
      },
    }),
    ok: 200,
  },
};
// Every command (and alias) route: the simplest call that works.
for (const c of commands) {
  const body = c.name === 'get-status' ? {} : undefined;
  for (const name of [c.name, ...c.aliases])
    samples[`POST /api/instances/:name/commands/${name}`] = {
      request: () => json('POST', `/api/instances/lab/commands/${name}`, body ?? {}),
      // A command's empty body is refused by its own schema (400) unless it needs nothing; either way
      // the request got past access control. get-status really runs on the simulator.
      ok: c.name === 'get-status' ? 200 : -1,
    };
}

/** The access each route must declare: a weakened declaration fails here, not in production. */
const expectedAccess: Record<string, string> = {
  'GET /healthz': 'public',
  'GET /api/openapi.json': 'public',
  'POST /api/auth/login': 'public',
  'GET /': 'public',
  'GET /instances': 'public',
  'GET /detections': 'public',
  'GET /detections/*': 'public',
  'GET /assets/*': 'public',
  'GET /api/auth/oidc/login': 'public',
  'GET /api/auth/oidc/callback': 'public',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'PUT /api/users/:name/role': 'admin',
  'DELETE /api/users/:name': 'admin',
  'PUT /api/users/:name/password': 'admin',
  'GET /api/apikeys': 'admin',
  'POST /api/apikeys': 'admin',
  'DELETE /api/apikeys/:id': 'admin',
  'POST /api/instances/:name/test': 'admin',
  'POST /api/instances': 'admin',
  'PATCH /api/instances/:name': 'admin',
  'DELETE /api/instances/:name': 'admin',
  'POST /api/sinks/:name/reset': 'admin',
  'GET /api/assets': 'viewer',
  'GET /sinks': 'public',
  'GET /incidents': 'public',
  'GET /commands': 'public',
  'GET /api/detections/histogram': 'viewer',
  'POST /api/cases/:name/webhook': 'public',
  'GET /api/cases': 'viewer',
  'GET /devices': 'public',
  'GET /cases': 'public',
  'GET /reports': 'public',
};

describe('access control, generated from the route table', () => {
  it('declares the expected role on every route: admin for identities, the catalog’s for commands', async () => {
    const wrong = app.routeTable
      .map((r) => {
        const cmd = /\/commands\/([a-z0-9-]+)$/.exec(r.url)?.[1];
        const def = cmd && commands.find((c) => c.name === cmd || c.aliases.includes(cmd));
        const want = def ? def.role : (expectedAccess[`${r.method} ${r.url}`] ?? 'viewer');
        return r.access === want ? undefined : `${r.method} ${r.url}: ${r.access}, expected ${want}`;
      })
      .filter(Boolean);
    expect(wrong).toEqual([]);
  });

  it('has a sample request for every route, so a new route cannot go untested', async () => {
    const missing = app.routeTable.map((r) => `${r.method} ${r.url}`).filter((k) => !samples[k]);
    expect(missing).toEqual([]);
  });

  it('answers 401 without credentials, 403 to the role below, and succeeds for the route’s role', async () => {
    const failures: string[] = [];
    for (const r of app.routeTable) {
      const route = `${r.method} ${r.url}`;
      const sample = samples[route];
      if (r.access !== 'public') {
        const anon = await as(undefined, await sample.request());
        if (anon.statusCode !== 401) failures.push(`${route} anonymous → ${anon.statusCode}`);
        const below = ROLES[ROLES.indexOf(r.access) - 1];
        if (below) {
          const denied = await as(keys[below], await sample.request());
          if (denied.statusCode !== 403) failures.push(`${route} as ${below} → ${denied.statusCode}`);
        }
      }
      const role = r.access === 'public' ? 'viewer' : r.access;
      const res = sample.session
        ? await asSession(role, await sample.request())
        : await as(keys[role], await sample.request());
      const good =
        sample.ok === -1
          ? res.statusCode < 500 && ![401, 403].includes(res.statusCode)
          : res.statusCode === sample.ok;
      if (!good)
        failures.push(
          `${route} as ${role} → ${res.statusCode} ${(res as { body?: string }).body?.slice(0, 160) ?? ''}`,
        );
      (res as unknown as { stream?: () => { destroy(): void } }).stream?.().destroy();
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('lets a command’s declared role run it and no one below', async () => {
    const ack = commands.find((c) => c.name === 'acknowledge')!;
    const quarantine = commands.find((c) => c.name === 'create-actions')!;
    expect([ack.role, quarantine.role]).toEqual(['analyst', 'responder']);
    const body = { deviceIds: [1], action: 'quarantine', duration: 60, reason: 'test' };
    const denied = await as(keys.analyst, json('POST', '/api/instances/lab/commands/create-actions', body));
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toBe(
      'analyst (key ' + keys.analyst.slice(4, 12) + ') is analyst; this needs responder',
    );
    const tools = await as(keys.analyst, { ...json('POST', '/mcp', rpc), headers: mcpHeaders });
    const names = tools.json().result.tools.map((t: { name: string }) => t.name);
    expect(names).toContain('acknowledge');
    expect(names).not.toContain('create-actions');
  });
});

describe('sessions', () => {
  const login = async (user = 'analyst', password = PASSWORD, ip = '127.0.0.1') => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { user, password },
      remoteAddress: ip,
    });
    const cookie = r.cookies.find((c) => c.name === 'dtc_session');
    return { r, cookie, csrf: r.statusCode === 200 ? (r.json().csrfToken as string) : '' };
  };

  it('sets an HttpOnly, SameSite=Strict cookie and needs the CSRF token on every change made with it', async () => {
    const { cookie, csrf } = await login();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const headers = { cookie: `dtc_session=${cookie!.value}` };
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers })).json()).toMatchObject({
      user: 'analyst',
      role: 'analyst',
      via: 'session',
    });
    const before = (await store.commandRuns.list(1000)).length;
    const url = '/api/instances/lab/commands/add-comments';
    // A cross-site form, a text/plain body and a bodyless POST: all carry the cookie, none the token.
    const refused = [
      await app.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'breachIds=1&comment=x',
      }),
      await app.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-type': 'text/plain' },
        payload: '{"breachIds":[1],"comment":"x"}',
      }),
      await app.inject({ method: 'POST', url: '/api/instances/lab/commands/get-status', headers }),
      await app.inject({ method: 'POST', url: '/api/auth/logout', headers }),
    ];
    expect(refused.map((r) => r.statusCode)).toEqual([403, 403, 403, 403]);
    expect(refused[0].json().message).toMatch(/CSRF token/);
    expect((await store.commandRuns.list(1000)).length).toBe(before);
    // With the token, the same session acts, and the audit trail names the user.
    const pbid = (await sim.state()).breaches.newestPbid;
    const ok = await app.inject({
      method: 'POST',
      url,
      headers: { ...headers, 'x-csrf-token': csrf, 'x-dtc-user': 'mallory' },
      payload: { breachIds: [pbid], comment: 'from the console' },
    });
    expect(ok.statusCode).toBeLessThan(500);
    expect((await store.commandRuns.list(1))[0].who).toBe('analyst');
    const out = await app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { ...headers, 'x-csrf-token': csrf },
    });
    expect(out.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers })).statusCode).toBe(401);
  });

  it('throttles failed logins per user and address, even for the right password', async () => {
    await access.addUser('target', PASSWORD, 'viewer');
    for (let i = 0; i < 5; i++)
      expect((await login('target', 'wrong-password!', '10.9.9.9')).r.statusCode).toBe(401);
    const locked = await login('target', PASSWORD, '10.9.9.9');
    expect(locked.r.statusCode).toBe(429);
    expect(Number(locked.r.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not locked out by someone else's guessing.
    expect((await login('target', PASSWORD, '10.9.9.10')).r.statusCode).toBe(200);
  });
});

describe('API keys', () => {
  it('refuses a revoked or expired key, and a key never outranks its owner', async () => {
    await access.addUser('carol', PASSWORD, 'responder');
    const k = await access.createApiKey({ owner: 'carol', name: 'soar', role: 'responder' });
    const runAs = (key: string) => as(key, json('POST', '/api/instances/lab/commands/create-actions', {}));
    expect((await runAs(k.key)).statusCode).toBe(400); // past access control, refused by the schema
    await access.setRole('carol', 'analyst');
    expect((await runAs(k.key)).statusCode).toBe(403);
    await access.revokeApiKey(k.prefix);
    const revoked = await as(k.key, json('GET', '/api/detections'));
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().message).toMatch(/unknown, revoked or expired/);
    const soon = await access.createApiKey({
      owner: 'carol',
      name: 'brief',
      role: 'viewer',
      expiresAt: Date.now() + 150,
    });
    expect((await as(soon.key, json('GET', '/api/detections'))).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect((await as(soon.key, json('GET', '/api/detections'))).statusCode).toBe(401);
    expect((await as('not-a-key', json('GET', '/api/detections'))).json().message).toMatch(
      /not a dtc API key/,
    );
    await expect(access.createApiKey({ owner: 'carol', name: 'x', role: 'admin' })).rejects.toThrow(
      /cannot create a key/,
    );
  });

  it('shows a key once: listings carry its prefix, never the key or its digest', async () => {
    const created = await as(
      keys.admin,
      json('POST', '/api/apikeys', { name: 'shown-once', role: 'viewer' }),
    );
    const key = created.json().key as string;
    expect(key).toMatch(/^dtc_[0-9a-f]{8}_/);
    const list = await as(keys.admin, json('GET', '/api/apikeys'));
    expect(list.body).not.toContain(key);
    expect(list.body).not.toContain(key.slice(13));
    expect(list.json().find((k: { prefix: string }) => key.startsWith(k.prefix))).toMatchObject({
      name: 'shown-once',
    });
  });
});

describe('rate limits', () => {
  it('limits each identity on its own, with a 429 in the error shape', async () => {
    const limited = buildApi({
      store,
      access,
      collector: { status: () => [] },
      metrics: createMetrics(),
      rateLimitPerMinute: 5,
    });
    try {
      const get = (key: string) =>
        limited.inject({
          method: 'GET',
          url: '/api/detections',
          headers: { authorization: `Bearer ${key}` },
        });
      for (let i = 0; i < 5; i++) expect((await get(keys.viewer)).statusCode).toBe(200);
      const over = await get(keys.viewer);
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({ code: 'rate_limited', statusCode: 429 });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      // Another identity still gets in.
      expect((await get(keys.analyst)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('passwords and the last admin', () => {
  it('lets a key change no password, a person only their own with the current one, and ends old sessions', async () => {
    await access.addUser('dana', PASSWORD, 'analyst');
    const danaKey = (await access.createApiKey({ owner: 'dana', name: 'k', role: 'viewer' })).key;
    // With a key, even the owner's own password is out of reach; another user's needs an admin.
    const byKey = await as(
      danaKey,
      json('PUT', '/api/auth/password', { currentPassword: PASSWORD, password: 'x'.repeat(20) }),
    );
    expect(byKey.statusCode).toBe(403);
    expect(
      (await as(keys.analyst, json('PUT', '/api/users/dana/password', { password: 'y'.repeat(20) })))
        .statusCode,
    ).toBe(403);
    const login = async (password: string) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { user: 'dana', password },
        remoteAddress: '10.1.1.1',
      });
    const first = await login(PASSWORD);
    const second = await login(PASSWORD);
    const cookieOf = (r: LightMyRequestResponse) =>
      `dtc_session=${r.cookies.find((c) => c.name === 'dtc_session')!.value}`;
    const change = (current: string) =>
      app.inject({
        method: 'PUT',
        url: '/api/auth/password',
        headers: { cookie: cookieOf(first), 'x-csrf-token': first.json().csrfToken },
        payload: { currentPassword: current, password: 'dana-new-password' },
      });
    expect((await change('wrong-current-password')).statusCode).toBe(403);
    expect((await change(PASSWORD)).statusCode).toBe(204);
    // The other session (someone who had the old password) is out.
    expect(
      (await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: cookieOf(second) } }))
        .statusCode,
    ).toBe(401);
    expect((await login('dana-new-password')).statusCode).toBe(200);
  });

  it('keeps the throttle when guesses arrive in parallel', async () => {
    await access.addUser('erin', PASSWORD, 'viewer');
    const tries = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { user: 'erin', password: i === 29 ? PASSWORD : `guess-number-${i}` },
          remoteAddress: '10.2.2.2',
        }),
      ),
    );
    const codes = tries.map((t) => t.statusCode);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(25);
    expect(codes[29]).not.toBe(200);
  });

  it('refuses to demote or remove the last admin', async () => {
    const demote = await as(keys.admin, json('PUT', '/api/users/admin/role', { role: 'viewer' }));
    expect(demote.statusCode).toBe(409);
    expect(demote.json().message).toMatch(/last admin/);
    expect((await as(keys.admin, json('DELETE', '/api/users/admin'))).statusCode).toBe(409);
  });
});

describe('behind a trusted proxy', () => {
  it('throttles each client address from X-Forwarded-For, not the proxy as one', async () => {
    const proxied = buildApi({
      store,
      access,
      collector: { status: () => [] },
      metrics: createMetrics(),
      trustProxy: ['127.0.0.1'],
    });
    try {
      await access.addUser('frank', PASSWORD, 'viewer');
      const login = (client: string, password: string) =>
        proxied.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { user: 'frank', password },
          headers: { 'x-forwarded-for': client },
        });
      for (let i = 0; i < 5; i++)
        expect((await login('10.3.3.3', `wrong-password-${i}`)).statusCode).toBe(401);
      expect((await login('10.3.3.3', PASSWORD)).statusCode).toBe(429);
      expect((await login('10.3.3.4', PASSWORD)).statusCode).toBe(200);
    } finally {
      await proxied.close();
    }
  });
});
