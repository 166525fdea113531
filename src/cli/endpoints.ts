// `dtc endpoints`: the coverage report (src/commands/coverage.ts): every endpoint of the API reference,
// its SDK method, whether the simulator serves it, which commands use it, and why when it is left out.
import type { Command } from 'commander';
import { endpointCoverage } from '../commands/coverage.ts';

export { endpointCoverage };

export function registerEndpoints(program: Command): void {
  program
    .command('endpoints')
    .description(
      'coverage report: every API call in the reference, its SDK method, whether the simulator serves it, and why when not',
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
        const status = r.sdk
          ? `${r.sdk.padEnd(40)} ${r.simulator ? 'simulated' : 'NOT SIMULATED'}  ${r.commands.join(', ') || '-'}`
          : `not implemented: ${r.reason}`;
        process.stdout.write(`${`${r.method} ${r.path}`.padEnd(width)}  ${status}\n`);
      }
      const inSdk = rows.filter((r) => r.sdk).length;
      const served = rows.filter((r) => r.simulator).length;
      const used = rows.filter((r) => r.commands.length).length;
      process.stdout.write(
        `\n${rows.length} endpoints; ${inSdk} in the SDK; ${served} served by the simulator; ${used} used by commands; ${rows.length - inSdk} left out, each with its reason\n`,
      );
    });
}
