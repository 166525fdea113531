// Single sign-on against a real OpenID provider (oidc-provider, over HTTPS with a test CA, on loopback):
// the service is started from a config file with an `oidc:` section, and each sign-in is driven as a
// browser would drive it, over real HTTP with a cookie jar per site: our login → the provider's
// authorization endpoint → its login and consent forms (its dev interactions) → our callback. The
// provider sends the group claim in its UserInfo answer only, as many do.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { Agent, fetch, type Response } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin, type OidcSettings } from '../../src/auth/oidc.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { buildApi } from '../../src/server/app.ts';
import { validateConfig } from '../../src/service/config.ts';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { type Service, startService } from '../../src/service/service.ts';
import { makeTlsMaterial } from '../helpers/tls.ts';

const SECRET = 'oidc-client-secret-for-the-test-0123456789';
const CALLBACK = '/api/auth/oidc/callback';

/** The provider's people: their groups decide their role here. */
const groups: Record<string, string[]> = {
  alice: ['dtc-admins', 'everyone'],
  bob: ['dtc-analysts', 'everyone'],
  carol: ['everyone'],
  admin: ['dtc-admins'], // the same name as the local bootstrap admin
  erin: ['dtc-admins'],
};
/** A preferred_username other than the login, where one differs. */
const usernames: Record<string, string> = { erin: 'Erin Example' };

let provider: Server;
let caFile: string;
let issuer: string;
let svc: Service;
let dispatcher: Agent;
/** A second API on the same store, for clients configured wrongly. */
let otherPort: number;
const logs: string[] = [];

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  const tls = makeTlsMaterial();
  caFile = tls.caFile;
  dispatcher = new Agent({ connect: { ca: tls.caCert } });

  // The provider's HTTPS server first: its port is part of the issuer.
  provider = createHttpsServer({ key: tls.good.key, cert: tls.good.cert });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  issuer = `https://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  const apiPort = await freePort();
  otherPort = await freePort();
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const oidc = new Provider(issuer, {
    clients: [
      {
        client_id: 'dtc',
        client_secret: SECRET,
        redirect_uris: [`http://127.0.0.1:${apiPort}${CALLBACK}`, `http://127.0.0.1:${otherPort}${CALLBACK}`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...jwk, kid: 'test-key', alg: 'RS256', use: 'sig' } as never] },
    cookies: { keys: ['a cookie key for the test provider'] },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], groups: ['groups'] },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    features: { devInteractions: { enabled: true } },
    findAccount: async (_ctx, sub) =>
      groups[sub]
        ? {
            accountId: sub,
            claims: async () => ({
              sub,
              preferred_username: usernames[sub] ?? sub,
              name: `${sub} (test)`,
              groups: groups[sub],
            }),
          }
        : undefined,
  });
  provider.on('request', oidc.callback());

  const dir = mkdtempSync(join(tmpdir(), 'dtc-oidc-'));
  const configFile = join(dir, 'dtc.yaml');
  writeFileSync(
    configFile,
    [
      'oidc:',
      `  issuer: ${issuer}`,
      '  clientId: dtc',
      '  clientSecret: ${DTC_OIDC_SECRET}',
      '  scopes: [openid, profile, groups]',
      '  roleClaim: groups',
      '  roleMap: { dtc-admins: admin, dtc-analysts: analyst }',
      `  tls: { caFile: ${tls.caFile} }`,
      '',
    ].join('\n'),
  );
  const line = (m: string, data?: unknown) => logs.push(`${m} ${data ? JSON.stringify(data) : ''}`);
  const log: ServiceLogger = { debug: line, info: line, warn: line, error: line, child: () => log };
  svc = await startService({
    dataDir: join(dir, 'data'),
    configFile,
    port: apiPort,
    demo: false,
    log,
    env: { DTC_SECRET_KEY: 'c'.repeat(64), DTC_OIDC_SECRET: SECRET },
  });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  provider?.closeAllConnections();
  await new Promise((r) => provider?.close(r));
  await dispatcher?.close();
});

