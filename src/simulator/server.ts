// The simulator's HTTP(S) server: the Fastify instance that keeps raw bodies (signatures are computed
// over the exact bytes), the hook that stamps the server clock and applies the request-level faults,
// the answers for unknown routes and errors, and listening. Routes are added by api-routes.ts and
// control.ts.
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type Refusal, redirect, type SimUser } from './auth.ts';
import { errorFault, type FaultSwitch } from './faults.ts';
import type { SimContext } from './handlers/context.ts';
import { HttpError } from './http.ts';
import type { RequestRecord, SimulatorOptions } from './types.ts';

/** What the routes share: the appliance, the clock, the faults, the users and the request count. */
export interface Served {
  sim: SimContext;
  clock: () => number;
  faults: FaultSwitch;
  users: Map<string, SimUser>;
  /** API requests seen (control routes not counted). */
  requests: number;
  /** Each API request as it ended, oldest first (the last REQUEST_LOG_SIZE). */
  requestLog: RequestRecord[];
}

export const REQUEST_LOG_SIZE = 100_000;

export const JSON_TYPE = 'application/json; charset=utf-8';
export const CONTROL_PREFIX = '/__sim/';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export function createApp(opts: SimulatorOptions): FastifyInstance {
  // Typed as the plain HTTP instance: the HTTPS variant has the same request/reply surface.
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 10 * 1024 * 1024,
    // Advanced Search carries its base64 query document in the path.
    routerOptions: { maxParamLength: 65_536 },
    forceCloseConnections: true,
    ...(opts.tls ? { https: { key: opts.tls.key, cert: opts.tls.cert } } : {}),
  } as object) as unknown as FastifyInstance;
  // Keep the body text: signatures are computed over the exact bytes sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    (req as FastifyRequest).rawBody = body as string;
    done(null, body);
  });
  return app;
}

/** Every answer carries the (possibly skewed) server clock in Date; faults apply to API routes only. */
export function addFaultHook(app: FastifyInstance, s: Served): void {
  const started = new WeakMap<FastifyRequest, number>();
  // Real time, not the simulator's clock: a test lines these up across clients (which replica polled when).
  app.addHook('onResponse', async (req, reply) => {
    const start = started.get(req);
    if (start === undefined) return;
    s.requestLog.push({
      userAgent: String(req.headers['user-agent'] ?? ''),
      method: req.method,
      path: req.url.split('?')[0],
      status: reply.statusCode,
      start,
      end: Date.now(),
    });
    if (s.requestLog.length > REQUEST_LOG_SIZE)
      s.requestLog.splice(0, s.requestLog.length - REQUEST_LOG_SIZE);
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header('date', new Date(s.faults.serverNow()).toUTCString());
    if (req.url.startsWith(CONTROL_PREFIX)) return;
    started.set(req, Date.now());
    s.requests++;
    const { latencyMs } = s.faults.current;
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const e = errorFault(s.faults);
    if (!e) return;
    if (e.retryAfter) reply.header('retry-after', e.retryAfter);
    return sendJson(reply, e.status, e.body);
  });
}

/** Unknown API paths: the appliance's UI router redirects to its login page. Errors answer JSON. */
export function addFallbacks(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith(CONTROL_PREFIX)) return sendJson(reply, 404, { error: 'unknown control route' });
    return sendRefusal(reply, redirect('/login'));
  });
  app.setErrorHandler((err, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    sendJson(reply, status >= 400 ? status : 500, {
      error: err instanceof Error ? err.message : String(err),
    });
  });
}

export async function listen(
  app: FastifyInstance,
  opts: SimulatorOptions,
): Promise<{ port: number; url: string }> {
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const h = host.includes(':') ? `[${host}]` : host;
  return { port, url: `${opts.tls ? 'https' : 'http'}://${h}:${port}` };
}

export function sendJson(reply: FastifyReply, status: number, body: unknown) {
  return reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify(body));
}

export function sendRefusal(reply: FastifyReply, r: Refusal) {
  reply.code(r.status).header('content-type', r.contentType);
  if (r.location) reply.header('location', r.location);
  return reply.send(r.body);
}

/** The `truncateRate` fault: the head of the body with no Content-Length, then the connection closes. */
export function writeTruncated(
  reply: FastifyReply,
  serverNow: number,
  status: number,
  contentType: string,
  text: string,
): void {
  reply.hijack();
  const res: ServerResponse = reply.raw;
  res.writeHead(status, {
    'content-type': contentType,
    date: new Date(serverNow).toUTCString(),
    connection: 'close',
  });
  res.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
}

/** A form or JSON body as the appliance reads it; a JSON body must be an object. */
export function parseBody(raw: string | undefined, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if ((contentType ?? '').includes('json')) {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      throw new HttpError(400, { error: 'Invalid JSON body' });
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new HttpError(400, { error: 'Invalid JSON body' });
    return v as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}
