// `/mcp` on the service's HTTP API: the same tools over the streamable HTTP transport, stateless (a
// fresh server and transport for each POST, answered with plain JSON), so nothing is kept between
// requests and any API process can answer. The SDK loads on the first request, not at `dtc start`.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DarktraceClient } from '../darktrace/index.ts';
import { principalOf } from '../server/authenticate.ts';
import type { Store } from '../store/index.ts';

export interface McpRouteOptions {
  store: Store;
  /** The address the API listens on; on a loopback address, /mcp answers loopback names only. */
  host: string;
  /** Items one multi-item command call may carry. */
  maxItems?: number;
  /** Where an internal error's cause goes (the caller only learns that it was ours). */
  log?: { error(m: string): void };
  /** The instance's shared SDK client (the collector's). */
  client?: (instance: string) => DarktraceClient | undefined;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const isLoopback = (host: string) => ['127.0.0.1', '::1', 'localhost'].includes(host);

const hostname = (hostPort: string | undefined, scheme = 'http://') => {
  if (!hostPort) return undefined;
  try {
    return new URL(hostPort.includes('://') ? hostPort : `${scheme}${hostPort}`).hostname;
  } catch {
    return undefined;
  }
};

const rpcError = (reply: FastifyReply, status: number, message: string) =>
  reply.status(status).send({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });

/**
 * A page on another site may POST to a loopback API (the API refuses a foreign Host, so DNS rebinding
 * is out already): when the API listens on loopback, an Origin, if sent, must name loopback too.
 */
function crossSiteRefusal(req: FastifyRequest, host: string): string | undefined {
  if (!isLoopback(host)) return undefined;
  const origin = req.headers.origin;
  if (origin !== undefined && !LOOPBACK_NAMES.includes(hostname(origin) ?? ''))
    return `Origin ${origin} may not call this API`;
  return undefined;
}

export function registerMcpRoutes(app: FastifyInstance, o: McpRouteOptions): void {
  app.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/mcp',
    // Each tool checks its own command's role once access control lands; reaching /mcp is a viewer's.
    config: { access: 'viewer' },
    schema: {
      summary:
        'Model Context Protocol (streamable HTTP, stateless): the commands and detection search as tools',
      tags: ['mcp'],
      response: {
        200: { description: 'the JSON-RPC answer', type: 'object', additionalProperties: true },
        403: {
          description: 'an Origin that is not loopback while the API listens on loopback',
          type: 'object',
          additionalProperties: true,
        },
        405: {
          description: 'GET and DELETE: this endpoint is stateless',
          type: 'object',
          additionalProperties: true,
        },
      },
    },
    handler: async (req, reply) => {
      // The caller is authenticated like every /api route (a viewer at least); its role decides which
      // command tools are listed and callable, and its label goes to the audit trail.
      const refused = crossSiteRefusal(req, o.host);
      if (refused) return rpcError(reply, 403, refused);
      if (req.method !== 'POST') {
        // Stateless: no session to resume (GET) or end (DELETE).
        reply.header('allow', 'POST');
        return rpcError(
          reply,
          405,
          'Method not allowed: this MCP endpoint is stateless; POST JSON-RPC messages',
        );
      }
      const [{ createMcpServer }, { StreamableHTTPServerTransport }] = await Promise.all([
        import('./server.ts'),
        import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
      ]);
      const server = createMcpServer({
        store: o.store,
        transport: 'http',
        principal: principalOf(req).label,
        role: principalOf(req).role,
        maxItems: o.maxItems,
        client: o.client,
      });
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      // The transport writes the answer itself.
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(req.raw, reply.raw, req.body);
      } catch (err) {
        o.log?.error(`/mcp: ${(err as Error).stack ?? String(err)}`);
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(
            JSON.stringify({
              jsonrpc: '2.0',
              error: { code: -32603, message: 'internal error: see the service log' },
              id: null,
            }),
          );
        }
      }
    },
  });
}
