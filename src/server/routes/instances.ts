// Instances with their collector status, one instance with its connection-check history, and a
// connection test on demand. No answer ever carries a private token, not even encrypted.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { z } from 'zod';
import type { InstanceStatus } from '../../collect/collector.ts';
import { CHECK_STEPS, checkConnection } from '../../collect/health.ts';
import { type InstanceConfig, instanceRecord, instanceSpec, replacing } from '../../collect/instance.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorBody, errorBody } from '../errors.ts';

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
    recentErrors: Type.Optional(
      Type.Array(Type.Object({ at: Type.String(), error: Type.String() }), {
        description: 'the last poll errors in plain words, newest first',
      }),
    ),
  },
  { additionalProperties: true },
);

export const Instance = Type.Object(
  {
    name: Type.String(),
    url: Type.String(),
    publicToken: Type.String(),
    pollIntervalSeconds: Type.Integer(),
    enabled: Type.Boolean(),
    simulated: Type.Boolean(),
    status: Status,
    source: Type.Optional(
      Type.String({
        enum: ['config', 'store'],
        description: 'config: declared in the config file, read-only here',
      }),
    ),
    configFile: Type.Optional(Type.String()),
    detections24h: Type.Optional(
      Type.Integer({ description: 'detections (latest versions) with an event time in the last 24 h' }),
    ),
    polledBy: Type.Optional(
      Type.String({
        description:
          'replicas on PostgreSQL: the replica polling the instance, whose status this is (absent on SQLite)',
      }),
    ),
  },
  { additionalProperties: true, description: 'an instance; never its private token' },
);

const CheckStep = Type.Object(
  {
    step: Type.String({ enum: [...CHECK_STEPS] }),
    ok: Type.Boolean(),
    skipped: Type.Optional(Type.Boolean({ description: 'not checked: an earlier step failed' })),
    reason: Type.String({ description: 'what was found, in plain words' }),
  },
  { additionalProperties: false },
);

const Check = Type.Object(
  {
    ok: Type.Boolean(),
    latencyMs: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    steps: Type.Optional(
      Type.Array(CheckStep, { description: 'reachable, tls, signature, clock, permissions, in order' }),
    ),
  },
  { additionalProperties: true },
);

/** A 422 from a failed connection test: the error body plus each step of the check. */
const ConnectionFailed = Type.Object(
  { ...ErrorBody.properties, steps: Type.Array(CheckStep) },
  { description: 'the connection test failed; nothing was saved' },
);

type Shown = InstanceStatus | { name: string; state: 'disabled' };

/**
 * Each instance's status and, on replicas, who polls it. A replica knows the status of the instances it
 * polls; the others' it reads from the store, as their pollers last wrote it. On SQLite the one process
 * polls them all.
 */
async function statuses(deps: ApiDeps) {
  const mine = new Map(deps.collector.status().map((s) => [s.name, s]));
  const cluster = deps.cluster?.clustered ? deps.cluster : undefined;
  const shared = cluster
    ? new Map((await deps.store.instanceStatus.list()).map((r) => [r.instance, r]))
    : undefined;
  const of = (i: { name: string; enabled: boolean }): { status: Shown; polledBy?: string } => {
    const own: Shown = mine.get(i.name) ?? { name: i.name, state: 'disabled' };
    if (!cluster || !i.enabled) return { status: own };
    if (deps.collector.polls?.(i.name) ?? true) return { status: own, polledBy: cluster.replica };
    const stored = shared?.get(i.name);
    // No replica has written it yet: it is starting, wherever it runs.
    // The holder wrote the collector's own InstanceStatus (src/collect/collector.ts `onStatus`).
    return stored ? { status: stored.status as unknown as Shown, polledBy: stored.replica } : { status: own };
  };
  return of;
}

