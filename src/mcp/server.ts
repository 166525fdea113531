// One MCP server over the tools in tools.ts, whatever the transport. The SDK's low-level Server is used
// because the tools are declared with JSON Schemas derived from the catalog; its high-level McpServer
// wants zod schemas, which would mean declaring every parameter a second time.
import { readFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { Role } from '../auth/roles.ts';
import type { DarktraceClient, Logger } from '../darktrace/index.ts';
import type { Store } from '../store/index.ts';
import { callTool, listTools } from './tools.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export interface McpServerOptions {
  store: Store;
  /**
   * How the caller reached us: recorded in the audit trail as `mcp:<transport>:<principal>`, followed by
   * the client's name when the session's initialisation reached this server (stdio; not stateless HTTP).
   */
  transport: 'stdio' | 'http';
  /** The OS user (stdio) or the authenticated HTTP caller (`alice`, `alice (key 1a2b3c4d)`). */
  principal: string;
  /** The HTTP caller's role: tools it may not call are not listed and refuse to run. */
  role?: Role;
  /** Items one multi-item command call may carry. */
  maxItems?: number;
  logger?: Logger;
  /** The instance's shared SDK client (see ToolContext). */
  client?: (instance: string) => DarktraceClient | undefined;
}

const INSTRUCTIONS =
  'Darktrace through darktrace-hub. Command tools act on a Darktrace appliance named by their `instance` ' +
  'argument and return {command, outcome, data | items[]}, with a result or failure per item for ' +
  'multi-item commands (outcome Successful, Partially Successful or Failed). Tools marked destructive ' +
  'change RESPOND actions or delete data: confirm with the analyst first. search-detections and ' +
  'get-detection read what the hub has already collected and never call the appliance.';

export function createMcpServer(o: McpServerOptions): Server {
  const server = new Server(
    { name: 'darktrace-hub', version },
    { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS },
  );
  const who = () => {
    const client = server.getClientVersion()?.name;
    return `mcp:${o.transport}:${o.principal}${client ? ` (${client})` : ''}`;
  };
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await listTools(o.store, o.role) }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    const result = await callTool(
      { store: o.store, who, logger: o.logger, role: o.role, maxItems: o.maxItems, client: o.client },
      req.params.name,
      req.params.arguments ?? {},
    );
    if (!result) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${req.params.name}`);
    return result;
  });
  return server;
}
