// `dtc call METHOD PATH`: one signed raw request, the first tool to reach for against a live appliance.
import type { Command } from 'commander';
import type { Params } from '../darktrace/index.ts';
import { addConnectionOptions, type ConnectionFlags, clientFromFlags } from './connection.ts';

const collect = (v: string, acc: string[]) => [...acc, v];

function pairs(list: string[], flag: string): Params {
  const out: Params = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0) throw new Error(`${flag} expects key=value, got "${item}"`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

export function registerCall(program: Command): void {
  const cmd = program
    .command('call')
    .description(
      'send one signed request and print the JSON answer, e.g. dtc call GET /modelbreaches --query starttime=...',
    )
    .argument('<method>', 'GET, POST or DELETE')
    .argument('<path>', 'API path, e.g. /status (a query may follow ?)')
    .option('-q, --query <key=value>', 'query parameter, in the order given (repeatable)', collect, [])
    .option('-d, --data <key=value>', 'form body field for POST (repeatable)', collect, [])
    .option('--json <text>', 'JSON body for POST, sent and signed byte for byte');
  addConnectionOptions(cmd).action(
    async (method: string, path: string, flags: ConnectionFlags & Record<string, any>) => {
      const m = method.toUpperCase();
      if (m !== 'GET' && m !== 'POST' && m !== 'DELETE')
        throw new Error(`method must be GET, POST or DELETE, got "${method}"`);
      if ((flags.data.length || flags.json) && m !== 'POST')
        throw new Error('--data and --json need the POST method');
      let [p, inline] = path.split(/\?(.*)/s, 2) as [string, string | undefined];
      const query = pairs([...(inline ? inline.split('&') : []), ...flags.query], '--query');
      let json: unknown;
      if (flags.json !== undefined) {
        try {
          json = JSON.parse(flags.json);
        } catch (err) {
          throw new Error(`--json is not valid JSON: ${(err as Error).message}`);
        }
      }
      p ||= '/';
      const client = clientFromFlags(flags);
      try {
        const answer = await client.raw(m, p, {
          query,
          form: flags.data.length ? pairs(flags.data, '--data') : undefined,
          json,
        });
        process.stdout.write(typeof answer === 'string' ? answer : `${JSON.stringify(answer, null, 2)}\n`);
      } finally {
        await client.close();
      }
    },
  );
}
