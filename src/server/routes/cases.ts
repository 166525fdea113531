// Webhooks from case systems (Jira, ServiceNow): POST /api/cases/<connector>/webhook. Public as far as
// our sign-in goes: the shared secret's HMAC over the raw body is what admits a request (checked by the
// connector; a wrong or missing signature is refused with 401 and logged), so this scope reads JSON
// bodies as text and leaves the parsing to after the check.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { CaseConnectors } from '../../cases/connector.ts';
import { ApiError, ErrorBody } from '../errors.ts';

export function registerCaseWebhooks(app: FastifyInstance, cases: CaseConnectors | undefined): void {
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
