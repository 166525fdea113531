// `dtc call METHOD PATH`: one signed raw request, the first tool to reach for against a live appliance.
// Declaration only; the SDK is loaded when the command runs (actions/call.ts).
import type { Command } from 'commander';
import type { CallFlags } from './actions/call.ts';
import { addConnectionOptions } from './options.ts';
import { addOutputOption } from './output.ts';

const collect = (v: string, acc: string[]) => [...acc, v];

export function registerCall(program: Command): void {
  const cmd = program
    .command('call')
    .description(
      'send one signed request and print the answer, e.g. dtc call GET /modelbreaches --query starttime=...',
    )
    .argument('<method>', 'GET, POST or DELETE')
    .argument('<path>', 'API path, e.g. /status (a query may follow ?)')
    .option('-q, --query <key=value>', 'query parameter, in the order given (repeatable)', collect, [])
    .option('-d, --data <key=value>', 'form body field for POST (repeatable)', collect, [])
    .option('--json <text>', 'JSON body for POST, sent and signed byte for byte');
  // `--json` is the request body here, so no `--json` output alias.
  addOutputOption(addConnectionOptions(cmd), { jsonAlias: false }).action(
    async (method: string, path: string, flags: CallFlags) =>
      (await import('./actions/call.ts')).runCall(method, path, flags),
  );
}
