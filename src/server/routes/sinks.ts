// Each sink's type, format, redacted destination, offset, lag and last error.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../app.ts';
import { ApiError, ErrorBody } from '../errors.ts';

const Sink = Type.Object(
  {
    name: Type.String(),
    type: Type.String(),
    format: Type.String(),
    url: Type.String({ description: 'the destination, credentials redacted' }),
    offset: Type.Integer(),
    lag: Type.Integer(),
    lastError: Type.Union([Type.String(), Type.Null()]),
    failedAttempts: Type.Integer({ description: 'failed attempts in a row' }),
    nextAttemptAt: Type.Union([Type.Integer(), Type.Null()], {
      description: 'when the next attempt after a failure is due (epoch ms)',
    }),
  },
  { additionalProperties: true },
);

export const sinkRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const list = () => deps.deliverer?.status() ?? [];
  app.get(
    '/api/sinks',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Sinks with offset, lag and last error',
        tags: ['sinks'],
        response: { 200: Type.Array(Sink) },
      },
    },
    async () => list(),
  );
  app.get(
    '/api/sinks/:name',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'One sink',
        tags: ['sinks'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: Sink, 404: ErrorBody },
      },
    },
    async (req) => {
      const s = list().find((x) => x.name === req.params.name);
      if (!s) throw new ApiError('not_found', `no sink named "${req.params.name}"`);
      return s;
    },
  );
};
