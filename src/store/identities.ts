// Users, API keys, role grants and console sessions. The store keeps only hashes (passwords as scrypt
// strings, API keys and session ids as SHA-256 digests); src/auth/ makes and checks them. A grant gives
// a subject (`user:<name>` or `key:<id>`) a role within a tenant; `*` is every tenant, and today's
// single-site install grants there.
import type { Kysely } from 'kysely';
import type { Executor } from './conn.ts';
import { type LoginFailures, loginFailures } from './rate-limits.ts';
import type { DB } from './schema.ts';

export interface UserRow {
  name: string;
  passwordHash: string | null;
  /** Where the identity comes from: `local` (a password) or `oidc` (single sign-on). */
  source: string;
  createdAt: number;
  updatedAt: number;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  /** The key's first characters, shown in lists so a person recognises it (`dtc_ab12cd34`). */
  prefix: string;
  /** Who created it (a user name), for the audit trail. */
  owner: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface Grant {
  subject: string;
  tenant: string;
  role: string;
}

export interface SessionRow {
  user: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export interface Identities {
  users: {
    add(u: { name: string; passwordHash: string | null; source?: string }): Promise<void>;
    get(name: string): Promise<UserRow | undefined>;
    list(): Promise<UserRow[]>;
    setPassword(name: string, passwordHash: string): Promise<boolean>;
    /** Removes the user, its grants, its sessions and its API keys. */
    remove(name: string): Promise<boolean>;
    count(): Promise<number>;
  };
  apiKeys: {
    add(k: {
      id: string;
      name: string;
      prefix: string;
      owner: string;
      digest: string;
      expiresAt: number | null;
    }): Promise<void>;
    /** The key whose digest this is, unrevoked and unexpired at `now`. */
    findByDigest(digest: string, now: number): Promise<ApiKeyRow | undefined>;
    list(): Promise<ApiKeyRow[]>;
    touch(id: string, at: number): Promise<void>;
    revoke(id: string, at: number): Promise<boolean>;
  };
  grants: {
    set(subject: string, role: string, tenant?: string): Promise<void>;
    of(subject: string): Promise<Grant[]>;
  };
  sessions: {
    add(s: { digest: string; user: string; csrf: string; expiresAt: number }): Promise<void>;
    find(digest: string, now: number): Promise<SessionRow | undefined>;
    remove(digest: string): Promise<void>;
    /** Ends every session of a user (a password change, a removal). */
    removeUser(user: string): Promise<void>;
    /** Drops expired sessions; returns how many. */
    prune(now: number): Promise<number>;
  };
  /** Failed logins, which the login throttle counts (kept here so every replica counts them all). */
  loginFailures: LoginFailures;
  /** Single sign-ons started and not yet finished (src/auth/oidc.ts), by the digest of the browser's id. */
  oidcPending: {
    /** Adds one, after dropping the expired and, past `max`, the oldest. */
    add(p: OidcPendingRow & { digest: string }, now: number, max: number): Promise<void>;
    /** Takes one out (once: a second take finds nothing), expired or not. */
    take(digest: string): Promise<OidcPendingRow | undefined>;
  };
}

export interface OidcPendingRow {
  state: string;
  nonce: string;
  verifier: string;
  expiresAt: number;
}

export function identities(k: Kysely<DB>, x: Executor): Identities {
  const userOf = (r: {
    name: string;
    password_hash: string | null;
    source: string;
    created_at: number;
    updated_at: number;
  }): UserRow => ({
    name: r.name,
    passwordHash: r.password_hash,
    source: r.source,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  const keyOf = (r: {
    id: string;
    name: string;
    prefix: string;
    owner: string;
    created_at: number;
    expires_at: number | null;
    last_used_at: number | null;
    revoked_at: number | null;
  }): ApiKeyRow => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    owner: r.owner,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  });
  const keyCols = [
    'id',
    'name',
    'prefix',
    'owner',
    'created_at',
    'expires_at',
    'last_used_at',
    'revoked_at',
  ] as const;
  return {
    users: {
      add: async (u) => {
        const now = Date.now();
        await x.run(
          k.insertInto('users').values({
            name: u.name,
            password_hash: u.passwordHash,
            source: u.source ?? 'local',
            created_at: now,
            updated_at: now,
          }),
        );
      },
      get: async (name) => {
        const r = await x.first(k.selectFrom('users').selectAll().where('name', '=', name));
        return r && userOf(r);
      },
      list: async () => (await x.all(k.selectFrom('users').selectAll().orderBy('name'))).map(userOf),
      setPassword: async (name, hash) =>
        (
          await x.run(
            k
              .updateTable('users')
              .set({ password_hash: hash, updated_at: Date.now() })
              .where('name', '=', name),
          )
        ).changes > 0,
      remove: (name) =>
        x.transaction(async () => {
          const keys = (await x.all(k.selectFrom('api_keys').select('id').where('owner', '=', name))).map(
            (r) => r.id,
          );
          const subjects = [`user:${name}`, ...keys.map((id) => `key:${id}`)];
          await x.run(k.deleteFrom('grants').where('subject', 'in', subjects));
          await x.run(k.deleteFrom('api_keys').where('owner', '=', name));
          await x.run(k.deleteFrom('sessions').where('user', '=', name));
          return (await x.run(k.deleteFrom('users').where('name', '=', name))).changes > 0;
        }),
      count: async () =>
        Number(
          (await x.first(k.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n'))))?.n ?? 0,
        ),
    },
    apiKeys: {
      add: async (key) =>
        void (await x.run(
          k.insertInto('api_keys').values({
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            owner: key.owner,
            digest: key.digest,
            created_at: Date.now(),
            expires_at: key.expiresAt,
            last_used_at: null,
            revoked_at: null,
          }),
        )),
      findByDigest: async (digest, now) => {
        const r = await x.first(
          k
            .selectFrom('api_keys')
            .select(keyCols)
            .where('digest', '=', digest)
            .where('revoked_at', 'is', null)
            .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
        );
        return r && keyOf(r);
      },
      list: async () =>
        (await x.all(k.selectFrom('api_keys').select(keyCols).orderBy('created_at'))).map(keyOf),
      touch: async (id, at) =>
        void (await x.run(k.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id))),
      revoke: async (id, at) =>
        (
          await x.run(
            k
              .updateTable('api_keys')
              .set({ revoked_at: at })
              .where('id', '=', id)
              .where('revoked_at', 'is', null),
          )
        ).changes > 0,
    },
    grants: {
      set: async (subject, role, tenant = '*') =>
        void (await x.run(
          k
            .insertInto('grants')
            .values({ subject, tenant, role })
            .onConflict((oc) => oc.columns(['subject', 'tenant']).doUpdateSet({ role })),
        )),
      of: (subject) => x.all(k.selectFrom('grants').selectAll().where('subject', '=', subject)),
    },
    sessions: {
      add: async (s) =>
        void (await x.run(
          k.insertInto('sessions').values({
            digest: s.digest,
            user: s.user,
            csrf: s.csrf,
            created_at: Date.now(),
            expires_at: s.expiresAt,
          }),
        )),
      find: async (digest, now) => {
        const r = await x.first(
          k.selectFrom('sessions').selectAll().where('digest', '=', digest).where('expires_at', '>', now),
        );
        return r && { user: r.user, csrf: r.csrf, createdAt: r.created_at, expiresAt: r.expires_at };
      },
      remove: async (digest) => void (await x.run(k.deleteFrom('sessions').where('digest', '=', digest))),
      removeUser: async (user) => void (await x.run(k.deleteFrom('sessions').where('user', '=', user))),
      prune: async (now) => (await x.run(k.deleteFrom('sessions').where('expires_at', '<=', now))).changes,
    },
    loginFailures: loginFailures(k, x),
    oidcPending: {
      add: (p, now, max) =>
        x.transaction(async () => {
          await x.run(k.deleteFrom('oidc_pending').where('expires_at', '<=', now));
          const n = Number(
            (await x.first(k.selectFrom('oidc_pending').select((eb) => eb.fn.countAll<number>().as('n'))))
              ?.n ?? 0,
          );
          // A flood of abandoned logins costs bounded space: the oldest are forgotten first.
          if (n >= max)
            await x.run(
              k.deleteFrom('oidc_pending').where(
                'digest',
                'in',
                k
                  .selectFrom('oidc_pending')
                  .select('digest')
                  .orderBy('expires_at')
                  .limit(n - max + 1),
              ),
            );
          await x.run(
            k.insertInto('oidc_pending').values({
              digest: p.digest,
              state: p.state,
              nonce: p.nonce,
              verifier: p.verifier,
              expires_at: p.expiresAt,
            }),
          );
        }),
      take: async (digest) => {
        const r = await x.first(k.deleteFrom('oidc_pending').where('digest', '=', digest).returningAll());
        return r && { state: r.state, nonce: r.nonce, verifier: r.verifier, expiresAt: Number(r.expires_at) };
      },
    },
  };
}