/** Cookies by site, as a browser keeps them (paths ignored: each site's cookies go to all its paths). */
class Jar {
  readonly #sites = new Map<string, Map<string, string>>();
  header(url: URL): string {
    return [...(this.#sites.get(url.origin) ?? [])].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(origin: string, name: string): string | undefined {
    return this.#sites.get(origin)?.get(name);
  }
  take(url: URL, res: Response) {
    const site = this.#sites.get(url.origin) ?? new Map<string, string>();
    this.#sites.set(url.origin, site);
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const gone = attrs.some(
        (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()),
      );
      if (gone || !value) site.delete(name);
      else site.set(name, value);
    }
  }
}

interface SignIn {
  /** Our callback's answer (absent with `stop`). */
  res: Response;
  body: string;
  jar: Jar;
  /** Where our login sent the browser. */
  authorize: URL;
  /** The callback URL the provider sent the browser to. */
  callback?: URL;
}

/**
 * Signs in as `login` at the provider, as a browser: follows each redirect, fills the login form, agrees
 * to the consent form, and stops at our callback's answer. `tamper` may change the callback URL first;
 * `stop` stops before it; `abort` cancels at the provider's login form instead.
 */
async function signIn(
  login: string,
  o: { tamper?: (u: URL) => void; abort?: boolean; stop?: boolean; api?: string } = {},
): Promise<SignIn> {
  const jar = new Jar();
  const api = o.api ?? svc.url;
  let url = new URL('/api/auth/oidc/login', api);
  let body: string | undefined;
  let authorize: URL | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const ours = url.origin === new URL(api).origin;
    if (ours && url.pathname === CALLBACK) {
      if (o.stop) return { res: undefined as never, body: '', jar, authorize: authorize!, callback: url };
      o.tamper?.(url);
    }
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      body,
      redirect: 'manual',
      dispatcher,
      headers: {
        cookie: jar.header(url),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    jar.take(url, res);
    if (ours && url.pathname === CALLBACK) return { res, body: await res.text(), jar, authorize: authorize! };
    body = undefined;
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location')!, url);
      if (ours && url.pathname === '/api/auth/oidc/login') authorize = next;
      url = next;
      await res.arrayBuffer();
      continue;
    }
    const html = await res.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || ours || !prompt || !action)
      throw new Error(`unexpected ${res.status} from ${url.href}: ${html.slice(0, 300)}`);
    if (prompt === 'login' && o.abort) {
      url = new URL(`${new URL(action, url).pathname}/abort`, url);
      continue;
    }
    url = new URL(action, url);
    body =
      prompt === 'login'
        ? new URLSearchParams({ prompt, login, password: 'any password' }).toString()
        : new URLSearchParams({ prompt }).toString();
  }
  throw new Error('too many redirects');
}

/** A call to our API with the session the sign-in left in the jar. */
async function withSession(s: SignIn, path: string, init: { method?: string; csrf?: string } = {}) {
  const url = new URL(path, svc.url);
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    dispatcher,
    headers: { cookie: s.jar.header(url), ...(init.csrf ? { 'x-csrf-token': init.csrf } : {}) },
  });
  return { status: res.status, json: (await res.json()) as any };
}

const sessionOf = (s: SignIn) => s.jar.get(new URL(svc.url).origin, 'dtc_session');

