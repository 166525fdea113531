// GET /api/cluster (viewer): the replicas sharing the store, with their heartbeats and the leases each
// holds, the resources nobody holds, the takeovers of the last day, and which replica answered. On a
// SQLite store there is one process, which works every instance and sink: the answer says so.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';

const When = Type.String({ description: 'ISO 8601, on the database clock' });

const ClusterAnswer = Type.Object({
  mode: Type.Union([Type.Literal('cluster'), Type.Literal('single')], {
    description: 'cluster: replicas share a PostgreSQL store by lease; single: one process owns everything',
  }),
  replica: Type.String({ description: 'the replica that answered' }),
  message: Type.Optional(Type.String()),
  leaseSeconds: Type.Optional(Type.Number()),
  replicas: Type.Array(
    Type.Object({
      id: Type.String(),
      address: Type.Union([Type.String(), Type.Null()]),
      version: Type.Union([Type.String(), Type.Null()]),
      startedAt: When,
      heartbeatAt: When,
      leaseSeconds: Type.Number({ description: 'how long its leases last (its cluster.leaseSeconds)' }),
      alive: Type.Boolean({ description: 'false once its heartbeat is older than its lease length' }),
      leases: Type.Array(Type.Object({ resource: Type.String(), token: Type.Integer(), expiresAt: When })),
    }),
  ),
  unowned: Type.Array(Type.String(), { description: 'resources no replica holds right now' }),
  takeovers: Type.Array(
    Type.Object({
      resource: Type.String(),
      from: Type.Union([Type.String(), Type.Null()]),
      to: Type.String(),
      token: Type.Integer(),
      reason: Type.String({ description: 'new, released (handed back) or expired (its holder stopped)' }),
      at: When,
    }),
    { description: 'the last day, newest first' },
  ),
});

export const clusterRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/cluster',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The replicas sharing the store, the leases each holds and the takeovers of the last day',
        tags: ['cluster'],
        response: { 200: ClusterAnswer },
      },
    },
    async () => {
      const replica = deps.cluster?.replica ?? 'this process';
      if (!deps.cluster?.clustered)
        return {
          mode: 'single' as const,
          replica,
          message:
            'one process on a SQLite store polls every instance and runs every sink; ' +
            'replicas need a PostgreSQL store (dtc start --store postgres://…)',
          replicas: [],
          unowned: [],
          takeovers: [],
        };
      const status = await deps.cluster.status();
      if (!status)
        return {
          mode: 'cluster' as const,
          replica,
          message: 'this replica has not started its leases yet',
          replicas: [],
          unowned: [],
          takeovers: [],
        };
      return { mode: 'cluster' as const, replica, ...status };
    },
  );
};
