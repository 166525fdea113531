// `dtc endpoints`: the coverage report, derived from the endpoint catalog: each Threat Visualizer call,
// the SDK method that makes it, whether the simulator serves it, and which commands use it.
// Declaration only; the report (which reads the simulator's routes) is in actions/endpoints.ts.
import type { Command } from 'commander';
import type { OutputFlags } from './output.ts';
import { addOutputOption } from './output.ts';

export function registerEndpoints(program: Command): void {
  addOutputOption(
    program
      .command('endpoints')
      .description(
        'coverage report: every API call in the catalog, its SDK method, and whether the simulator serves it',
      ),
  ).action(async (f: OutputFlags) => (await import('./actions/endpoints.ts')).printCoverage(f));
}