describe('single sign-on by OpenID Connect', () => {
  it('sends the browser to the provider with state, nonce and PKCE (S256), and remembers them in a cookie', async () => {
    const res = await fetch(new URL('/api/auth/oidc/login', svc.url), { redirect: 'manual', dispatcher });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(issuer);
    const q = Object.fromEntries(to.searchParams);
    expect(q).toMatchObject({
      client_id: 'dtc',
      response_type: 'code',
      redirect_uri: `${svc.url}${CALLBACK}`,
      code_challenge_method: 'S256',
      scope: 'openid profile groups',
    });
    expect(q.state).toMatch(/^[\w-]{32,}$/);
    expect(q.nonce).toMatch(/^[\w-]{32,}$/);
    expect(q.code_challenge).toMatch(/^[\w-]{43}$/);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('dtc_oidc='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/api\/auth\/oidc\/callback/);
    // The cookie is an opaque id: state, nonce and verifier stay on the server; the secret is nowhere.
    expect(cookie).not.toContain(q.state);
    expect(cookie).not.toContain(q.nonce);
    expect(res.headers.get('location')).not.toContain(SECRET);
  });

  it('gives a member of the admins group an admin session that can call admin routes', async () => {
    const s = await signIn('alice');
    expect(s.res.status).toBe(302);
    expect(s.res.headers.get('location')).toBe('/');
    const cookie = s.res.headers.getSetCookie().find((c) => c.startsWith('dtc_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const me = await withSession(s, '/api/auth/me');
    expect(me).toMatchObject({ status: 200, json: { user: 'alice', role: 'admin', via: 'session' } });
    expect(me.json.csrfToken).toEqual(expect.any(String));
    const users = await withSession(s, '/api/users');
    expect(users.status).toBe(200);
    expect(users.json.find((u: { name: string }) => u.name === 'alice')).toMatchObject({
      role: 'admin',
      source: 'oidc',
    });
    // The same CSRF rule as a password session: a change without the token is refused, with it allowed.
    expect((await withSession(s, '/api/auth/logout', { method: 'POST' })).status).toBe(403);
    const run = (await svc.store.commandRuns.list(20)).find(
      (r) => r.command === 'auth.login' && r.who === 'alice',
    );
    expect(run?.params).toMatchObject({ via: 'oidc', role: 'admin' });
    const out = await fetch(new URL('/api/auth/logout', svc.url), {
      method: 'POST',
      dispatcher,
      headers: { cookie: `dtc_session=${sessionOf(s)}`, 'x-csrf-token': me.json.csrfToken },
    });
    expect(out.status).toBe(204);
    expect((await withSession(s, '/api/auth/me')).status).toBe(401);
  });

  it('gives an analyst an analyst session, refused (403) on admin routes', async () => {
    const s = await signIn('bob');
    expect(s.res.status).toBe(302);
    expect((await withSession(s, '/api/auth/me')).json).toMatchObject({ user: 'bob', role: 'analyst' });
    const users = await withSession(s, '/api/users');
    expect(users.status).toBe(403);
    expect(users.json.message).toBe('bob is analyst; this needs admin');
    expect((await withSession(s, '/api/detections')).status).toBe(200);
  });

  it('takes the role from the provider at each sign-in: a promotion there shows here', async () => {
    groups.bob = ['dtc-admins'];
    try {
      const s = await signIn('bob');
      expect((await withSession(s, '/api/users')).status).toBe(200);
      expect((await svc.access.listUsers()).find((u) => u.name === 'bob')).toMatchObject({ role: 'admin' });
    } finally {
      groups.bob = ['dtc-analysts', 'everyone'];
    }
    const again = await signIn('bob');
    expect((await withSession(again, '/api/auth/me')).json.role).toBe('analyst');
  });

  it('refuses someone no group of whom maps to a role, with no session', async () => {
    const s = await signIn('carol');
    expect(s.res.status).toBe(403);
    expect(JSON.parse(s.body).message).toBe(
      'carol may not sign in here: none of their "groups" values (everyone) maps to a role in oidc.roleMap, and no oidc.defaultRole is set',
    );
    expect(sessionOf(s)).toBeUndefined();
    expect((await svc.access.listUsers()).map((u) => u.name)).not.toContain('carol');
  });

  it('refuses a name that is not a valid user name here, and says which setting to change', async () => {
    const s = await signIn('erin');
    expect(s.res.status).toBe(403);
    expect(JSON.parse(s.body).message).toBe(
      'the provider names this user "Erin Example", which is not a valid user name here (letters, digits and . _ @ -, at most 64): choose another name claim (oidc.nameClaim)',
    );
    expect(sessionOf(s)).toBeUndefined();
  });

  it('refuses a callback whose state was tampered with, and the code cannot be used after', async () => {
    let original: URL | undefined;
    const s = await signIn('alice', {
      tamper: (u) => {
        original = new URL(u);
        u.searchParams.set('state', `${u.searchParams.get('state')}x`);
      },
    });
    expect(s.res.status).toBe(400);
    expect(JSON.parse(s.body).message).toMatch(
      /state the provider sent back is not the one this sign-in started/,
    );
    expect(sessionOf(s)).toBeUndefined();
    // The genuine callback, replayed: the login it belonged to was used up by the refused attempt.
    const replay = await fetch(original!, { redirect: 'manual', dispatcher });
    expect(replay.status).toBe(400);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('dtc_session='))).toBe(false);
  });

  it('refuses a genuine callback brought by another browser (login CSRF)', async () => {
    const victim = await signIn('alice', { stop: true });
    // An attacker's own code and state, planted in someone else's browser: no cookie of its login there.
    const planted = await fetch(victim.callback!, { redirect: 'manual', dispatcher });
    expect(planted.status).toBe(400);
    expect(((await planted.json()) as { message: string }).message).toBe(
      'no sign-in was started from this browser, or it took longer than 10 minutes: start again at /api/auth/oidc/login',
    );
    // The same callback from the browser that started the login still works: the code was genuine.
    const own = await fetch(victim.callback!, {
      redirect: 'manual',
      dispatcher,
      headers: { cookie: victim.jar.header(victim.callback!) },
    });
    expect(own.status).toBe(302);
    expect(own.headers.getSetCookie().some((c) => c.startsWith('dtc_session='))).toBe(true);
  });

  it('says when the provider refused the sign-in (the person cancelled)', async () => {
    const s = await signIn('alice', { abort: true });
    expect(s.res.status).toBe(401);
    expect(JSON.parse(s.body).message).toBe(
      'the OpenID provider refused the sign-in: access_denied (End-User aborted interaction)',
    );
    expect(sessionOf(s)).toBeUndefined();
  });

  it('does not let a sign-on take over a local user of the same name', async () => {
    const s = await signIn('admin');
    expect(s.res.status).toBe(403);
    expect(JSON.parse(s.body).message).toBe(
      'a local user named "admin" exists here, and a sign-on does not take it over: remove it (`dtc user remove admin`) or set oidc.takeOverLocalUsers: true',
    );
    expect(sessionOf(s)).toBeUndefined();
    expect((await svc.access.listUsers()).find((u) => u.name === 'admin')?.source).toBe('local');
  });

  it('takes over a local user only when configured to, which then keeps its password', async () => {
    await svc.access.addUser('dave', 'a long enough password', 'viewer');
    await expect(svc.access.signInExternal({ name: 'dave', role: 'admin', source: 'oidc' })).rejects.toThrow(
      /a local user named "dave" exists here/,
    );
    const s = await svc.access.signInExternal({
      name: 'dave',
      role: 'admin',
      source: 'oidc',
      takeOverLocal: true,
    });
    expect(await svc.access.session(s.sessionId)).toMatchObject({
      user: 'dave',
      role: 'admin',
      via: 'session',
    });
    expect((await svc.access.listUsers()).find((u) => u.name === 'dave')).toMatchObject({
      source: 'local',
      role: 'admin',
    });
    expect((await svc.access.login('dave', 'a long enough password', '127.0.0.1')).principal.role).toBe(
      'admin',
    );
  });

  it('keeps a single sign-on user password-less: no password login, no password set here', async () => {
    await signIn('bob');
    const res = await fetch(new URL('/api/auth/login', svc.url), {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'bob', password: 'any password at all' }),
    });
    expect(res.status).toBe(401);
    await expect(svc.access.setPassword('bob', 'a long enough password')).rejects.toThrow(
      /signs in through the OpenID provider/,
    );
  });

  it('never logs or returns the client secret', async () => {
    const doc = await fetch(new URL('/api/openapi.json', svc.url), { dispatcher });
    const text = await doc.text();
    expect(text).toContain('/api/auth/oidc/callback');
    expect(text).not.toContain(SECRET);
    expect(logs.join('\n')).not.toContain(SECRET);
    expect(logs.join('\n')).toContain(`single sign-on: OpenID provider ${issuer}`);
  });
});

