// The appliance's API: one route per catalog path (and alternative path), each checking the request's
// signature and the user's permissions before its handler runs, then applying the answer-level faults
// (502 after a DELETE, bodies cut in the middle).
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listEndpoints } from '../darktrace/endpoints.ts';
import { forbidden, permitted, redirect, verify } from './auth.ts';
import { HttpError, Params, Raw } from './http.ts';
import { type Ctx, type Handler, handlers } from './routes.ts';
import { JSON_TYPE, parseBody, type Served, sendJson, sendRefusal, writeTruncated } from './server.ts';
import type { SimulatorOptions } from './types.ts';

type EmailBases = NonNullable<SimulatorOptions['email']>['basePaths'];

/** Routes every catalog endpoint; with `emailBases`, only those of the two /EMAIL bases. */
export function addApiRoutes(app: FastifyInstance, s: Served, emailBases: EmailBases): void {
  for (const e of listEndpoints()) {
    const fam = (handlers as unknown as Record<string, Record<string, Handler>>)[e.family];
    const h = fam?.[e.operation];
    if (!h) throw new Error(`simulator: no handler for ${e.name}`);
    for (const path of [e.spec.path, ...(e.spec.altPaths ?? [])]) {
      if (emailBases && path.startsWith('/agemail/') && !emailBases.some((b) => path.startsWith(`${b}/`)))
        continue;
      app.route({
        method: e.spec.method,
        url: path.replace(/\{(\w+)\}/g, ':$1'),
        handler: apiHandler(s, e.name, h),
      });
    }
  }
}

function apiHandler(s: Served, name: string, h: Handler) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const { path, query } = splitUrl(req.raw.url ?? req.url);
    const contentType = req.headers['content-type'];
    const v = verify(
      { method: req.method, path, query, rawBody: req.rawBody, contentType, headers: req.headers },
      s.users,
      new Set(s.faults.current.revokedTokens),
      s.faults.serverNow(),
    );
    if (!v.ok) return sendRefusal(reply, v.refusal);
    if (!permitted(v.user, name, path))
      return sendRefusal(reply, v.user.deniedStatus === 403 ? forbidden() : redirect('/403'));
    let result: unknown;
    try {
      const p = new Params(new URLSearchParams(query), parseBody(req.rawBody, contentType));
      const ctx: Ctx = {
        p,
        params: req.params as Record<string, string>,
        user: v.user,
        now: s.clock(),
        sim: s.sim,
      };
      result = await h(ctx);
    } catch (err) {
      if (err instanceof HttpError) return sendJson(reply, err.status, err.body);
      throw err;
    }
    return answer(s, req, reply, result);
  };
}

/** Sends a handler's result, unless a fault answers instead. */
async function answer(s: Served, req: FastifyRequest, reply: FastifyReply, result: unknown) {
  const f = s.faults.current;
  // As one 7.1 lab did: the change is applied, then the proxy answers 502.
  if (req.method === 'DELETE' && s.faults.hits(f.deleteBadGatewayRate)) {
    return reply
      .code(502)
      .header('content-type', 'text/html')
      .send('<html><body><h1>502 Bad Gateway</h1></body></html>');
  }
  const truncate = s.faults.hits(f.truncateRate);
  if (result instanceof Raw) {
    reply.code(result.status).header('content-type', result.contentType);
    if (!truncate) return reply.send(result.body);
    const text = result.body instanceof Readable ? await firstChunk(result.body) : result.body.toString();
    return writeTruncated(reply, s.faults.serverNow(), result.status, result.contentType, text);
  }
  const text = JSON.stringify(result);
  if (truncate) return writeTruncated(reply, s.faults.serverNow(), 200, JSON_TYPE, text);
  return reply.code(200).header('content-type', JSON_TYPE).send(text);
}

function splitUrl(url: string): { path: string; query: string } {
  const i = url.indexOf('?');
  return i < 0 ? { path: url, query: '' } : { path: url.slice(0, i), query: url.slice(i + 1) };
}

async function firstChunk(stream: Readable): Promise<string> {
  for await (const chunk of stream) {
    stream.destroy();
    return String(chunk);
  }
  return '';
}
