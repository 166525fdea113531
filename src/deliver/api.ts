// GET /api/sinks and /api/sinks/:name: each sink's type, format, redacted URL, offset, lag and last error.
import type { FastifyInstance } from 'fastify';
import type { Deliverer } from './worker.ts';

export function registerSinkRoutes(app: FastifyInstance, deliverer: Deliverer): void {
  app.get('/api/sinks', async () => deliverer.status());
  app.get<{ Params: { name: string } }>('/api/sinks/:name', async (req, reply) => {
    const s = deliverer.status().find((x) => x.name === req.params.name);
    if (!s)
      return reply
        .status(404)
        .send({ statusCode: 404, error: 'Not Found', message: `no sink named "${req.params.name}"` });
    return s;
  });
}
