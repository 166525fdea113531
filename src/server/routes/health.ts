// GET /healthz: the service's state for load balancers and people; GET /metrics for Prometheus.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';

const STATES = ['ok', 'degraded', 'failing', 'disabled', 'starting'] as const;

const Health = Type.Object(
  {
    status: Type.String({ enum: ['ok', 'degraded', 'failing'] }),
    uptimeSeconds: Type.Integer(),
    instances: Type.Record(Type.String(), Type.Integer(), { description: 'instances per state' }),
    store: Type.Object(
      { sequence: Type.Integer(), deadLetters: Type.Integer() },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const started = Date.now();
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Health of the service and its instances',
        tags: ['service'],
        response: { 200: Health },
      },
    },
    async (req) => {
      const st = deps.collector.status();
      const failing = st.filter((s) => s.state === 'failing').length;
      // A store that cannot write (full disk, read-only, damaged) degrades the service: input waits.
      const health = deps.store.health();
      return {
        status:
          failing && failing === st.length ? 'failing' : failing || !health.writable ? 'degraded' : 'ok',
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        instances: Object.fromEntries(STATES.map((k) => [k, st.filter((s) => s.state === k).length])),
        store: {
          sequence: await deps.store.maxSeq(),
          deadLetters: await deps.store.deadLetters.count(),
          ...health,
        },
        // Where the data lives and the demo's simulator: for signed-in callers only.
        ...(req.principal ? deps.about : {}),
      };
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['service'],
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text format' }) },
      },
    },
    async (_req, reply) => {
      const m = deps.metrics;
      m.storeSeq.set(await deps.store.maxSeq());
      for (const s of deps.collector.status())
        m.instanceUp.set({ instance: s.name }, s.state === 'ok' ? 1 : s.state === 'degraded' ? 0.5 : 0);
      reply.header('content-type', m.registry.contentType);
      return m.registry.metrics();
    },
  );
};
