// `dtc --help`, `--version`, `cmd list`, a catalog command's help and completion start without loading
// the store (better-sqlite3), the HTTP server (fastify) or the simulator. Each run is traced by a loader
// hook that records every module the process loads; commands that do need them prove the trace sees them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const HEAVY: [string, RegExp][] = [
  ['better-sqlite3', /\/node_modules\/better-sqlite3\//],
  ['kysely', /\/node_modules\/kysely\//],
  ['fastify', /\/node_modules\/fastify\//],
  ['the store', /\/(src|dist)\/store\//],
  ['the simulator', /\/(src|dist)\/simulator\//],
  // Its settings' spec (server/spec.ts, zod declarations only) is what `dtc start --help` is made of.
  ['the HTTP API', /\/(src|dist)\/server\/(?!spec\.)/],
  ['the service', /\/(src|dist)\/service\//],
];

interface Traced {
  code: number | null;
  out: string;
  err: string;
  modules: string[];
}

/** Runs `node bin/dtc.js …` under the tracer; `until` ends a long-running command once its output matches. */
function traced(args: string[], until?: RegExp): Promise<Traced> {
  const file = join(mkdtempSync(join(tmpdir(), 'dtc-trace-')), 'modules.txt');
  const child = spawn('node', ['--import', './test/cli/trace-loads.mjs', 'bin/dtc.js', ...args], {
    env: { ...process.env, DTC_TRACE_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (until?.test(out)) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      let modules: string[] = [];
      try {
        modules = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      } catch {}
      resolve({ code, out, err, modules });
    });
  });
}

const heavyIn = (modules: string[]) =>
  HEAVY.filter(([, re]) => modules.some((m) => re.test(m))).map(([name]) => name);

describe('dtc starts without loading what it does not need', () => {
  for (const args of [
    ['--help'],
    ['--version'],
    ['-V'],
    ['cmd', 'list'],
    ['cmd', 'list', '-o', 'table'],
    ['cmd', 'acknowledge', '--help'],
    ['instance', 'add', '--help'],
    ['start', '--help'],
    ['completion', 'bash'],
  ]) {
    it(`dtc ${args.join(' ')}`, async () => {
      const r = await traced(args);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out.length).toBeGreaterThan(0);
      // The trace works: it holds the CLI's own entry and commander.
      expect(r.modules.some((m) => /\/(src|dist)\/cli\/main\.(ts|js)$/.test(m))).toBe(true);
      expect(r.modules.some((m) => m.includes('/node_modules/commander/'))).toBe(true);
      expect(heavyIn(r.modules)).toEqual([]);
    });
  }

  it('the trace does see them when a command needs them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtc-lazy-'));
    const list = await traced(['instance', 'list', '--data-dir', dir]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)).toEqual([]);
    expect(heavyIn(list.modules)).toEqual(expect.arrayContaining(['better-sqlite3', 'kysely', 'the store']));

    const sim = await traced(
      ['simulator', '--port', '0', '--public-token', 'p', '--private-token', 's', '--history', '10'],
      /listening on/,
    );
    expect(sim.out).toMatch(/Darktrace simulator listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(heavyIn(sim.modules)).toEqual(expect.arrayContaining(['fastify', 'the simulator']));
  });
});
