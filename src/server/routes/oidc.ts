// Single sign-on: `/api/auth/oidc/login` sends the browser to the OpenID provider, and the provider sends
// it back to `/api/auth/oidc/callback`, which opens the same session a password login opens (the
// `dtc_session` cookie; the CSRF token comes from /api/auth/me) and redirects to the console at `/`.
// Both routes exist whether or not single sign-on is configured, so the route table and the OpenAPI
// document do not change with the config; unconfigured, they answer 404 and say how to configure it.
//
// The cookie that ties the callback to the browser that started the login is SameSite=Lax, not Strict:
// the callback is a top-level navigation coming from the provider's site, and Strict would withhold it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type OidcLogin, PENDING_TTL_MS } from '../../auth/oidc.ts';
import type { Store } from '../../store/index.ts';
import { setSessionCookie, toApiError } from '../authenticate.ts';
import { ApiError, ErrorBody } from '../errors.ts';

export const OIDC_COOKIE = 'dtc_oidc';
const CALLBACK = '/api/auth/oidc/callback';

const Param = Type.Optional(Type.String({ maxLength: 4096 }));
const Redirect = Type.Null({ description: 'a redirect (Location header)' });

export const oidcRoutes: FastifyPluginAsyncTypebox<{
  oidc?: OidcLogin;
  store: Store;
  tls: boolean;
}> = async (app, { oidc, store, tls }) => {
  const configured = (): OidcLogin => {
    if (!oidc)
      throw new ApiError(
        'not_found',
        'single sign-on is not configured: add an `oidc:` section to the config file (see the README)',
      );
    return oidc;
  };

  app.get(
    '/api/auth/oidc/login',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Single sign-on: redirects to the OpenID provider (authorization code, PKCE S256)',
        tags: ['auth'],
        response: { 302: Redirect, 404: ErrorBody, 429: ErrorBody, 502: ErrorBody },
      },
    },
    async (_req, reply) => {
      try {
        const { url, pendingId } = await configured().begin();
        reply.setCookie(OIDC_COOKIE, pendingId, {
          path: CALLBACK,
          httpOnly: true,
          sameSite: 'lax',
          secure: tls,
          maxAge: PENDING_TTL_MS / 1000,
        });
        reply.header('cache-control', 'no-store');
        return reply.redirect(url, 302);
      } catch (err) {
        throw toApiError(err);
      }
    },
  );

  app.get(
    CALLBACK,
    {
      config: { access: 'public' },
      schema: {
        summary: 'Single sign-on: where the OpenID provider sends the browser back; opens a session',
        tags: ['auth'],
        querystring: Type.Object(
          {
            code: Param,
            state: Param,
            iss: Param,
            session_state: Param,
            error: Param,
            error_description: Param,
            error_uri: Param,
          },
          { additionalProperties: true },
        ),
        response: {
          302: Redirect,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          429: ErrorBody,
          502: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const login = configured();
      // The pending login is used once, whatever the outcome, so its cookie goes too.
      reply.clearCookie(OIDC_COOKIE, { path: CALLBACK });
      reply.header('cache-control', 'no-store');
      const query = Object.fromEntries(
        Object.entries(req.query as Record<string, unknown>).filter(
          (e): e is [string, string] => typeof e[1] === 'string',
        ),
      );
      try {
        const s = await login.finish(req.cookies[OIDC_COOKIE], query);
        setSessionCookie(reply, s, tls);
        await store.commandRuns.add({
          who: s.principal.label,
          instance: null,
          command: 'auth.login',
          params: { address: req.ip, via: 'oidc', role: s.principal.role },
          outcome: 'Successful',
        });
        return reply.redirect('/', 302);
      } catch (err) {
        throw toApiError(err);
      }
    },
  );
};
