// GET /api/reports: the executive report of a period (default: the last full week, Monday to Monday
// UTC) as JSON, a self-contained HTML page or a PDF printed by the system's Chromium.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  ChromiumMissingError,
  produceReport,
  REPORT_FORMATS,
  type ReportFormat,
  resolvePeriod,
} from '../../report/index.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorBody } from '../errors.ts';

const Query = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        description: 'start: ISO 8601, epoch ms or an age such as 7d (default: the last full week)',
      }),
    ),
    to: Type.Optional(Type.String({ description: 'end, exclusive (same forms)' })),
    instance: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'only these instances (repeat the parameter, or comma-separate); default: all',
      }),
    ),
    format: Type.Optional(Type.String({ enum: [...REPORT_FORMATS], default: 'json' })),
  },
  { additionalProperties: false },
);

export const reportRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/reports',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Executive report of a period: JSON, HTML or PDF',
        tags: ['reports'],
        querystring: Query,
        produces: ['application/json', 'text/html', 'application/pdf'],
        response: {
          200: Type.Unknown({ description: 'the report (JSON), its HTML page or its PDF' }),
          400: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const q = req.query;
      let period: { from: number; to: number };
      try {
        period = resolvePeriod(q.from, q.to);
      } catch (e) {
        throw new ApiError('invalid_parameter', (e as Error).message, q.from === undefined ? 'to' : 'from');
      }
      const instances = q.instance?.flatMap((s) => s.split(',').map((x) => x.trim())).filter(Boolean);
      const format = (q.format ?? 'json') as ReportFormat;
      try {
        const out = await produceReport(deps.store, { ...period, instances, format });
        reply.header('content-type', out.contentType);
        if (format === 'pdf') reply.header('content-disposition', `attachment; filename="${out.fileName}"`);
        return reply.send(out.body);
      } catch (e) {
        if (e instanceof ChromiumMissingError) throw new ApiError('unavailable', e.message);
        if (e instanceof RangeError) throw new ApiError('invalid_parameter', e.message);
        throw e;
      }
    },
  );
};
