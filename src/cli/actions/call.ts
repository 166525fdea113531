// The work behind `dtc call` (declared in ../call.ts).
import type { Params } from '../../darktrace/index.ts';
import { clientFromFlags } from '../connection.ts';
import type { ConnectionFlags } from '../options.ts';
import { outputFormat, printData } from '../output.ts';

export interface CallFlags extends ConnectionFlags {
  query: string[];
  data: string[];
  json?: string;
  output?: 'json' | 'table' | 'yaml';
}

function pairs(list: string[], flag: string): Params {
  const out: Params = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0) throw new Error(`${flag} expects key=value, got "${item}"`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

export async function runCall(method: string, path: string, flags: CallFlags): Promise<void> {
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
    // A text answer (not JSON) is printed as it came, whatever the format.
    if (typeof answer === 'string') process.stdout.write(answer);
    else await printData(answer, outputFormat({ output: flags.output }));
  } finally {
    await client.close();
  }
}
