// Every request to a route that is not `public` proves who it is, with `Authorization: Bearer <API key>`
// or the console's session cookie, and holds at least the route's role. A request that changes state
// with a session cookie also carries the session's CSRF token in `x-csrf-token` (a page on another site
// can make the browser send the cookie, never the token). Failures answer 401 or 403 and say why.
import '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AccessControl, AuthError, type Principal } from '../auth/index.ts';
import { roleAtLeast } from '../auth/roles.ts';
import { ApiError } from './errors.ts';

export const SESSION_COOKIE = 'dtc_session';

/** Gives the browser its session: script-proof, same-site only, secure over HTTPS, gone when the session ends. */
export function setSessionCookie(
  reply: FastifyReply,
  s: { sessionId: string; expiresAt: number },
  tls: boolean,
): void {
  reply.setCookie(SESSION_COOKIE, s.sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: tls,
    expires: new Date(s.expiresAt),
  });
}
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The request's principal; throws ApiError 401 when it has none. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal)
    throw new ApiError('unauthenticated', 'sign in, or send Authorization: Bearer <API key>');
  return req.principal;
}

export function toApiError(err: unknown): unknown {
  if (!(err instanceof AuthError)) return err;
  return new ApiError(err.code, err.message);
}

export function registerAuthentication(app: FastifyInstance, access: AccessControl): void {
  app.addHook('onRequest', async (req, reply) => {
    const need = req.routeOptions.config?.access;
    // An unknown route has no rule: the not-found answer says nothing an anonymous caller cannot know.
    if (!need) return;
    const header = req.headers.authorization;
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new ApiError('unauthenticated', 'Authorization must be "Bearer <API key>"');
      try {
        req.principal = await access.authenticateKey(m[1]);
      } catch (err) {
        throw toApiError(err);
      }
    } else if (cookie) {
      const p = await access.session(cookie);
      if (p) {
        if (!SAFE.has(req.method) && req.headers['x-csrf-token'] !== p.csrf)
          throw new ApiError('forbidden', 'this request needs the session CSRF token in x-csrf-token');
        req.principal = p;
      } else if (need !== 'public') {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        throw new ApiError('unauthenticated', 'the session has ended: sign in again');
      }
    }
    if (need === 'public') return;
    if (!req.principal) {
      reply.header('www-authenticate', 'Bearer realm="dtc"');
      throw new ApiError('unauthenticated', 'sign in, or send Authorization: Bearer <API key>');
    }
    if (!roleAtLeast(req.principal.role, need))
      throw new ApiError('forbidden', `${req.principal.label} is ${req.principal.role}; this needs ${need}`);
  });
}
