// `dtc instance` as an operator runs it: a real process against a store in a temp data dir and the
// simulator. The private token never comes back out.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { runDtc } from '../helpers/dtc.ts';

let sim: Simulator;
let dataDir: string;

const dtc = (args: string[], env: Record<string, string> = {}) =>
  runDtc([...args, '--data-dir', dataDir], env);

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: 'inst-pub',
    privateToken: 'inst-secret-token',
    history: { count: 50, days: 1 },
  });
  dataDir = mkdtempSync(join(tmpdir(), 'dtc-inst-'));
});
afterAll(() => sim?.close());

describe('dtc instance', () => {
  it('adds, lists, shows, updates, tests and removes an instance without ever showing the private token', async () => {
    const add = await dtc(
      [
        'instance',
        'add',
        '--name',
        'lab',
        '--url',
        sim.url,
        '--public-token',
        'inst-pub',
        '--min-score',
        '0.3',
      ],
      {
        DTC_PRIVATE_TOKEN: 'inst-secret-token',
      },
    );
    expect(add.code).toBe(0);
    expect(JSON.parse(add.out)).toMatchObject({
      name: 'lab',
      url: sim.url,
      minScore: 0.3,
      pollIntervalSeconds: 300,
      lookbackHours: 24,
    });
    const list = await dtc(['instance', 'list']);
    expect(JSON.parse(list.out).map((i: { name: string }) => i.name)).toEqual(['lab']);
    // An exported DTC_PRIVATE_TOKEN must not replace the stored token on an unrelated update.
    const update = await dtc(['instance', 'update', 'lab', '--poll-interval', '60', '--lookback', '2d'], {
      DTC_PRIVATE_TOKEN: 'some-other-token',
    });
    expect(JSON.parse(update.out)).toMatchObject({ pollIntervalSeconds: 60, lookbackHours: 48 });
    const test = await dtc(['instance', 'test', 'lab']);
    expect(test.code).toBe(0);
    expect(JSON.parse(test.out)).toMatchObject({ ok: true, version: expect.any(String) });
    const show = await dtc(['instance', 'show', 'lab']);
    expect(JSON.parse(show.out).connectionChecks[0]).toMatchObject({ ok: true });
    for (const r of [add, list, update, test, show]) expect(r.out + r.err).not.toContain('inst-secret-token');
    // Encrypted at rest: the token is nowhere in the database file.
    expect(readFileSync(join(dataDir, 'dtc.sqlite')).includes('inst-secret-token')).toBe(false);

    const wrong = await dtc(['instance', 'update', 'lab', '--private-token', 'not-it']);
    expect(wrong.code).toBe(0);
    const failing = await dtc(['instance', 'test', 'lab']);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.out).error).toMatch(/API SIGNATURE ERROR/);

    const removed = await dtc(['instance', 'remove', 'lab']);
    expect(removed.code).toBe(0);
    expect(JSON.parse((await dtc(['instance', 'list'])).out)).toEqual([]);
  });

  it('refuses bad input naming the flag', async () => {
    const badUrl = await dtc([
      'instance',
      'add',
      '--name',
      'x',
      '--url',
      'dt.example',
      '--public-token',
      'a',
      '--private-token',
      'b',
    ]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.err).toMatch(/--url: must be an http\(s\) URL/);
    const missing = await dtc(
      ['instance', 'add', '--name', 'x', '--url', 'https://dt.example', '--public-token', 'a'],
      {
        DTC_PRIVATE_TOKEN: '',
      },
    );
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/private-token/);
    const unknown = await dtc(['instance', 'show', 'ghost']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no instance named "ghost"/);
  });
});
