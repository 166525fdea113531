// The HTTP API (fastify): health, Prometheus metrics, instances with their status, and detection
// search. Schema-first routes, one error shape (`{statusCode, error, message}`), and no secret in any
// answer: instance rows never carry the private token, not even encrypted.
import Fastify, { type FastifyInstance } from 'fastify';
import type { InstanceStatus } from '../collect/collector.ts';
import type { Metrics } from '../service/metrics.ts';
import type { DetectionQuery } from '../store/index.ts';
import { parseTime } from '../util/time.ts';

/** What the API reads from the store. */
export interface ApiStore {
  searchDetections(q: DetectionQuery): { items: unknown[]; total: number };
  getDetection(idOrKey: number | string): unknown | undefined;
  instances: { list(): { name: string }[] };
  maxSeq(): number;
  deadLetters: { count(): number };
  /** Whether the store can write, and if not why (full disk, read-only, damaged). */
  health?(): { writable: boolean; code?: string; reason?: string; since?: number };
  connectionChecks: { list(instance: string, limit?: number): unknown[] };
}

export interface ApiDeps {
  store: ApiStore;
  collector: { status(): InstanceStatus[]; check?(name: string): Promise<unknown> };
  metrics: Metrics;
  /** Extra facts for /healthz (data directory, simulated demo, ...). */
  about?: Record<string, unknown>;
  /** Registers more routes (sinks, commands) on the same server. */
  extend?: (app: FastifyInstance) => void;
}

const FAMILIES = ['model_breach', 'ai_analyst', 'system_status', 'audit'];

export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false } },
  });
  const started = Date.now();

  app.setErrorHandler((err: any, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const message = err.validation ? `invalid request: ${err.message}` : err.message;
    reply
      .status(status)
      .send({ statusCode: status, error: status >= 500 ? 'Internal Server Error' : 'Bad Request', message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send({ statusCode: 404, error: 'Not Found', message: `no route ${req.method} ${req.url}` });
  });

  const instances = () => {
    const status = new Map(deps.collector.status().map((s) => [s.name, s]));
    return deps.store.instances.list().map((row) => {
      const name = row.name;
      return { ...row, status: status.get(name) ?? { name, state: 'disabled' } };
    });
  };

  app.get('/healthz', async () => {
    const st = deps.collector.status();
    const failing = st.filter((s) => s.state === 'failing').length;
    const health = deps.store.health?.() ?? { writable: true };
    return {
      status: failing && failing === st.length ? 'failing' : failing || !health.writable ? 'degraded' : 'ok',
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      instances: Object.fromEntries(
        ['ok', 'degraded', 'failing', 'disabled', 'starting'].map((k) => [
          k,
          st.filter((s) => s.state === k).length,
        ]),
      ),
      store: { sequence: deps.store.maxSeq(), deadLetters: deps.store.deadLetters.count(), ...health },
      ...deps.about,
    };
  });

  app.get('/metrics', async (_req, reply) => {
    const m = deps.metrics;
    m.storeSeq.set(deps.store.maxSeq());
    for (const s of deps.collector.status()) {
      m.instanceUp.set({ instance: s.name }, s.state === 'ok' ? 1 : s.state === 'degraded' ? 0.5 : 0);
    }
    reply.header('content-type', m.registry.contentType);
    return m.registry.metrics();
  });

  app.get('/api/instances', async () => instances());

  app.get<{ Params: { name: string } }>('/api/instances/:name', async (req, reply) => {
    const found = instances().find((i) => i.name === req.params.name);
    if (!found)
      return reply
        .status(404)
        .send({ statusCode: 404, error: 'Not Found', message: `no instance named "${req.params.name}"` });
    return { ...found, connectionChecks: deps.store.connectionChecks.list(req.params.name, 20) };
  });

  // Test the connection now; the result joins the instance's check history.
  app.post<{ Params: { name: string } }>('/api/instances/:name/test', async (req, reply) => {
    const result = await deps.collector.check?.(req.params.name);
    if (!result) {
      return reply
        .status(404)
        .send({ statusCode: 404, error: 'Not Found', message: `no instance named "${req.params.name}"` });
    }
    return result;
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/api/detections',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 500 },
            instance: { type: 'string' },
            family: { type: 'string', enum: FAMILIES },
            severity: { type: 'integer', minimum: 0, maximum: 5 },
            from: { type: 'string' },
            to: { type: 'string' },
            acknowledged: { type: 'string', enum: ['true', 'false'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            offset: { type: 'integer', minimum: 0 },
          },
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const time = (name: 'from' | 'to') => {
        const v = q[name];
        if (v === undefined || v === '') return undefined;
        try {
          return parseTime(v);
        } catch (err) {
          throw Object.assign(new Error(`${name}: ${(err as Error).message}`), { statusCode: 400 });
        }
      };
      const query: DetectionQuery = {
        q: q.q || undefined,
        instance: q.instance || undefined,
        family: q.family || undefined,
        severity: q.severity === undefined ? undefined : Number(q.severity),
        from: time('from'),
        to: time('to'),
        acknowledged: q.acknowledged === undefined ? undefined : q.acknowledged === 'true',
        limit: q.limit === undefined ? 50 : Number(q.limit),
        offset: q.offset === undefined ? 0 : Number(q.offset),
      };
      try {
        return deps.store.searchDetections(query);
      } catch (err) {
        // A malformed full-text query is the caller's mistake, not a server fault.
        if (/fts5|syntax/i.test((err as Error).message)) {
          return reply.status(400).send({
            statusCode: 400,
            error: 'Bad Request',
            message: `q: cannot search for that text: ${(err as Error).message}`,
          });
        }
        throw err;
      }
    },
  );

  app.get<{ Params: { id: string } }>('/api/detections/:id', async (req, reply) => {
    const id = /^\d+$/.test(req.params.id) ? Number(req.params.id) : decodeURIComponent(req.params.id);
    const d = deps.store.getDetection(id);
    if (!d)
      return reply
        .status(404)
        .send({ statusCode: 404, error: 'Not Found', message: `no detection ${req.params.id}` });
    return d;
  });

  deps.extend?.(app);
  return app;
}
