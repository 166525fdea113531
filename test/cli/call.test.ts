// `dtc call` and `dtc endpoints` as a user runs them: a real process against the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointCoverage } from '../../src/cli/actions/endpoints.ts';
import { listEndpoints } from '../../src/darktrace/index.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { runDtc } from '../helpers/dtc.ts';

let sim: Simulator;

const dtc = async (args: string[], env: Record<string, string> = {}) => {
  const r = await runDtc(args, env);
  return { code: r.code, stdout: r.out, stderr: r.err };
};

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: 'cli-pub',
    privateToken: 'cli-priv',
    history: { count: 200, days: 1 },
  });
});
afterAll(() => sim?.close());

describe('dtc call', () => {
  const auth = () => ['--url', sim.url, '--public-token', 'cli-pub'];

  it('prints the JSON answer of a signed GET, with the query in the order given', async () => {
    const r = await dtc(['call', 'GET', '/modelbreaches', '--query', 'includeacknowledged=true', ...auth()], {
      DTC_PRIVATE_TOKEN: 'cli-priv',
    });
    expect(r.code).toBe(0);
    const breaches = JSON.parse(r.stdout);
    expect(Array.isArray(breaches)).toBe(true);
    expect(breaches[0].pbid).toBeTypeOf('number');
  });

  it('POSTs JSON and form bodies', async () => {
    const [b] = JSON.parse(
      (await dtc(['call', 'GET', '/modelbreaches', ...auth()], { DTC_PRIVATE_TOKEN: 'cli-priv' })).stdout,
    );
    const c = await dtc(
      [
        'call',
        'POST',
        `/modelbreaches/${b.pbid}/comments`,
        '--json',
        '{"message":"from the CLI"}',
        ...auth(),
      ],
      {
        DTC_PRIVATE_TOKEN: 'cli-priv',
      },
    );
    expect(c.code).toBe(0);
    expect(JSON.stringify(JSON.parse(c.stdout))).toContain('from the CLI');
    const a = await dtc(
      ['call', 'POST', `/modelbreaches/${b.pbid}/acknowledge`, '--data', 'acknowledge=true', ...auth()],
      {
        DTC_PRIVATE_TOKEN: 'cli-priv',
      },
    );
    expect(JSON.parse(a.stdout)).toEqual({ response: 'SUCCESS' });
  });

  it('says what is wrong and exits 1: wrong token, bad URL, missing flags', async () => {
    const wrong = await dtc(['call', 'GET', '/status', ...auth(), '--private-token', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/API SIGNATURE ERROR/);
    expect(wrong.stderr).not.toContain('nope');
    const bad = await dtc([
      'call',
      'GET',
      '/status',
      '--url',
      'dt.example',
      '--public-token',
      'a',
      '--private-token',
      'b',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a valid URL/);
    const missing = await dtc(['call', 'GET', '/status'], {
      DTC_URL: '',
      DTC_PUBLIC_TOKEN: '',
      DTC_PRIVATE_TOKEN: '',
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing --url/);
  });
});

describe('dtc endpoints', () => {
  it('reports every catalog entry, each with its SDK method and served by the simulator', async () => {
    const rows = endpointCoverage();
    const implemented = rows.filter((r) => r.sdk);
    expect(implemented.map((r) => r.name).sort()).toEqual(
      listEndpoints()
        .map((e) => e.name)
        .sort(),
    );
    expect(implemented.filter((r) => !r.simulator)).toEqual([]);
    // The rest of the reference is reported with the reason it is left out.
    expect(rows.filter((r) => !r.sdk && !r.reason)).toEqual([]);
    const r = await dtc(['endpoints', '--json']);
    expect(JSON.parse(r.stdout)).toHaveLength(rows.length);
  });
});
