// The one table of sink types. Config validation, `--sink`, `dtc sink list` and the README's table all
// read it; adding a sink is one file and one line here.
import { type Format, isFormat } from '../normalize/index.ts';
import { elasticsearchSink } from './elasticsearch.ts';
import { fileSink, stdoutSink } from './file.ts';
import { webhookSink } from './http.ts';
import { natsSink } from './nats.ts';
import { splunkSink } from './splunk.ts';
import { syslogSink } from './syslog.ts';
import type { SinkModule } from './types.ts';

export const SINKS: readonly SinkModule[] = [
  fileSink,
  stdoutSink,
  syslogSink,
  webhookSink,
  splunkSink,
  elasticsearchSink,
  natsSink,
];

const SCHEMES = new Map(SINKS.flatMap((m) => m.schemes.map((s) => [s, m] as const)));

export const SCHEME_LIST = [...SCHEMES.keys()].map((s) => `${s}//`).join(', ');

/** The module serving a URL, or an error message naming the schemes that exist. */
export function sinkModuleFor(url: string): SinkModule | string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL (for example file:///var/log/dt.ndjson or syslog+tcp://127.0.0.1:5514)`;
  }
  return SCHEMES.get(u.protocol) ?? `unknown sink scheme "${u.protocol}//" (one of ${SCHEME_LIST})`;
}

/** `--sink <format>:<destination>`, e.g. `ecs:file:///var/log/dt.ndjson`. */
export function parseSinkFlag(flag: string): { format: Format; url: string } {
  const colon = flag.indexOf(':');
  const format = flag.slice(0, colon);
  if (colon < 0 || !isFormat(format))
    throw new Error(
      `--sink "${flag}": expected <format>:<destination> with format ecs, ocsf, cef, leef or json (e.g. ecs:file:///var/log/dt.ndjson)`,
    );
  const url = flag.slice(colon + 1);
  const m = sinkModuleFor(url);
  if (typeof m === 'string') throw new Error(`--sink "${flag}": ${m}`);
  return { format, url };
}

/** A stable default name for a sink given on the command line: its offset survives restarts. */
export function defaultSinkName(format: string, url: string, taken: Set<string>): string {
  const m = sinkModuleFor(url);
  const base = `${format}-${typeof m === 'string' ? 'sink' : m.type}`;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}
