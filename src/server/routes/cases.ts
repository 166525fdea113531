// The case connectors over HTTP. GET /api/cases (viewer): each connector's status, its links open and
// gone, its last error and its recent inbound changes. Webhooks from case systems (Jira, ServiceNow):
// POST /api/cases/<connector>/webhook. Public as far as
// our sign-in goes: the shared secret's HMAC over the raw body is what admits a request (checked by the
// connector; a wrong or missing signature is refused with 401 and logged), so this scope reads JSON
// bodies as text and leaves the parsing to after the check.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { CaseConnectors } from '../../cases/connector.ts';
import { ApiError, ErrorBody } from '../errors.ts';

/** The connectors' routes: their status and their webhooks. */
export function registerCaseRoutes(app: FastifyInstance, cases: CaseConnectors | undefined): void {
  app.get(
    '/api/cases',
    {
      config: { access: 'viewer' },
      schema: {
        summary:
          'The case connectors: offset, lag, cases open and gone, last error, inbound cursor and recent changes',
        tags: ['cases'],
        response: {
          200: Type.Array(
            Type.Object(
              {
                name: Type.String(),
                type: Type.String(),
                per: Type.String(),
                offset: Type.Number(),
                lag: Type.Number(),
                cases: Type.Number(),
                links: Type.Object({ open: Type.Number(), gone: Type.Number() }),
                onCaseGone: Type.String(),
                goneCases: Type.Array(
                  Type.Object({
                    caseId: Type.String(),
                    detectionKey: Type.String(),
                    reason: Type.Union([Type.String(), Type.Null()]),
                    at: Type.Number(),
                  }),
                ),
                lastError: Type.Union([Type.String(), Type.Null()]),
                lastErrorAt: Type.Union([Type.Number(), Type.Null()]),
                config: Type.Record(Type.String(), Type.Unknown(), {
                  description: 'the declaration, secrets redacted',
                }),
                inbound: Type.Object({
                  cursor: Type.Unknown(),
                  lastPollAt: Type.Union([Type.Number(), Type.Null()]),
                  lastPollError: Type.Union([Type.String(), Type.Null()]),
                  webhook: Type.Boolean(),
                  recent: Type.Array(
                    Type.Object({
                      at: Type.Number(),
                      id: Type.String(),
                      caseId: Type.String(),
                      kind: Type.String(),
                      author: Type.String(),
                      outcome: Type.String(),
                      via: Type.String(),
                      ok: Type.Number(),
                      failed: Type.Number(),
                      error: Type.Optional(Type.String()),
                    }),
                  ),
                }),
              },
              { description: 'one case connector' },
            ),
          ),
        },
      },
    },
    async () => cases?.status() ?? [],
  );
  registerWebhooks(app, cases);
}

function registerWebhooks(app: FastifyInstance, cases: CaseConnectors | undefined): void {
  app.register(async (scoped) => {
    scoped.removeContentTypeParser('application/json');
    scoped.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    scoped.post(
      '/api/cases/:name/webhook',
      {
        config: { access: 'public' },
        schema: {
          summary: "A case system's webhook (signed with the connector's shared secret)",
          tags: ['cases'],
          params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
          response: {
            200: Type.Object(
              {
                results: Type.Array(
                  Type.Object({ id: Type.String(), outcome: Type.String() }, { additionalProperties: true }),
                ),
              },
              { description: 'each change in the request and what it did in Darktrace' },
            ),
            401: ErrorBody,
            404: ErrorBody,
            503: ErrorBody,
          },
        },
      },
      async (req, reply) => {
        const { name } = req.params as { name: string };
        const c = cases?.get(name);
        if (!c?.system.webhook)
          throw new ApiError('not_found', `no case connector named "${name}" takes webhooks`);
        const r = await c.webhook(req.headers, typeof req.body === 'string' ? req.body : '', req.ip);
        if (r.status === 401) throw new ApiError('unauthenticated', (r.body as { message: string }).message);
        if (r.status === 400) throw new ApiError('invalid_request', (r.body as { message: string }).message);
        if (r.status === 503) throw new ApiError('unavailable', (r.body as { message: string }).message);
        return reply.status(200).send(r.body);
      },
    );
  });
}
