// The work behind `dtc sink …` (declared in ../sink.ts), loaded only when one of them runs.
import { resolve } from 'node:path';
import { offsetFor } from '../../deliver/offsets.ts';
import { sinkModuleFor } from '../../deliver/registry.ts';
import type { Store } from '../../store/index.ts';
import { secretKeys } from '../../util/spec.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';
import { withStore } from '../store.ts';
import { declareSink, undeclareSink } from './sink-config.ts';
import { sinkOptionsFromFlags } from './sink-flags.ts';

export interface SinkFlags extends OutputFlags {
  dataDir: string;
  /** The config file that declares the sinks (`dtc sink add`, `dtc sink remove`). */
  config?: string;
}

export interface SinkAddFlags {
  url: string;
  format: string;
  config: string;
  [typeFlag: string]: string | boolean | undefined;
}

const RESTART = (file: string) =>
  `A running service applies it on restart (dtc start --config ${file}); the config file is read only at start.`;

const ENV_REF = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/**
 * Refuses a secret written into the URL itself (`?token=…`, `user:password@`): it would land in the
 * config file in clear. A `${NAME}` reference there is fine.
 */
function refuseSecretsInUrl(url: string, secrets: string[]): void {
  const u = new URL(url);
  for (const [k, v] of u.searchParams)
    if (secrets.includes(k) && !ENV_REF.test(v))
      throw new Error(
        `--url: ?${k}= would store the secret in clear in the config file: give --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-env NAME instead`,
      );
  const password = /^[a-z][a-z0-9+.-]*:\/\/[^/@]*?:([^/@]*)@/i.exec(url)?.[1];
  if (password && !ENV_REF.test(password))
    throw new Error('--url: a password in the URL would be stored in clear: write it as ${NAME} (quoted)');
}

/** `dtc sink add`: declares a sink in the config file, its options from the type's flags. */
export function add(name: string, f: SinkAddFlags): void {
  const m = sinkModuleFor(f.url);
  if (typeof m === 'string') throw new Error(`--url: ${m}`);
  refuseSecretsInUrl(f.url, secretKeys(m.options));
  const options = sinkOptionsFromFlags(m.type, f);
  const file = resolve(f.config);
  declareSink(file, {
    name,
    format: f.format,
    url: f.url,
    ...(Object.keys(options).length ? { options } : {}),
  });
  const shown = Object.entries(options).map(
    ([k, v]) => ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
  );
  process.stdout.write(
    `sink ${name} (${m.type}, ${f.format} → ${f.url}${shown.join('')}) declared in ${file}.\n${RESTART(f.config)}\n`,
  );
}

async function noSuchSink(store: Store, name: string): Promise<Error> {
  const known = (await store.sinks.list()).map((s) => s.name);
  return new Error(`no sink named "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`);
}

export async function sinkRows(store: Store) {
  const max = await store.maxSeq();
  const offsets = new Map((await store.sinkOffsets.list()).map((o) => [o.sink, o]));
  return (await store.sinks.list()).map((s) => {
    const o = offsets.get(s.name);
    const c = s.config as { format?: string; url?: string };
    const m = c.url ? sinkModuleFor(c.url) : undefined;
    return {
      name: s.name,
      // The type the registry gives the URL, as the README's sink-types table names it.
      type: typeof m === 'object' ? m.type : null,
      format: c.format,
      url: c.url,
      offset: o?.seq ?? 0,
      lag: Math.max(0, max - (o?.seq ?? 0)),
      lastError: o?.lastError ?? null,
      lastErrorAt: o?.lastErrorAt ? new Date(o.lastErrorAt).toISOString() : null,
    };
  });
}

export async function list(f: SinkFlags): Promise<void> {
  const rows = await withStore(f.dataDir, sinkRows);
  await printData(rows, outputFormat(f), {
    empty: 'no sinks yet (declare them with dtc sink add, dtc start --sink or in the config file)',
  });
}

/**
 * `dtc sink remove`: forgets the store's record and offset and, with --config, drops the declaration
 * from that file (either may be all there is: a sink never started, or one declared elsewhere).
 */
export const remove = (name: string, f: SinkFlags) =>
  withStore(f.dataDir, async (store) => {
    const undeclared = f.config ? undeclareSink(resolve(f.config), name) : false;
    const offset = await store.sinkOffsets.get(name);
    const forgotten = await store.sinks.remove(name);
    if (!forgotten && !undeclared) throw await noSuchSink(store, name);
    const lines: string[] = [];
    if (forgotten) lines.push(`sink ${name} removed (it was at offset ${offset}).`);
    if (undeclared) lines.push(`sink ${name} dropped from ${f.config}. ${RESTART(f.config!)}`);
    else
      lines.push(
        f.config
          ? `${f.config} does not declare ${name}; if a service still declares it, it starts again from offset 0 and delivers everything in the store.`
          : `If a config file still declares it, a service starts it again from offset 0 and delivers everything in the store: drop it there too with dtc sink remove ${name} --config <file>.`,
      );
    process.stdout.write(`${lines.join('\n')}\n`);
  });

export const reset = (name: string, f: SinkFlags & { to: string }) =>
  withStore(f.dataDir, async (store) => {
    if (!(await store.sinks.get(name))) throw await noSuchSink(store, name);
    const to = await offsetFor(store, f.to);
    const before = await store.sinkOffsets.get(name);
    await store.sinkOffsets.set(name, to);
    process.stdout.write(`sink ${name}: offset ${before} → ${to} (next delivery starts after seq ${to})\n`);
  });
