// The control API under /__sim/: unsigned and loopback-only, it exposes the Simulator handle's state,
// syslog, fault and injection calls over HTTP for `dtc simulator` users and other processes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { validFaults } from './faults.ts';
import { HttpError } from './http.ts';
import { CONTROL_PREFIX, parseBody, sendJson } from './server.ts';
import type { SyslogFormat } from './syslog.ts';
import type { Simulator } from './types.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

type Body = Record<string, unknown>;
type ControlFn = (body: Body, req: FastifyRequest) => unknown;

/** Wraps a control call: loopback check, JSON body, JSON answer (`{ok: true}` when it returns nothing). */
function control(fn: ControlFn) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? ''))
      return sendJson(reply, 403, { error: 'control API is loopback-only' });
    try {
      const body = parseBody(req.rawBody, req.headers['content-type'] ?? 'application/json');
      return sendJson(reply, 200, (await fn(body, req)) ?? { ok: true });
    } catch (err) {
      if (err instanceof HttpError) return sendJson(reply, err.status, err.body);
      return sendJson(reply, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}

const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;
const notFoundEvent = (id: string) => new HttpError(404, { error: `Incident event ${id} not found` });

export function addControlRoutes(app: FastifyInstance, api: Simulator, clock: () => number): void {
  const get = (path: string, fn: ControlFn) => app.get(`${CONTROL_PREFIX}${path}`, control(fn));
  const post = (path: string, fn: ControlFn) => app.post(`${CONTROL_PREFIX}${path}`, control(fn));

  get('state', () => api.state());
  get('requests', (_b, req) => ({
    requests: api.requestLog(Number((req.query as { since?: string }).since ?? 0) || 0),
  }));
  get('syslog', (_b, req) => syslogLines(api, req.query as Record<string, string | undefined>));
  post('faults', (b) => {
    api.setFaults(validFaults(b));
    return api.faults();
  });
  post('reset-faults', () => {
    api.resetFaults();
    return api.faults();
  });
  post('inject/breach', (b) => api.injectBreach(b));
  post('inject/aianalyst', (b) => api.injectAiaEvent(b));
  post('aianalyst/:id/groupscore', (b, req) => {
    const score = b.groupScore ?? b.score;
    if (typeof score !== 'number' && typeof score !== 'string')
      throw new HttpError(400, { error: 'groupScore is required' });
    if (!api.setGroupScore(idOf(req), score)) throw notFoundEvent(idOf(req));
    return { ok: true };
  });
  post('aianalyst/:id', (b, req) => {
    if (!api.updateAiaEvent(idOf(req), b)) throw notFoundEvent(idOf(req));
    return api.sim.aia.get(idOf(req), clock());
  });
}

function syslogLines(api: Simulator, q: Record<string, string | undefined>) {
  const since = Number(q.since);
  if (!Number.isFinite(since)) throw new HttpError(400, { error: 'since (epoch ms) is required' });
  if (q.format !== undefined && q.format !== 'rfc5424' && q.format !== 'rfc3164')
    throw new HttpError(400, { error: 'format must be rfc5424 or rfc3164' });
  const until = q.until === undefined ? undefined : Number(q.until);
  return { lines: api.syslog({ since, until, format: q.format as SyslogFormat | undefined }).lines };
}
