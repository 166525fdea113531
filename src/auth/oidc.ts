// Single sign-on by OpenID Connect: the authorization code flow with PKCE (S256), a state and a nonce.
// The protocol is openid-client's (discovery, the code exchange with client authentication, the ID
// token's signature against the provider's JWKS, issuer, audience, expiry and nonce); this file decides
// what a signed-in person may do here: their name from one claim, their role from another through a
// configured map, and a session opened exactly as a password login opens one.
//
// What a login remembers between its start and the provider's callback (state, nonce, PKCE verifier) is
// kept here, in memory, under a random id that travels in a short-lived cookie: the callback must come
// back to the browser that started it (no login CSRF) and can be used once.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { type AccessControl, AuthError, type Principal } from './index.ts';
import { ROLES, type Role } from './roles.ts';
import { digest } from './secrets.ts';

export interface OidcSettings {
  /** The provider's issuer URL; its metadata is read from `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Never logged, never returned. */
  clientSecret: string;
  /** How the client proves itself at the token endpoint (default client_secret_basic). */
  clientAuth?: 'client_secret_basic' | 'client_secret_post';
  /** Where the provider sends the browser back; default `<API URL>/api/auth/oidc/callback`. */
  redirectUrl?: string;
  /** Scopes asked for; `openid` is always among them. */
  scopes?: string[];
  /** The claim that carries groups or roles (`groups`, `roles`, `realm_access.roles`). */
  roleClaim: string;
  /** Claim value → role; when several values match, the strongest role wins. */
  roleMap: Record<string, Role>;
  /** The role of a person none of whose values is mapped; absent: such a person is refused. */
  defaultRole?: Role;
  /** The claim whose value becomes the user's name here (default preferred_username). */
  nameClaim?: string;
  /** Let a sign-on use a local (password) user of the same name; default false: refused. */
  takeOverLocalUsers?: boolean;
  /** A private CA for the provider's certificate (PEM text). */
  ca?: string | Buffer;
}

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  expiresAt: number;
}

/** How long a started login may take at the provider. */
export const PENDING_TTL_MS = 10 * 60_000;
const MAX_PENDING = 10_000;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface OidcLog {
  info(m: string): void;
  warn(m: string): void;
}

export class OidcLogin {
  readonly #s: Required<Omit<OidcSettings, 'redirectUrl' | 'defaultRole' | 'ca'>> &
    Pick<OidcSettings, 'redirectUrl' | 'defaultRole' | 'ca'>;
  readonly #access: AccessControl;
  readonly #redirectUri: () => string;
  readonly #log?: OidcLog;
  #config?: Promise<client.Configuration>;

