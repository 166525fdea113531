// `dtc mcp`: the MCP server on stdin/stdout for an assistant that starts it as a child process. stdout
// carries protocol messages only; anything else (warnings, the SDK's logs, a stray console.log from a
// library) goes to stderr, which MCP clients show as the server's log.
import { userInfo } from 'node:os';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from '../darktrace/index.ts';
import type { Store } from '../store/index.ts';
import { createMcpServer } from './server.ts';
import { listTools } from './tools.ts';

const stderrLogger: Logger = {
  debug() {},
  info: (m) => process.stderr.write(`dtc mcp: ${m}\n`),
  warn: (m) => process.stderr.write(`dtc mcp: warning: ${m}\n`),
  error: (m) => process.stderr.write(`dtc mcp: error: ${m}\n`),
};

/** Serves until the client closes stdin or the process is told to stop; the caller closes the store. */
export async function serveStdio(store: Store, dataDir: string): Promise<void> {
  for (const k of ['log', 'info', 'debug'] as const) console[k] = console.error;
  const server = createMcpServer({
    store,
    transport: 'stdio',
    principal: userInfo().username,
    logger: stderrLogger,
  });
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  const stop = () => void server.close();
  await server.connect(new StdioServerTransport());
  process.stdin.once('end', stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const instances = (await store.instances.list()).map((i) => i.name);
  stderrLogger.info(
    `${(await listTools(store)).length} tools over stdio; data directory ${dataDir}; instances: ${instances.join(', ') || 'none (add one with dtc instance add)'}`,
  );
  await closed;
}
