// Detection search and detail. The filters are the typed list in ../detections.ts (shared with the MCP
// tools); the query-string schema is derived from it, and its rules (term count and length, paging
// bounds) are checked there before the store is asked anything.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ParamError, type ParamSpec } from '../../commands/params.ts';
import { detectionOf } from '../../deliver/worker.ts';
import { FORMATS, render } from '../../normalize/index.ts';
import type { ApiDeps } from '../deps.ts';
import {
  detectionFilters,
  detectionQuery,
  findDetection,
  histogram,
  searchDetections,
} from '../detections.ts';
import { ApiError, ErrorBody } from '../errors.ts';

/** A query string's JSON Schema from parameter specs: times and free text stay strings. */
function querySchema(specs: readonly ParamSpec[]) {
  const props: Record<string, unknown> = {};
  for (const s of specs) {
    const base = { description: s.description };
    const schema =
      s.type === 'integer'
        ? Type.Integer({ ...base, minimum: s.min, maximum: s.max, default: s.default as number })
        : s.type === 'boolean'
          ? Type.Boolean(base)
          : s.enum
            ? Type.String({ ...base, enum: [...s.enum] })
            : Type.String(base);
    props[s.name] = s.required ? schema : Type.Optional(schema);
  }
  return Type.Object(props as Record<string, never>, { additionalProperties: false });
}

/** A stored detection's columns and its canonical form, derived on read. */
const DetectionRow = Type.Object(
  {
    seq: Type.Integer({ description: 'position in the append log (sink offsets point here)' }),
    key: Type.String({ description: 'instance/family/id' }),
    instance: Type.String(),
    family: Type.String(),
    nativeId: Type.String(),
    version: Type.Integer(),
    hash: Type.String(),
    createdAt: Type.Integer({ description: 'stored at, epoch ms' }),
    eventTime: Type.Integer({ description: 'epoch ms' }),
    severity: Type.Integer({ minimum: 0, maximum: 6 }),
    title: Type.String(),
    acknowledged: Type.Boolean(),
    source: Type.String(),
    canonical: Type.Optional(
      Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
        description: 'the canonical detection; null when the normaliser cannot read the stored record',
      }),
    ),
    problem: Type.Optional(Type.String()),
    raw: Type.Optional(Type.Unknown({ description: 'the record as Darktrace sent it' })),
  },
  { additionalProperties: true },
);

const Search = Type.Object({
  items: Type.Array(DetectionRow),
  total: Type.Integer({ description: 'how many match (at least this many when totalCapped)' }),
  totalCapped: Type.Optional(
    Type.Boolean({
      description:
        'present (true) when total is a lower bound: a text search with more matches stops counting at 10,000',
    }),
  ),
});

/** The histogram takes the search's filters (paging aside) and how many buckets to aim for. */
const histogramParams: ParamSpec[] = [
  ...detectionFilters.filter((f) => f.name !== 'limit' && f.name !== 'offset'),
  {
    name: 'buckets',
    type: 'integer',
    min: 1,
    max: 500,
    default: 60,
    description: 'about this many buckets (the width is rounded to a readable one: 1 min … 30 days)',
  },
];

const Histogram = Type.Object({
  from: Type.Integer({ description: 'start of the first bucket’s range, epoch ms (inclusive)' }),
  to: Type.Integer({ description: 'end of the range, epoch ms (exclusive)' }),
  bucketMs: Type.Integer({ description: 'width of each bucket' }),
  buckets: Type.Array(
    Type.Object({
      start: Type.Integer({ description: 'epoch ms, aligned to the width (UTC)' }),
      counts: Type.Array(Type.Integer(), {
        description: 'detections by severity: [0] unknown, [1] informational … [5] critical',
      }),
    }),
  ),
});

const Detail = Type.Object(
  {
    ...DetectionRow.properties,
    versions: Type.Array(
      Type.Object(
        {
          seq: Type.Integer(),
          version: Type.Integer(),
          hash: Type.String(),
          createdAt: Type.Integer(),
          severity: Type.Integer(),
          acknowledged: Type.Boolean(),
          title: Type.String(),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true, description: 'one detection with its stored versions' },
);

/** A bad filter is the caller's mistake: a 400 naming the parameter. */
async function withParamErrors<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof ParamError) throw new ApiError('invalid_parameter', err.message, err.param);
    throw err;
  }
}

export const detectionRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/detections',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Search detections (the latest version of each), newest first',
        tags: ['detections'],
        querystring: querySchema(detectionFilters),
        response: { 200: Search, 400: ErrorBody },
      },
    },
    async (req) =>
      withParamErrors(() =>
        searchDetections(deps.store, detectionQuery(req.query as Record<string, unknown>)),
      ),
  );

  app.get(
    '/api/detections/histogram',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Detections (the latest version of each) over time by severity, for the search’s filters',
        tags: ['detections'],
        querystring: querySchema(histogramParams),
        response: { 200: Histogram, 400: ErrorBody },
      },
    },
    async (req) => {
      const { buckets, ...filters } = req.query as Record<string, unknown>;
      return withParamErrors(() => histogram(deps.store, detectionQuery(filters), Number(buckets ?? 60)));
    },
  );

  app.get(
    '/api/detections/:id',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'One detection with its versions, by key (instance/family/id) or sequence number',
        tags: ['detections'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 1000 }) }),
        response: { 200: Detail, 404: ErrorBody },
      },
    },
    async (req) => {
      const d = await findDetection(deps.store, req.params.id);
      if (!d) throw new ApiError('not_found', `no detection ${req.params.id}`);
      return d;
    },
  );

  app.get(
    '/api/detections/:id/render/:format',
    {
      config: { access: 'viewer' },
      schema: {
        summary:
          'The latest version of a detection rendered as a sink would send it (ECS, OCSF, CEF, LEEF, JSON)',
        tags: ['detections'],
        params: Type.Object({
          id: Type.String({ minLength: 1, maxLength: 1000 }),
          format: Type.String({ enum: [...FORMATS] }),
        }),
        response: {
          200: Type.Object({
            key: Type.String(),
            version: Type.Integer(),
            format: Type.String({ enum: [...FORMATS] }),
            text: Type.String({ description: 'one line: JSON for ecs/ocsf/json, the CEF or LEEF line' }),
          }),
          400: ErrorBody,
          404: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (req) => {
      const d = await findDetection(deps.store, req.params.id);
      if (!d) throw new ApiError('not_found', `no detection ${req.params.id}`);
      const format = req.params.format as (typeof FORMATS)[number];
      if (!d.canonical)
        throw new ApiError('not_renderable', d.problem ?? 'the normaliser cannot read this stored record');
      return { key: d.key, version: d.version, format, text: render(detectionOf(d), format) };
    },
  );
};
