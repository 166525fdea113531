// `dtc endpoints`: the coverage report, derived from the endpoint catalog: each Threat Visualizer call,
// the SDK method that makes it, whether the simulator serves it, and which commands use it.
import type { Command } from 'commander';
import { commands } from '../commands/index.ts';
import { listEndpoints } from '../darktrace/index.ts';
import { handlers } from '../simulator/routes.ts';

export function endpointCoverage() {
  return listEndpoints().map(({ name, family, operation, spec }) => ({
    name,
    method: spec.method,
    path: spec.path,
    body: spec.body,
    doc: spec.doc,
    summary: spec.summary,
    sdk: `client.${family}.${operation}()`,
    simulator:
      typeof (handlers as Record<string, Record<string, unknown>>)[family]?.[operation] === 'function',
    commands: commands.filter((c) => c.endpoints.includes(name)).map((c) => c.name),
  }));
}

export function registerEndpoints(program: Command): void {
  program
    .command('endpoints')
    .description(
      'coverage report: every API call in the catalog, its SDK method, and whether the simulator serves it',
    )
    .option('--json', 'print JSON (the default when piped)')
    .action((f: { json?: boolean }) => {
      const rows = endpointCoverage();
      if (f.json || !process.stdout.isTTY) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const width = Math.max(...rows.map((r) => `${r.method} ${r.path}`.length));
      for (const r of rows) {
        process.stdout.write(
          `${`${r.method} ${r.path}`.padEnd(width)}  ${r.sdk.padEnd(36)} ${r.simulator ? 'simulated' : 'NOT SIMULATED'}  ${r.commands.join(', ') || '-'}\n`,
        );
      }
      const served = rows.filter((r) => r.simulator).length;
      const used = rows.filter((r) => r.commands.length).length;
      process.stdout.write(
        `\n${rows.length} endpoints; ${rows.length} in the SDK; ${served} served by the simulator; ${used} used by commands\n`,
      );
    });
}