export const instanceRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const instances = async () => {
    const rows = await deps.store.instances.list();
    const statusOf = await statuses(deps);
    const recent = await deps.store.detectionStats.countsSince(Date.now() - 86_400_000);
    return rows.map((row) => ({
      ...row,
      detections24h: recent[row.name] ?? 0,
      ...statusOf(row),
      // Declared in the config file: read-only through the API.
      source: deps.manage?.declaredIn?.(row.name) ? 'config' : 'store',
      configFile: deps.manage?.declaredIn?.(row.name),
    }));
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
      const found = (await instances()).find((i) => i.name === req.params.name);
      if (!found) throw notFound(req.params.name);
      return { ...found, connectionChecks: await deps.store.connectionChecks.list(req.params.name, 20) };
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

/** The instance spec (src/collect/instance.ts) as JSON Schema: one declaration for the file, the CLI and here. */
function bodySchema(partial: boolean): Record<string, unknown> {
  const s = z.toJSONSchema(instanceSpec, { io: 'input', target: 'draft-7' }) as Record<string, any>;
  delete s.$schema;
  if (!partial) return s;
  const strip = (o: Record<string, any>) => {
    delete o.default;
    for (const v of Object.values(o.properties ?? {})) strip(v as Record<string, any>);
  };
  strip(s);
  delete s.required;
  delete s.properties.name;
  // A change may remove the proxy.
  s.properties.proxy = {
    anyOf: [s.properties.proxy, { type: 'null' }],
    description: 'null: no proxy any more',
  };
  return s;
}

/** Validates with the one instance schema; the first problem becomes a 400 naming the field. */
function parseInstance(raw: unknown): InstanceConfig {
  const r = instanceSpec.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.') || 'body';
  throw new ApiError('invalid_parameter', `${field}: ${issue.message}`, String(issue.path[0] ?? 'body'));
}

const TestQuery = Type.Object(
  {
    test: Type.Boolean({
      default: true,
      description: 'test the connection first; nothing is saved if it fails',
    }),
  },
  { additionalProperties: false },
);

/**
 * Managing instances (admin): create, change, enable or disable, and delete, applied to the running
 * collector at once. A change that touches the connection is tested before it is saved, unless
 * `?test=false`; instances declared in the config file are read-only here.
 */
export const manageInstanceRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const store = deps.store;
  const applied = async () => deps.manage?.instancesChanged();
  const readOnly = (name: string) => {
    const file = deps.manage?.declaredIn?.(name);
    if (file)
      throw new ApiError(
        'conflict',
        `instance "${name}" is declared in ${file}: change it there and restart`,
      );
  };
  /** Tests a connection; the 422 body (with each step) when it fails, undefined when it passes. */
  const test = async (cfg: InstanceConfig) => {
    const result = await checkConnection({
      url: cfg.url,
      publicToken: cfg.publicToken,
      privateToken: cfg.privateToken,
      tls: cfg.tls,
      proxy: cfg.proxy,
      userAgent: deps.cluster?.userAgent,
    });
    if (result.ok) return undefined;
    return {
      ...errorBody('connection_failed', `connection test failed, nothing saved: ${result.error}`),
      steps: result.steps,
    };
  };
  const view = async (name: string) => {
    const row = (await store.instances.get(name))!;
    return {
      ...row,
      ...(await statuses(deps))(row),
      source: deps.manage?.declaredIn?.(name) ? 'config' : 'store',
    };
  };

  app.post(
    '/api/instances',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Add an instance (tested first); its poller starts at once',
        tags: ['instances'],
        querystring: TestQuery,
        body: Type.Unsafe<Record<string, unknown>>(bodySchema(false)),
        response: { 201: Instance, 400: ErrorBody, 409: ErrorBody, 422: ConnectionFailed },
      },
    },
    async (req, reply) => {
      const cfg = parseInstance(req.body);
      if (await store.instances.get(cfg.name))
        throw new ApiError('conflict', `an instance named "${cfg.name}" exists`);
      const failed = req.query.test ? await test(cfg) : undefined;
      if (failed) return reply.status(422).send(failed);
      await store.instances.add(cfg);
      await store.commandRuns.add({
        who: principalOf(req).label,
        instance: cfg.name,
        command: 'instance.add',
        params: { url: cfg.url, tested: req.query.test },
        outcome: 'Successful',
      });
      await applied();
      return reply.status(201).send(await view(cfg.name));
    },
  );

  app.patch(
    '/api/instances/:name',
    {
      config: { access: 'admin' },
      schema: {
        summary:
          'Change an instance (enable/disable, tokens, interval, …); a connection change is tested first',
        tags: ['instances'],
        params: Name,
        querystring: TestQuery,
        body: Type.Unsafe<Record<string, unknown>>(bodySchema(true)),
        response: { 200: Instance, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ConnectionFailed },
      },
    },
    async (req, reply) => {
      const name = req.params.name;
      const current = await instanceRecord(store, name);
      if (!current) throw new ApiError('not_found', `no instance named "${name}"`);
      readOnly(name);
      const body = req.body as Record<string, unknown>;
      const { simulated: _s, ...stored } = current;
      const merged: Record<string, unknown> = { ...stored, ...body, name };
      // null (or "", which is what ajv's type coercion makes of null here) removes the proxy.
      if (body.proxy === null || body.proxy === '') delete merged.proxy;
      const cfg = parseInstance(merged);
      const connection = ['url', 'publicToken', 'privateToken', 'tls', 'proxy'] as const;
      const changed = connection.some((k) => JSON.stringify(cfg[k]) !== JSON.stringify(current[k]));
      const failed = changed && cfg.enabled && req.query.test ? await test(cfg) : undefined;
      if (failed) return reply.status(422).send(failed);
      await store.instances.update(name, replacing(cfg));
      await store.commandRuns.add({
        who: principalOf(req).label,
        instance: name,
        command: 'instance.update',
        params: { fields: Object.keys(req.body as object) },
        outcome: 'Successful',
      });
      await applied();
      return await view(name);
    },
  );

  app.delete(
    '/api/instances/:name',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Delete an instance: its poller stops; what it stored stays',
        tags: ['instances'],
        params: Name,
        response: { 204: Type.Null(), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const name = req.params.name;
      if (!(await store.instances.get(name))) throw new ApiError('not_found', `no instance named "${name}"`);
      readOnly(name);
      await store.instances.remove(name);
      await store.commandRuns.add({
        who: principalOf(req).label,
        instance: name,
        command: 'instance.remove',
        params: {},
        outcome: 'Successful',
      });
      await applied();
      return reply.status(204).send(null);
    },
  );
};