  constructor(
    settings: OidcSettings,
    access: AccessControl,
    o: {
      /** The API's own URL, known once it listens: used when no redirect URL is configured. */
      apiUrl: () => string;
      log?: OidcLog;
    },
  ) {
    const scopes = settings.scopes?.length ? settings.scopes : ['openid', 'profile', 'email'];
    this.#s = {
      clientAuth: 'client_secret_basic',
      nameClaim: 'preferred_username',
      takeOverLocalUsers: false,
      ...settings,
      scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    };
    this.#access = access;
    this.#redirectUri = () =>
      this.#s.redirectUrl ?? new URL('/api/auth/oidc/callback', o.apiUrl()).href.replace(/\/$/, '');
    this.#log = o.log;
  }

  get issuer(): string {
    return this.#s.issuer;
  }

  get redirectUri(): string {
    return this.#redirectUri();
  }

  /** The provider's metadata, read once (a failed read is tried again on the next login). */
  discover(): Promise<client.Configuration> {
    this.#config ??= this.#discover().catch((err) => {
      this.#config = undefined;
      throw err;
    });
    return this.#config;
  }

  async #discover(): Promise<client.Configuration> {
    const issuer = new URL(this.#s.issuer);
    const auth =
      this.#s.clientAuth === 'client_secret_post'
        ? client.ClientSecretPost(this.#s.clientSecret)
        : client.ClientSecretBasic(this.#s.clientSecret);
    const options: client.DiscoveryRequestOptions = { timeout: 10 };
    if (this.#s.ca) {
      const dispatcher = new Agent({ connect: { ca: this.#s.ca } });
      options[client.customFetch] = ((url: string, init: client.CustomFetchOptions) =>
        undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1])) as client.CustomFetch;
    }
    // Plain HTTP only to a provider on this machine (a developer's Keycloak); config validation says so too.
    if (issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname))
      options.execute = [client.allowInsecureRequests];
    try {
      return await client.discovery(issuer, this.#s.clientId, undefined, auth, options);
    } catch (err) {
      throw new AuthError(
        'upstream_failed',
        `cannot read the OpenID provider's metadata from ${new URL('.well-known/openid-configuration', `${this.#s.issuer.replace(/\/$/, '')}/`).href}: ${reason(err)}`,
      );
    }
  }

  /** Starts a login: the provider's authorization URL, and the id the browser brings back in a cookie. */
  async begin(): Promise<{ url: string; pendingId: string }> {
    const config = await this.discover();
    const now = Date.now();
    const p: Pending = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      expiresAt: now + PENDING_TTL_MS,
    };
    const pendingId = randomBytes(32).toString('base64url');
    // In the store, not this process: the provider may send the browser back to another replica.
    await this.#access.pendingSignIns.add({ ...p, digest: digest(pendingId) }, now, MAX_PENDING);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.#redirectUri(),
      response_type: 'code',
      scope: this.#s.scopes.join(' '),
      state: p.state,
      nonce: p.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(p.verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pendingId };
  }

  /**
   * The provider's callback: checks the state against the login this browser started, exchanges the
   * code, validates the ID token, maps the role claim and opens a session. Each refusal says why.
   */
  async finish(
    pendingId: string | undefined,
    query: Record<string, string | undefined>,
  ): Promise<{ sessionId: string; principal: Principal; expiresAt: number }> {
    // One use, whatever happens next.
    const p = pendingId ? await this.#access.pendingSignIns.take(digest(pendingId)) : undefined;
    if (!p || p.expiresAt <= Date.now())
      throw new AuthError(
        'invalid_request',
        'no sign-in was started from this browser, or it took longer than 10 minutes: start again at /api/auth/oidc/login',
      );
    if (!query.state || !sameText(query.state, p.state))
      throw new AuthError(
        'invalid_request',
        'the state the provider sent back is not the one this sign-in started with: start again at /api/auth/oidc/login',
      );
    if (query.error)
      throw new AuthError(
        'unauthenticated',
        `the OpenID provider refused the sign-in: ${query.error}${query.error_description ? ` (${query.error_description.slice(0, 300)})` : ''}`,
      );
    const config = await this.discover();
    const callback = new URL(this.#redirectUri());
    for (const [k, v] of Object.entries(query)) if (v !== undefined) callback.searchParams.set(k, v);
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: p.verifier,
        expectedState: p.state,
        expectedNonce: p.nonce,
        idTokenExpected: true,
      });
      const id = tokens.claims();
      if (!id) throw new Error('the provider returned no ID token');
      claims = { ...id };
      // Many providers put profile and group claims in the UserInfo answer only.
      const missing =
        claimAt(claims, this.#s.roleClaim) === undefined || claimAt(claims, this.#s.nameClaim) === undefined;
      if (missing && config.serverMetadata().userinfo_endpoint && tokens.access_token) {
        const info = await client.fetchUserInfo(config, tokens.access_token, id.sub);
        claims = { ...info, ...id };
      }
    } catch (err) {
      throw toAuthError(err);
    }
    const name = claimAt(claims, this.#s.nameClaim);
    if (typeof name !== 'string' || !name)
      throw new AuthError(
        'forbidden',
        `the OpenID provider sent no "${this.#s.nameClaim}" claim to name the user: set oidc.nameClaim to one it sends (preferred_username, email, sub) or add the scope that carries it`,
      );
    const role = this.roleOf(claims);
    if (!role) {
      const values = claimValues(claimAt(claims, this.#s.roleClaim));
      const message =
        `${name} may not sign in here: ${values.length ? `none of their "${this.#s.roleClaim}" values (${values.slice(0, 10).join(', ')})` : `they have no "${this.#s.roleClaim}" claim, and nothing`} ` +
        'maps to a role in oidc.roleMap, and no oidc.defaultRole is set';
      this.#log?.warn(`oidc: refused ${name}: no role`);
      throw new AuthError('forbidden', message);
    }
    const s = await this.#access.signInExternal({
      name,
      role,
      source: 'oidc',
      takeOverLocal: this.#s.takeOverLocalUsers,
    });
    this.#log?.info(`oidc: ${name} signed in as ${role}`);
    return s;
  }

  /** The strongest role the mapped claim values give, else the default role, else none. */
  roleOf(claims: Record<string, unknown>): Role | undefined {
    const values = claimValues(claimAt(claims, this.#s.roleClaim));
    const mapped = values.map((v) => this.#s.roleMap[v]).filter((r): r is Role => !!r);
    return mapped.sort((a, b) => ROLES.indexOf(b) - ROLES.indexOf(a))[0] ?? this.#s.defaultRole;
  }
}

/** A claim by its exact name (`https://example.com/roles`), else by a dotted path (`realm_access.roles`). */
export function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let v: unknown = claims;
  for (const part of name.split('.')) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A claim's values as strings: one string, or the strings of an array (a space-separated one is split). */
export function claimValues(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function reason(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  const cause = e.cause?.message ?? e.cause?.code;
  return `${e.message}${cause && cause !== e.message ? ` (${cause})` : ''}`;
}

/** openid-client's errors as ours: the provider's refusals and failed checks are 401, no answer is 502. */
function toAuthError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof client.AuthorizationResponseError)
    return new AuthError(
      'unauthenticated',
      `the OpenID provider refused the sign-in: ${err.error}${err.error_description ? ` (${err.error_description.slice(0, 300)})` : ''}`,
    );
  // A refused exchange comes as an error body, or (a wrong client secret, often) as a 401 challenge.
  const refusal =
    err instanceof client.ResponseBodyError
      ? { error: err.error, description: err.error_description }
      : err instanceof client.WWWAuthenticateChallengeError
        ? {
            error: err.cause[0]?.parameters.error ?? `HTTP ${err.status}`,
            description: err.cause[0]?.parameters.error_description,
          }
        : undefined;
  if (refusal) {
    const hint =
      refusal.error === 'invalid_client'
        ? ': check oidc.clientId, oidc.clientSecret and oidc.clientAuth'
        : '';
    return new AuthError(
      'unauthenticated',
      `the OpenID provider refused the code exchange: ${refusal.error}${refusal.description ? ` (${refusal.description.slice(0, 300)})` : ''}${hint}`,
    );
  }
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('OAUTH_') && code !== 'OAUTH_RESPONSE_IS_NOT_CONFORM')
    return new AuthError('unauthenticated', `the provider's answer failed validation: ${reason(err)}`);
  return new AuthError(
    'upstream_failed',
    `the OpenID provider could not complete the sign-in: ${reason(err)}`,
  );
}
