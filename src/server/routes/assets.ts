// GET /api/assets: the device inventory of the stored instances as CSV or JSON Lines, streamed as the
// appliances' pages arrive (one page in memory, paced by the client). The first page is read before
// the answer starts, so a wrong token or an unreachable appliance is a proper error; a failure after
// that cuts the body short (no final chunk), which a client cannot take for a complete export.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EXPORT_FORMATS, exportLines } from '../../assets/export.ts';
import { openSources } from '../../assets/instances.ts';
import { UnknownInstanceError } from '../../commands/index.ts';
import { DarktraceError } from '../../darktrace/index.ts';
import { parseTime } from '../../util/time.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorBody } from '../errors.ts';

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson' } as const;

export const assetRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/assets',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Every device of every instance (or of `instance`) as CSV or JSON Lines, streamed',
        tags: ['assets'],
        produces: [CONTENT_TYPES.csv, CONTENT_TYPES.jsonl],
        querystring: Type.Object(
          {
            instance: Type.Optional(
              Type.String({
                description: 'instances, comma-separated (default: every enabled one)',
                maxLength: 1000,
              }),
            ),
            format: Type.String({ enum: [...EXPORT_FORMATS], default: 'csv' }),
            since: Type.Optional(
              Type.String({
                description: 'only devices last seen since then: ISO 8601, epoch ms or an age (24h, 7d)',
                maxLength: 64,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.String({ description: 'CSV with a header line, or one JSON object a line' }),
          400: ErrorBody,
          404: ErrorBody,
          502: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const format = req.query.format as (typeof EXPORT_FORMATS)[number];
      let since: number | undefined;
      try {
        since = req.query.since === undefined ? undefined : parseTime(req.query.since);
      } catch (e) {
        throw new ApiError('invalid_parameter', (e as Error).message, 'since');
      }
      const names = req.query.instance
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      let sources: Awaited<ReturnType<typeof openSources>>;
      try {
        sources = await openSources(deps.store, names);
      } catch (e) {
        if (e instanceof UnknownInstanceError) throw new ApiError('not_found', e.message, 'instance');
        throw e;
      }
      const lines = exportLines(sources, { format, since });
      // The CSV header comes before any request: read on to the first device (or the end).
      const head: string[] = [];
      try {
        for (let want = format === 'csv' ? 2 : 1; head.length < want; ) {
          const r = await lines.next();
          if (r.done) break;
          head.push(r.value);
        }
      } catch (e) {
        await sources.close();
        if (e instanceof DarktraceError) throw new ApiError('upstream_failed', e.message);
        throw e;
      }
      async function* body() {
        try {
          yield* head;
          yield* lines;
        } finally {
          await sources.close();
        }
      }
      reply.type(CONTENT_TYPES[format]);
      // A stream goes out as it is (fastify serialises only objects); the schema documents its text.
      return reply.send(Readable.from(body()) as unknown as string);
    },
  );
};
