// `dtc case list|status|test`: the case-management connectors the config file declares (secrets
// redacted), their progress in the data directory's store (offset, lag, cases opened, inbound cursor,
// last error), and a connection test with the configured credentials. Declarations only; the work is in
// actions/case.ts.
import type { Command } from 'commander';
import type { CaseFlags } from './actions/case.ts';
import { dataDirOption } from './options.ts';
import { addOutputOption } from './output.ts';

const load = () => import('./actions/case.ts');

export function registerCase(program: Command): void {
  const c = program
    .command('case')
    .description('case-management connectors (Request Tracker, Jira, ServiceNow): list, status, test');
  const configOption = (cmd: Command) =>
    cmd.requiredOption(
      '--config <file>',
      'the config file that declares the connectors (its cases: section)',
    );
  addOutputOption(
    configOption(c.command('list').description('the declared connectors, secrets redacted')),
  ).action(async (f: CaseFlags) => (await load()).list(f));
  addOutputOption(
    configOption(
      c
        .command('status')
        .description('each connector: offset, lag, cases opened, inbound cursor and last error')
        .addOption(dataDirOption()),
    ),
  ).action(async (f: CaseFlags) => (await load()).status(f));
  configOption(
    c.command('test <name>').description("reach the connector's case system with its credentials"),
  ).action(async (name: string, f: CaseFlags) => (await load()).test(name, f));
}