describe('a client configured wrongly', () => {
  const quiet = { error() {} };
  const apiWith = (settings: Partial<OidcSettings>) => {
    const login = new OidcLogin(
      {
        issuer,
        clientId: 'dtc',
        clientSecret: SECRET,
        roleClaim: 'groups',
        roleMap: { 'dtc-admins': 'admin' },
        scopes: ['openid', 'profile', 'groups'],
        ca: readFileSync(caFile),
        ...settings,
      },
      svc.access,
      { apiUrl: () => `http://127.0.0.1:${otherPort}` },
    );
    return buildApi({
      store: svc.store,
      access: svc.access,
      oidc: login,
      collector: { status: () => [] },
      metrics: createMetrics(),
      log: quiet,
    });
  };

  it('says the provider refused the client when its secret is wrong, and opens no session', async () => {
    const app = apiWith({ clientSecret: 'not the secret' });
    await app.listen({ port: otherPort, host: '127.0.0.1' });
    try {
      const s = await signIn('alice', { api: `http://127.0.0.1:${otherPort}` });
      expect(s.res.status).toBe(401);
      expect(JSON.parse(s.body).message).toMatch(
        /^the OpenID provider refused the code exchange: invalid_client \(.+\): check oidc.clientId, oidc.clientSecret and oidc.clientAuth$/,
      );
      expect(s.body).not.toContain('not the secret');
      expect(s.jar.get(`http://127.0.0.1:${otherPort}`, 'dtc_session')).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('answers 502 naming the metadata URL when the provider cannot be reached', async () => {
    const closed = await freePort();
    const app = apiWith({ issuer: `https://127.0.0.1:${closed}/realms/soc` });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/api/auth/oidc/login' });
    expect(res.statusCode).toBe(502);
    expect(res.json().message).toBe(
      `cannot read the OpenID provider's metadata from https://127.0.0.1:${closed}/realms/soc/.well-known/openid-configuration: fetch failed (connect ECONNREFUSED 127.0.0.1:${closed})`,
    );
    await app.close();
  });

  it('refuses a certificate it cannot trust', async () => {
    const app = apiWith({ ca: undefined });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/api/auth/oidc/login' });
    expect(res.statusCode).toBe(502);
    expect(res.json().message).toMatch(/fetch failed \(unable to verify the first certificate\)$/);
    await app.close();
  });
});

describe('the oidc: config section', () => {
  const base = { issuer: 'https://login.example.com/realms/soc', clientId: 'dtc', clientSecret: 's' };
  it('takes defaults and refuses a config under which no one could sign in', async () => {
    const c = validateConfig({ oidc: { ...base, roleMap: { 'dtc-admins': 'admin' } } });
    expect(c.oidc).toMatchObject({
      roleClaim: 'groups',
      nameClaim: 'preferred_username',
      scopes: ['openid', 'profile', 'email'],
      clientAuth: 'client_secret_basic',
      takeOverLocalUsers: false,
    });
    expect(() => validateConfig({ oidc: base })).toThrow(/oidc\.roleMap: maps no claim value to a role/);
    expect(() => validateConfig({ oidc: { ...base, defaultRole: 'viewer' } })).not.toThrow();
    const api = { host: '0.0.0.0', insecureHttp: true, allowedHosts: ['dtc.example.com'] };
    const oidc = {
      ...base,
      defaultRole: 'viewer',
      redirectUrl: 'https://other.example.com/api/auth/oidc/callback',
    };
    expect(() => validateConfig({ api, oidc })).toThrow(
      "oidc.redirectUrl: its host other.example.com is not in api.allowedHosts, so the API would refuse the sign-on's callback",
    );
    expect(() =>
      validateConfig({
        api: { ...api, publicUrl: 'https://dtc.example.com' },
        oidc: { ...oidc, redirectUrl: undefined },
      }),
    ).not.toThrow();
  });

  it('names every bad field, and an unset secret variable', async () => {
    let message = '';
    try {
      validateConfig(
        {
          oidc: {
            issuer: 'http://login.example.com',
            clientId: '',
            clientSecret: '${NO_SUCH_SECRET}',
            roleMap: { x: 'root' },
            colour: 'red',
          },
        },
        {},
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('oidc.clientSecret: environment variable NO_SUCH_SECRET is not set');
    expect(message).toContain('oidc.issuer: must be an https URL');
    expect(message).toContain('oidc.clientId: is empty');
    expect(message).toContain('oidc.roleMap.x: must be one of viewer, analyst, responder, admin');
    expect(message).toContain('oidc: unknown key "colour"');
    // http is accepted for a provider on this machine only.
    expect(() =>
      validateConfig({ oidc: { ...base, issuer: 'http://127.0.0.1:8081', defaultRole: 'viewer' } }),
    ).not.toThrow();
  });
});
