// Access control: who a request is (an API key, or a console session made by logging in) and what role
// it holds. Users and keys get their roles through grants (per tenant; `*` today), the store keeps only
// hashes, and a first start with no user creates `admin` with a random password in a 0600 file.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiKeyRow, Identities, Store } from '../store/index.ts';
import { isRole, ROLES, type Role } from './roles.ts';
import {
  digest,
  hashPassword,
  looksLikeApiKey,
  MIN_PASSWORD,
  newApiKey,
  newSession,
  randomPassword,
  verifyPassword,
} from './secrets.ts';

export { isRole, ROLES, type Role };

export interface Principal {
  /** How the request proved who it is. */
  via: 'api-key' | 'session';
  /** The user (for a key, the user who created it). */
  user: string;
  role: Role;
  /** The API key's id, when `via` is api-key. */
  keyId?: string;
  /** The session's CSRF token, when `via` is session. */
  csrf?: string;
  /** For the audit trail: `alice`, `alice (key 1a2b3c4d)`. */
  label: string;
}

export class AuthError extends Error {
  constructor(
    readonly code:
      | 'unauthenticated'
      | 'forbidden'
      | 'rate_limited'
      | 'invalid_parameter'
      | 'not_found'
      | 'conflict'
      | 'invalid_request'
      | 'upstream_failed',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SESSION_TTL_MS = 12 * 3_600_000;
const THROTTLE = { failures: 5, perAddress: 20, windowMs: 15 * 60_000 };

export class AccessControl {
  readonly #store: Store;
  readonly #sessionTtlMs: number;

  constructor(store: Store, o: { sessionTtlMs?: number } = {}) {
    this.#store = store;
    this.#sessionTtlMs = o.sessionTtlMs ?? SESSION_TTL_MS;
  }

  get #id() {
    return this.#store.identities;
  }

  /** Single sign-ons in progress, kept in the store so that any replica can finish one (oidc.ts). */
  get pendingSignIns(): Identities['oidcPending'] {
    return this.#id.oidcPending;
  }

  /** The strongest role any grant gives the subject (tenant `*` until tenants exist). */
  async roleOf(subject: string): Promise<Role | undefined> {
    const roles = (await this.#id.grants.of(subject)).map((g) => g.role).filter(isRole);
    return roles.sort((a, b) => ROLES.indexOf(b) - ROLES.indexOf(a))[0];
  }

  // ── users ──
  async addUser(name: string, password: string, role: Role): Promise<void> {
    if (!NAME.test(name))
      throw new AuthError(
        'invalid_parameter',
        `user name "${name}": use letters, digits and . _ @ - (at most 64)`,
      );
    checkPassword(password);
    if (await this.#id.users.get(name))
      throw new AuthError('conflict', `a user named "${name}" exists already`);
    await this.#id.users.add({ name, passwordHash: await hashPassword(password) });
    await this.#id.grants.set(`user:${name}`, role);
  }

  /** Whether the password is the user's (for a change made by the user themself). */
  async checkPassword(name: string, password: string): Promise<boolean> {
    return verifyPassword(password, (await this.#id.users.get(name))?.passwordHash ?? null);
  }

  async setPassword(name: string, password: string): Promise<void> {
    checkPassword(password);
    // A single sign-on user proves who they are at the provider; a password here would be a second door.
    if ((await this.#id.users.get(name))?.source === 'oidc')
      throw new AuthError(
        'conflict',
        `"${name}" signs in through the OpenID provider, which keeps their password; none is set here`,
      );
    // Every session of the user ends: whoever held one with the old password is out.
    await this.#id.sessions.removeUser(name);
    if (!(await this.#id.users.setPassword(name, await hashPassword(password))))
      throw new AuthError('not_found', `no user named "${name}"`);
  }

  async setRole(name: string, role: Role): Promise<void> {
    if (!(await this.#id.users.get(name))) throw new AuthError('not_found', `no user named "${name}"`);
    const admins = (await this.listUsers()).filter((u) => u.role === 'admin');
    if (role !== 'admin' && admins.length === 1 && admins[0].name === name)
      throw new AuthError('conflict', `"${name}" is the last admin: make another user admin first`);
    await this.#id.grants.set(`user:${name}`, role);
  }

  async removeUser(name: string): Promise<void> {
    const admins = (await this.listUsers()).filter((u) => u.role === 'admin');
    if (admins.length === 1 && admins[0].name === name)
      throw new AuthError('conflict', `"${name}" is the last admin: make another user admin first`);
    if (!(await this.#id.users.remove(name))) throw new AuthError('not_found', `no user named "${name}"`);
  }

  async listUsers(): Promise<
    { name: string; role: Role | null; source: string; createdAt: number; updatedAt: number }[]
  > {
    const out = [];
    for (const u of await this.#id.users.list())
      out.push({
        name: u.name,
        role: (await this.roleOf(`user:${u.name}`)) ?? null,
        source: u.source,
        createdAt: u.createdAt,
        updatedAt: u.updatedAt,
      });
    return out;
  }

  // ── API keys ──
  /** The key is in the answer once; afterwards only its prefix is known. */
  async createApiKey(o: {
    owner: string;
    name: string;
    role: Role;
    expiresAt?: number | null;
  }): Promise<ApiKeyRow & { key: string; role: Role }> {
    const ownerRole = await this.roleOf(`user:${o.owner}`);
    if (!ownerRole) throw new AuthError('not_found', `no user named "${o.owner}" with a role`);
    if (ROLES.indexOf(o.role) > ROLES.indexOf(ownerRole))
      throw new AuthError('forbidden', `a ${ownerRole} cannot create a key with the ${o.role} role`);
    if (o.expiresAt != null && o.expiresAt <= Date.now())
      throw new AuthError('invalid_parameter', 'the expiry is in the past');
    const k = newApiKey();
    await this.#id.apiKeys.add({
      id: k.id,
      name: o.name,
      prefix: k.prefix,
      owner: o.owner,
      digest: k.digest,
      expiresAt: o.expiresAt ?? null,
    });
    await this.#id.grants.set(`key:${k.id}`, o.role);
    const row = (await this.#id.apiKeys.list()).find((r) => r.id === k.id)!;
    return { ...row, key: k.key, role: o.role };
  }

  async listApiKeys(): Promise<(ApiKeyRow & { role: Role | null })[]> {
    const out = [];
    for (const k of await this.#id.apiKeys.list())
      out.push({ ...k, role: (await this.roleOf(`key:${k.id}`)) ?? null });
    return out;
  }

  async revokeApiKey(idOrPrefix: string): Promise<void> {
    const id = idOrPrefix.replace(/^dtc_/, '').slice(0, 8);
    if (!(await this.#id.apiKeys.revoke(id, Date.now())))
      throw new AuthError('not_found', `no active API key ${idOrPrefix}`);
  }

  /** The principal behind `Authorization: Bearer <key>`, or an AuthError saying what is wrong. */
  async authenticateKey(key: string): Promise<Principal> {
    if (!looksLikeApiKey(key))
      throw new AuthError('unauthenticated', 'the bearer token is not a dtc API key (dtc_<id>_<secret>)');
    const now = Date.now();
    const row = await this.#id.apiKeys.findByDigest(digest(key), now);
    const role = row && (await this.roleOf(`key:${row.id}`));
    if (!row || !role)
      throw new AuthError(
        'unauthenticated',
        'the API key is unknown, revoked or expired: create another with `dtc apikey create`',
      );
    // The owner's own role still bounds the key: a demoted user's keys lose power with them.
    const ownerRole = await this.roleOf(`user:${row.owner}`);
    const effective = ownerRole && ROLES.indexOf(ownerRole) < ROLES.indexOf(role) ? ownerRole : role;
    if (!ownerRole)
      throw new AuthError('unauthenticated', 'the API key belongs to a user who no longer exists');
    // Best effort: a store that cannot write (full disk) must not lock every key out.
    if (!row.lastUsedAt || now - row.lastUsedAt > 60_000)
      try {
        await this.#id.apiKeys.touch(row.id, now);
      } catch {}
    return {
      via: 'api-key',
      user: row.owner,
      role: effective,
      keyId: row.id,
      label: `${row.owner} (key ${row.id})`,
    };
  }

  // ── sessions ──
  /**
   * Checks the password (throttled per user and per address) and opens a session. The failures are
   * counted in the store, so replicas behind a load balancer throttle together.
   */
  async login(
    name: string,
    password: string,
    address: string,
  ): Promise<{ sessionId: string; principal: Principal; expiresAt: number }> {
    const failures = this.#id.loginFailures;
    const now = Date.now();
    const perUser = `u:${name}|${address}`;
    const perAddress = `a:${address}`;
    // Counted as a failure before the slow check, so parallel guesses cannot all pass the throttle
    // (each sees those recorded before its own); a refused or successful attempt is taken back.
    const { ids, counts } = await failures.add([perUser, perAddress], now, now - THROTTLE.windowMs);
    const over = counts.findIndex((c, i) => c.count > [THROTTLE.failures, THROTTLE.perAddress][i]);
    if (over >= 0) {
      await failures.remove(ids);
      const retry = Math.max(1, Math.ceil((counts[over].oldest + THROTTLE.windowMs - now) / 1000));
      throw new AuthError('rate_limited', `too many failed logins: try again in ${retry} s`, retry);
    }
    await failures.prune(now - THROTTLE.windowMs);
    const user = await this.#id.users.get(name);
    const ok = await verifyPassword(password, user?.passwordHash ?? null);
    const role = ok ? await this.roleOf(`user:${name}`) : undefined;
    if (!ok || !role) throw new AuthError('unauthenticated', 'wrong user name or password');
    await failures.clear(perUser);
    await failures.remove([ids[1]]);
    return this.#openSession(name, role);
  }

  /**
   * A person an identity provider vouched for (single sign-on): creates the user on first sign-in (no
   * password, `source` oidc), sets its role from the provider's claims on every sign-in, and opens a
   * session as a password login does. A local user of the same name is not taken over unless allowed.
   */
  async signInExternal(o: {
    name: string;
    role: Role;
    source: 'oidc';
    takeOverLocal?: boolean;
  }): Promise<{ sessionId: string; principal: Principal; expiresAt: number }> {
    if (!NAME.test(o.name))
      throw new AuthError(
        'forbidden',
        `the provider names this user "${o.name.slice(0, 80)}", which is not a valid user name here ` +
          '(letters, digits and . _ @ -, at most 64): choose another name claim (oidc.nameClaim)',
      );
    const user = await this.#id.users.get(o.name);
    if (user && user.source !== o.source && !o.takeOverLocal)
      throw new AuthError(
        'forbidden',
        `a ${user.source} user named "${o.name}" exists here, and a sign-on does not take it over: ` +
          `remove it (\`dtc user remove ${o.name}\`) or set oidc.takeOverLocalUsers: true`,
      );
    if (!user) await this.#id.users.add({ name: o.name, passwordHash: null, source: o.source });
    await this.#id.grants.set(`user:${o.name}`, o.role);
    return this.#openSession(o.name, o.role);
  }

  async #openSession(
    name: string,
    role: Role,
  ): Promise<{ sessionId: string; principal: Principal; expiresAt: number }> {
    const s = newSession();
    const expiresAt = Date.now() + this.#sessionTtlMs;
    await this.#id.sessions.add({ digest: s.digest, user: name, csrf: s.csrf, expiresAt });
    await this.#id.sessions.prune(Date.now());
    return {
      sessionId: s.id,
      expiresAt,
      principal: { via: 'session', user: name, role, csrf: s.csrf, label: name },
    };
  }

  async session(sessionId: string): Promise<Principal | undefined> {
    const s = await this.#id.sessions.find(digest(sessionId), Date.now());
    const role = s && (await this.roleOf(`user:${s.user}`));
    if (!s || !role) return undefined;
    return { via: 'session', user: s.user, role, csrf: s.csrf, label: s.user };
  }

  async logout(sessionId: string): Promise<void> {
    await this.#id.sessions.remove(digest(sessionId));
  }

  /**
   * A first start with no user: `admin` with a random password, and an admin API key, each in a 0600
   * file of the data directory (as Grafana and Jenkins do), so the demo works with no other step.
   */
  async bootstrap(
    dataDir: string,
  ): Promise<{ passwordFile: string; keyFile: string; keyPrefix: string } | undefined> {
    if ((await this.#id.users.count()) > 0) return undefined;
    const passwordFile = join(dataDir, 'admin-password');
    const keyFile = join(dataDir, 'admin-api-key');
    const write = (file: string, text: string) => {
      writeFileSync(file, `${text}\n`, { mode: 0o600 });
      chmodSync(file, 0o600); // a file left from an earlier data directory keeps its old mode otherwise
    };
    // The password file first: if the directory cannot take it, no admin exists whose password is lost.
    const password = randomPassword();
    write(passwordFile, password);
    await this.addUser('admin', password, 'admin');
    const key = await this.createApiKey({ owner: 'admin', name: 'bootstrap', role: 'admin' });
    write(keyFile, key.key);
    return { passwordFile, keyFile, keyPrefix: key.prefix };
  }
}

function checkPassword(password: string) {
  if (password.length < MIN_PASSWORD)
    throw new AuthError('invalid_parameter', `the password needs at least ${MIN_PASSWORD} characters`);
}
