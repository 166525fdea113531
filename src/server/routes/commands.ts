// The command catalog over HTTP: `GET /api/commands`, and one route per command (and per alias,
// undocumented) at `POST /api/instances/:name/commands/<command>`, whose body schema is the command's
// own parameter schema. Runs go through runOnInstance, as the MCP tools' do, and are audited there.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  type CommandResult,
  commandResultSchema,
  commands,
  describeCommand,
  jsonSchema,
  ParamError,
  paramName,
  runOnInstance,
  UnknownInstanceError,
} from '../../commands/index.ts';
import { principalOf } from '../authenticate.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorBody } from '../errors.ts';

const CatalogEntry = Type.Object({
  name: Type.String(),
  role: Type.String({ description: 'the weakest role that may run it' }),
  aliases: Type.Array(Type.String()),
  description: Type.String(),
  parameters: Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the body' }),
  output: Type.String(),
});

const Result = Type.Unsafe<CommandResult>(commandResultSchema());

export const commandRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/api/commands',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The command catalog with each parameter schema',
        tags: ['commands'],
        response: { 200: Type.Array(CatalogEntry) },
      },
    },
    async () => commands.map(describeCommand),
  );

  for (const c of commands) {
    for (const name of [c.name, ...c.aliases]) {
      app.post(
        `/api/instances/:name/commands/${name}`,
        {
          config: { access: c.role },
          // A command without required parameters may be POSTed without a body.
          preValidation: async (req) => {
            req.body ??= {};
          },
          schema: {
            hide: name !== c.name,
            operationId: paramName(name),
            summary: c.description,
            description: `Output: ${c.output}${c.aliases.length ? `. Aliases: ${c.aliases.join(', ')}` : ''}`,
            tags: ['commands'],
            params: Type.Object({ name: Type.String({ minLength: 1, description: 'instance name' }) }),
            body: Type.Unsafe<Record<string, unknown>>(jsonSchema(c.params)),
            response: {
              200: { description: 'Successful or Partially Successful', ...Result },
              400: ErrorBody,
              404: ErrorBody,
              502: { description: 'Failed: the appliance refused or could not be reached', ...Result },
            },
          },
        },
        async (req, reply) => {
          try {
            const result = await runOnInstance(deps.store, {
              instance: req.params.name,
              command: c,
              raw: req.body,
              who: principalOf(req).label,
              maxItems: deps.maxCommandItems,
              client: deps.collector.client?.(req.params.name),
            });
            return reply.status(result.outcome === 'Failed' ? 502 : 200).send(result);
          } catch (err) {
            if (err instanceof UnknownInstanceError) throw new ApiError('not_found', err.message);
            if (err instanceof ParamError)
              throw new ApiError('invalid_parameter', err.message, paramName(err.param));
            throw err;
          }
        },
      );
    }
  }

  // Any other command name: say where the catalog is.
  app.post(
    '/api/instances/:name/commands/:command',
    {
      config: { access: 'viewer' },
      schema: { hide: true, response: { 404: ErrorBody } },
    },
    async (req) => {
      const { command } = req.params as { command: string };
      throw new ApiError('not_found', `unknown command "${command}": see GET /api/commands`);
    },
  );

  app.get(
    '/api/command-runs',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The audit trail of command runs, newest first (parameters with secrets redacted)',
        tags: ['audit'],
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            instance: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Array(
            Type.Object(
              {
                who: Type.String(),
                instance: Type.Union([Type.String(), Type.Null()]),
                command: Type.String(),
                outcome: Type.String(),
              },
              { additionalProperties: true },
            ),
          ),
        },
      },
    },
    async (req) => deps.store.commandRuns.list(req.query.limit, { instance: req.query.instance }),
  );
};
