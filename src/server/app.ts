// The HTTP API (fastify): health, Prometheus metrics, instances with their status, and detection
// search. Schema-first routes, one error shape (`{statusCode, error, message}`), and no secret in any
// answer: instance rows never carry the private token, not even encrypted.
import Fastify, { type FastifyInstance } from 'fastify';
import type { InstanceStatus } from '../collect/collector.ts';
import { ParamError } from '../commands/params.ts';
import type { Metrics } from '../service/metrics.ts';
import type { DetectionQuery } from '../store/index.ts';
import { detectionQuery, findDetection, searchDetections } from './detections.ts';

/** What the API reads from the store. */
export interface ApiStore {
  searchDetections(q: DetectionQuery): { items: unknown[]; total: number };
  getDetection(idOrKey: number | string): unknown | undefined;
  instances: { list(): { name: string }[] };
  maxSeq(): number;
  deadLetters: { count(): number };
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
    return {
      status: failing && failing === st.length ? 'failing' : failing ? 'degraded' : 'ok',
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      instances: Object.fromEntries(
        ['ok', 'degraded', 'failing', 'disabled', 'starting'].map((k) => [
          k,
          st.filter((s) => s.state === k).length,
        ]),
      ),
      store: { sequence: deps.store.maxSeq(), deadLetters: deps.store.deadLetters.count() },
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

  // Search and detail read the store through the functions the MCP tools share (./detections.ts).
  app.get<{ Querystring: Record<string, unknown> }>('/api/detections', async (req, reply) => {
    try {
      return searchDetections(deps.store, detectionQuery(req.query));
    } catch (err) {
      if (err instanceof ParamError)
        return reply.status(400).send({ statusCode: 400, error: 'Bad Request', message: err.message });
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>('/api/detections/:id', async (req, reply) => {
    const d = findDetection(deps.store, decodeURIComponent(req.params.id));
    if (!d)
      return reply
        .status(404)
        .send({ statusCode: 404, error: 'Not Found', message: `no detection ${req.params.id}` });
    return d;
  });

  deps.extend?.(app);
  return app;
}
