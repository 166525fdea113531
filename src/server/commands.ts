// The command catalog over HTTP: `GET /api/commands`, `POST /api/instances/:name/commands/:command`, and
// an OpenAPI document generated from the same table. Every run is recorded in the audit table.
import type { FastifyInstance } from 'fastify';
import {
  commandResultSchema,
  commands,
  failureSchema,
  findCommand,
  jsonSchema,
  ParamError,
  paramName,
  runOnInstance,
  UnknownInstanceError,
} from '../commands/index.ts';
import type { Store } from '../store/index.ts';
import { detectionFilters } from './detections.ts';

export function openApiDocument() {
  const paths: Record<string, unknown> = {
    '/api/commands': {
      get: {
        summary: 'The command catalog with parameter schemas',
        responses: { 200: { description: 'catalog' } },
      },
    },
    '/api/instances': {
      get: {
        summary: 'Instances with their status (never a private token)',
        responses: { 200: { description: 'instances' } },
      },
    },
    '/api/detections': {
      get: {
        summary: 'Search detections (latest version of each)',
        parameters: detectionFilters.map((p) => ({
          name: p.name,
          in: 'query',
          description: p.description,
          schema: { type: 'string' },
        })),
        responses: { 200: { description: '{items, total}' } },
      },
    },
    '/api/detections/{id}': {
      get: {
        summary: 'One detection with its versions',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'detection' }, 404: { description: 'not found' } },
      },
    },
    '/mcp': {
      post: {
        summary:
          'Model Context Protocol (streamable HTTP, stateless): the commands and detection search as tools',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: {
          200: { description: 'JSON-RPC answer' },
          403: { description: 'Host or Origin not loopback while the API listens on loopback' },
        },
      },
    },
    '/healthz': { get: { summary: 'Health', responses: { 200: { description: 'ok' } } } },
    '/metrics': {
      get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } },
    },
  };
  for (const c of commands) {
    paths[`/api/instances/{name}/commands/${c.name}`] = {
      post: {
        operationId: paramName(c.name),
        summary: c.description,
        description: `Output: ${c.output}${c.aliases.length ? `. Aliases: ${c.aliases.join(', ')}` : ''}`,
        parameters: [
          {
            name: 'name',
            in: 'path',
            required: true,
            description: 'instance name',
            schema: { type: 'string' },
          },
        ],
        requestBody: {
          required: c.params.some((p) => p.required),
          content: { 'application/json': { schema: jsonSchema(c.params) } },
        },
        responses: {
          200: {
            description: 'Successful or Partially Successful',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CommandResult' } } },
          },
          400: { description: 'invalid parameters: the message names the parameter and the rule' },
          404: { description: 'unknown instance or command' },
          502: {
            description: 'Failed: the appliance refused or could not be reached',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CommandResult' } } },
          },
        },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'darktrace-hub API',
      version: '0.1.0',
      description: 'Collector, detections and the Darktrace SOC command catalog',
    },
    paths,
    components: {
      schemas: {
        CommandResult: commandResultSchema({ $ref: '#/components/schemas/Failure' }),
        Failure: failureSchema,
      },
    },
  };
}

export function registerCommandRoutes(app: FastifyInstance, store: Store): void {
  app.get('/api/commands', async () =>
    commands.map((c) => ({
      name: c.name,
      aliases: c.aliases,
      description: c.description,
      parameters: jsonSchema(c.params),
      output: c.output,
    })),
  );
  app.get('/api/openapi.json', async () => openApiDocument());

  app.post<{ Params: { name: string; command: string }; Body: Record<string, unknown> | undefined }>(
    '/api/instances/:name/commands/:command',
    async (req, reply) => {
      const def = findCommand(req.params.command);
      if (!def)
        return reply.status(404).send({
          statusCode: 404,
          error: 'Not Found',
          message: `unknown command "${req.params.command}": see GET /api/commands`,
        });
      const body = req.body ?? {};
      if (typeof body !== 'object' || Array.isArray(body)) {
        return reply.status(400).send({
          statusCode: 400,
          error: 'Bad Request',
          message: 'the body must be a JSON object of parameters',
        });
      }
      try {
        const result = await runOnInstance(store, {
          instance: req.params.name,
          command: def,
          raw: body,
          who: String(req.headers['x-dtc-user'] ?? `api:${req.ip}`),
        });
        return reply.status(result.outcome === 'Failed' ? 502 : 200).send(result);
      } catch (err) {
        if (err instanceof UnknownInstanceError)
          return reply
            .status(404)
            .send({ statusCode: 404, error: 'Not Found', message: `no instance named "${err.instance}"` });
        if (err instanceof ParamError) {
          return reply.status(400).send({
            statusCode: 400,
            error: 'Bad Request',
            message: err.message,
            parameter: paramName(err.param),
          });
        }
        throw err;
      }
    },
  );

  app.get<{ Querystring: { limit?: string; instance?: string } }>('/api/command-runs', async (req) =>
    store.commandRuns.list(Math.min(1000, Number(req.query.limit ?? 100) || 100), {
      instance: req.query.instance,
    }),
  );
}
