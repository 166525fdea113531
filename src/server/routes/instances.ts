// Instances with their collector status, one instance with its connection-check history, and a
// connection test on demand. No answer ever carries a private token, not even encrypted.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../app.ts';
import { ApiError, ErrorBody } from '../errors.ts';

const Name = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, description: 'instance name' }),
});

const Status = Type.Object(
  {
    name: Type.String(),
    state: Type.String({ enum: ['ok', 'degraded', 'failing', 'disabled', 'starting'] }),
    lastPollAt: Type.Optional(Type.String()),
    lastSuccessAt: Type.Optional(Type.String()),
    lastError: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const Instance = Type.Object(
  {
    name: Type.String(),
    url: Type.String(),
    publicToken: Type.String(),
    pollIntervalS: Type.Integer(),
    enabled: Type.Boolean(),
    simulated: Type.Boolean(),
    status: Status,
  },
  { additionalProperties: true, description: 'an instance; never its private token' },
);

const Check = Type.Object(
  { ok: Type.Boolean(), latencyMs: Type.Optional(Type.Union([Type.Number(), Type.Null()])) },
  { additionalProperties: true },
);

export const instanceRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const instances = () => {
    const status = new Map(deps.collector.status().map((s) => [s.name, s]));
    return deps.store.instances
      .list()
      .map((row) => ({ ...row, status: status.get(row.name) ?? { name: row.name, state: 'disabled' } }));
  };
  const notFound = (name: string) => new ApiError('not_found', `no instance named "${name}"`);

  app.get(
    '/api/instances',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Instances with their status',
        tags: ['instances'],
        response: { 200: Type.Array(Instance) },
      },
    },
    async () => instances(),
  );

  app.get(
    '/api/instances/:name',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'One instance with its last 20 connection checks',
        tags: ['instances'],
        params: Name,
        response: {
          200: Type.Object(
            { ...Instance.properties, connectionChecks: Type.Array(Check) },
            { additionalProperties: true },
          ),
          404: ErrorBody,
        },
      },
    },
    async (req) => {
      const found = instances().find((i) => i.name === req.params.name);
      if (!found) throw notFound(req.params.name);
      return { ...found, connectionChecks: deps.store.connectionChecks.list(req.params.name, 20) };
    },
  );

  app.post(
    '/api/instances/:name/test',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Test the connection now (reachable, TLS, signature, clock, permissions)',
        tags: ['instances'],
        params: Name,
        response: { 200: Check, 404: ErrorBody },
      },
    },
    async (req) => {
      const result = await deps.collector.check?.(req.params.name);
      if (!result) throw notFound(req.params.name);
      return result;
    },
  );
};
