// `dtc mcp`: the command catalog and detection search as MCP tools over stdio, for AI assistants. The
// SDK loads only when the command runs.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { dataDirOption } from './options.ts';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description(
      'serve the SOC commands and detection search as Model Context Protocol tools on stdin/stdout (for AI assistants)',
    )
    .addOption(dataDirOption())
    .action(async (o: { dataDir: string }) => {
      const [{ serveStdio }, { withStore }] = await Promise.all([
        import('../mcp/stdio.ts'),
        import('./store.ts'),
      ]);
      await withStore(o.dataDir, (store) => serveStdio(store, resolve(o.dataDir)));
    });
}
