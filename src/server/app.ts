// The HTTP API (fastify): one plugin per resource under routes/, each route with request and response
// schemas (TypeBox, i.e. JSON Schema) and an access rule. The OpenAPI 3.1 document is generated from the
// routes (@fastify/swagger) and served at /api/openapi.json. Errors come from one table (errors.ts).
// Limits (body size and depth, timeouts, parameter length) are set here, so one request cannot stop
// the service. No answer carries a secret: instance rows never hold the private token.
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { type RouteEntry, routeTable } from './access.ts';
import { registerAuthentication } from './authenticate.ts';
import { type ApiDeps, LIMITS } from './deps.ts';
import { ApiError, ErrorBody, errorBody, registerErrorHandling } from './errors.ts';
import { sharedRateLimitStore } from './rate-limit.ts';
import { assetRoutes } from './routes/assets.ts';
import { authRoutes } from './routes/auth.ts';
import { clusterRoutes } from './routes/cluster.ts';
import { commandRoutes } from './routes/commands.ts';
import { consoleRoutes } from './routes/console.ts';
import { detectionRoutes } from './routes/detections.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { instanceRoutes, manageInstanceRoutes } from './routes/instances.ts';
import { oidcRoutes } from './routes/oidc.ts';
import { reportRoutes } from './routes/reports.ts';
import { sinkRoutes } from './routes/sinks.ts';

export { type ApiDeps, LIMITS, type Limits } from './deps.ts';

export type Api = FastifyInstance & { routeTable: RouteEntry[] };

export function buildApi(deps: ApiDeps): Api {
  const limits = { ...LIMITS, ...deps.limits };
  const app = Fastify({
    logger: false,
    ...(deps.trustProxy?.length ? { trustProxy: deps.trustProxy } : {}),
    ...(deps.https ? { https: deps.https } : {}),
    bodyLimit: limits.bodyBytes,
    routerOptions: { maxParamLength: limits.paramLength },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
    // A URL the router cannot even decode is the caller's mistake, answered in the one error shape.
    frameworkErrors: (err, _req, reply) =>
      (reply as unknown as FastifyReply).status(400).send(errorBody('invalid_request', err.message)),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.headersTimeout = limits.headersTimeoutMs;
  app.server.maxConnections = limits.maxConnections;
  const table = routeTable(app);
  registerErrorHandling(app, deps.log);
  app.addSchema(ErrorBody);

  // JSON only: a form or text/plain body (what a cross-site page can send without CORS) is refused (415).
  app.removeContentTypeParser('text/plain');
  // JSON bodies: a nesting bomb is refused before JSON.parse can recurse on it.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (!text.trim()) return done(null, undefined);
    if (jsonDepth(text) > limits.jsonDepth)
      return done(
        new ApiError('invalid_request', `the JSON body nests deeper than ${limits.jsonDepth} levels`),
      );
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError('invalid_request', `the body is not valid JSON: ${(err as Error).message}`));
    }
  });

  app.register(helmet, { global: true });
  app.register(cookie);
  if (deps.allowedHosts) {
    const allowed = new Set(deps.allowedHosts.map((h) => h.toLowerCase()));
    // A page on another site can reach a loopback API through DNS rebinding; its Host names that site.
    app.addHook('onRequest', async (req) => {
      const host = hostName(req.headers.host);
      if (!host || !allowed.has(host))
        throw new ApiError(
          'forbidden',
          `Host ${req.headers.host ?? '(none)'} is not a name this API answers to`,
        );
    });
  }

  registerAuthentication(app, deps.access);
  // ajv coerces a query value such as 1e309 to Infinity and lets it past `integer` and `maximum`
  // (found by `npm run fuzz`: /api/command-runs?limit=1e309 reached SQLite and answered 500).
  app.addHook('preHandler', async (req) => {
    for (const part of [req.query, req.params])
      if (part && typeof part === 'object')
        for (const [k, v] of Object.entries(part))
          if (typeof v === 'number' && !Number.isFinite(v))
            throw new ApiError('invalid_parameter', `parameter "${k}" must be a finite number`, k);
  });
  // After authentication (preHandler), so the limit counts per identity rather than per address.
  // On PostgreSQL the counts live in the store, so replicas behind a load balancer share the limit; if
  // the store cannot answer, the request is not refused for it (the store's own errors say what broke).
  const shared = deps.store.dialect === 'postgres';
  app.register(rateLimit, {
    ...(shared ? { store: sharedRateLimitStore(deps.store), skipOnError: true } : {}),
    max: deps.rateLimitPerMinute ?? 1200,
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (req) => req.principal?.label ?? req.ip,
    errorResponseBuilder: (_req, ctx) =>
      new ApiError(
        'rate_limited',
        `more than ${ctx.max} requests a minute: slow down (retry in ${Math.ceil(ctx.ttl / 1000)} s)`,
      ),
  });

  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'darktrace-hub API',
        version: '0.1.0',
        description: 'Collector, detections and the Darktrace SOC command catalog',
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => String(json.$id ?? `def-${i}`) },
  });

  app.register(authRoutes, { access: deps.access, store: deps.store, tls: !!(deps.tls || deps.https) });
  app.register(oidcRoutes, { oidc: deps.oidc, store: deps.store, tls: !!(deps.tls || deps.https) });
  app.register(healthRoutes, { deps });
  app.register(instanceRoutes, { deps });
  app.register(manageInstanceRoutes, { deps });
  app.register(detectionRoutes, { deps });
  app.register(commandRoutes, { deps });
  app.register(sinkRoutes, { deps });
  app.register(assetRoutes, { deps });
  app.register(eventRoutes, { deps });
  app.register(reportRoutes, { deps });
  app.register(clusterRoutes, { deps });
  app.register(consoleRoutes, { dir: deps.consoleDir, tls: !!(deps.tls || deps.https) });
  app.get(
    '/api/openapi.json',
    {
      config: { access: 'public' },
      schema: { hide: true, response: { 200: Type.Object({}, { additionalProperties: true }) } },
    },
    async () => app.swagger(),
  );
  if (deps.extend) app.register(async (scoped) => deps.extend!(scoped));
  return Object.assign(app, { routeTable: table }) as unknown as Api;
}

/** The host name of a Host header (`[::1]:8080` → `[::1]`, `Example.com:80` → `example.com`). */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return new URL(`http://${header}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The deepest nesting of objects and arrays in a JSON text, strings skipped. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}
