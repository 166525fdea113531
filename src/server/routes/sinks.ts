// Each sink's type, format, redacted destination, offset, lag and last error; and (admin) a replay:
// the sink's offset moved to a time or a sequence number, as `dtc sink reset` does, audited.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { offsetFor } from '../../deliver/offsets.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiDeps } from '../deps.ts';
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
  const list = async () => (await deps.deliverer?.status()) ?? [];
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
      const s = (await list()).find((x) => x.name === req.params.name);
      if (!s) throw new ApiError('not_found', `no sink named "${req.params.name}"`);
      return s;
    },
  );

  app.post(
    '/api/sinks/:name/reset',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Replay: move the sink to a time or a sequence number (the next delivery starts after it)',
        tags: ['sinks'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
        body: Type.Object(
          {
            to: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Integer({ minimum: 0 })], {
              description:
                'an ISO 8601 time, epoch milliseconds, an age such as 24h (replays what was stored since), ' +
                'or a sequence number (up to 10 digits)',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            name: Type.String(),
            before: Type.Integer({ description: 'the offset before the reset' }),
            offset: Type.Integer({ description: 'the new offset' }),
            lag: Type.Integer({ description: 'rows to deliver again' }),
          }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req) => {
      const { name } = req.params;
      if (!(await list()).some((x) => x.name === name))
        throw new ApiError('not_found', `no sink named "${name}"`);
      const to = String(req.body.to);
      let offset: number;
      try {
        offset = await offsetFor(deps.store, to);
      } catch (err) {
        throw new ApiError('invalid_parameter', (err as Error).message, 'to');
      }
      const max = await deps.store.maxSeq();
      if (offset > max)
        throw new ApiError(
          'invalid_parameter',
          `sequence ${offset} is beyond the newest stored (${max})`,
          'to',
        );
      const before = await deps.store.sinkOffsets.get(name);
      await deps.store.sinkOffsets.set(name, offset);
      await deps.store.commandRuns.add({
        who: principalOf(req).label,
        command: 'sink.reset',
        params: { sink: name, to, before, offset },
        outcome: 'Successful',
        summary: `sink ${name}: offset ${before} → ${offset}`,
      });
      deps.deliverer?.notify?.();
      return { name, before, offset, lag: Math.max(0, max - offset) };
    },
  );
};
