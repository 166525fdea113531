// The one table of sink types, and the one parse of a sink's URL and options. Config validation,
// `--sink`, the worker, `dtc sink list`, redaction and the README's tables all read it; adding a sink is
// one file and one line here.
import type { z } from 'zod';
import { type Format, isFormat } from '../normalize/index.ts';
import { redactUrl, scrubSecrets, secretValues } from '../util/redact.ts';
import { secretKeys } from '../util/spec.ts';
import { elasticsearchSink } from './elasticsearch.ts';
import { fileSink, stdoutSink } from './file.ts';
import { webhookSink } from './http.ts';
import { natsSink } from './nats.ts';
import { splunkSink } from './splunk.ts';
import { syslogSink } from './syslog.ts';
import type { SinkModule } from './types.ts';

export const SINKS: readonly SinkModule<z.ZodObject>[] = [
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

/** One problem with a sink's URL or options: `path` under the sink entry (`['url']`, `['options', 'ack']`). */
export interface SinkProblem {
  path: (string | number)[];
  message: string;
}

export interface ParsedSink {
  module: SinkModule<z.ZodObject>;
  /** The URL with the options taken off its query. */
  url: URL;
  options: Record<string, unknown>;
  /** The names of the options marked secret (and so redacted wherever the sink is shown). */
  secrets: string[];
}

/**
 * A sink's URL and options, checked against its module's spec. Options may sit in the URL's query
 * (`?token=…&ack=true`) or in the config file's `options:`; a problem names where it was given.
 */
export function parseSink(url: string, given: Record<string, unknown> = {}): ParsedSink | SinkProblem[] {
  const module = sinkModuleFor(url);
  if (typeof module === 'string') return [{ path: ['url'], message: module }];
  const u = new URL(url);
  const declared = Object.keys(module.options.shape);
  const fromQuery: Record<string, string> = {};
  const problems: SinkProblem[] = [];
  for (const [k, v] of [...u.searchParams]) {
    if (module.keepsQuery && !declared.includes(k)) continue; // the destination's own parameter
    if (k in given)
      problems.push({ path: ['options', k], message: `is also given as ?${k}= in the URL: keep one` });
    fromQuery[k] = v;
    u.searchParams.delete(k);
  }
  const r = module.options.safeParse({ ...fromQuery, ...given });
  if (r.success && !problems.length)
    return { module, url: u, options: r.data, secrets: secretKeys(module.options) };
  for (const issue of r.success ? [] : r.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path[0] ?? '')];
    for (const key of keys) {
      const known = `${module.type} takes ${declared.join(', ') || 'no options'}`;
      const message = issue.code === 'unrecognized_keys' ? `unknown option (${known})` : issue.message;
      if (key in fromQuery)
        problems.push({ path: ['url'], message: `?${key}= ${message}, got "${fromQuery[key]}"` });
      else if (key in given || issue.code === 'unrecognized_keys')
        problems.push({ path: ['options', key, ...issue.path.slice(1).map(String)], message });
      else problems.push({ path: ['url'], message: `?${key}= ${message}` });
    }
  }
  return problems;
}

/** The problems as one message: `splunk sink: ?ackTimeout= must be …`. */
export const sinkProblems = (problems: SinkProblem[]) =>
  problems
    .map((p) => `${p.path[0] === 'options' ? `options.${p.path.slice(1).join('.')}: ` : ''}${p.message}`)
    .join('; ');

/** The sink as it may be shown: the URL's credentials and every option marked secret redacted. */
export function redactSink(url: string, options: Record<string, unknown> = {}) {
  const p = parseSink(url, options);
  if (Array.isArray(p)) return { url: redactUrl(url, [], true), options };
  const hidden = (k: string) => p.secrets.includes(k);
  return {
    url: redactUrl(url, p.secrets, !!p.module.keepsQuery),
    options: Object.fromEntries(Object.entries(options).map(([k, v]) => [k, hidden(k) ? 'redacted' : v])),
  };
}

/** Every secret value a sink carries, in the spellings a message may show: scrubbed from its logs and errors. */
export function sinkSecretValues(url: string, options: Record<string, unknown> = {}): string[] {
  const p = parseSink(url, options);
  const secretOptions = Array.isArray(p)
    ? []
    : p.secrets.map((k) => options[k]).filter((v): v is string => typeof v === 'string');
  return secretValues(
    url,
    Array.isArray(p) ? [] : p.secrets,
    !Array.isArray(p) && !!p.module.keepsQuery,
    secretOptions,
  );
}

export { scrubSecrets };

/** `--sink <format>:<destination>`, e.g. `ecs:file:///var/log/dt.ndjson`. */
export function parseSinkFlag(flag: string): { format: Format; url: string } {
  const colon = flag.indexOf(':');
  const format = flag.slice(0, colon);
  if (colon < 0 || !isFormat(format))
    throw new Error(
      `--sink "${flag}": expected <format>:<destination> with format ecs, ocsf, cef, leef or json (e.g. ecs:file:///var/log/dt.ndjson)`,
    );
  const url = flag.slice(colon + 1);
  const p = parseSink(url);
  if (Array.isArray(p)) throw new Error(`--sink "${flag}": ${sinkProblems(p)}`);
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
