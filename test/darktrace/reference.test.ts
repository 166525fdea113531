// Every endpoint of the API reference is implemented (SDK method and simulator route) or carries the
// reason it is left out; `dtc endpoints` reports the same rows.
import { describe, expect, it } from 'vitest';
import { endpointCoverage, routeKey, uncoveredEndpoints } from '../../src/commands/coverage.ts';
import { commands } from '../../src/commands/index.ts';
import { listEndpoints } from '../../src/darktrace/endpoints.ts';
import { referenceEndpoints } from '../../src/darktrace/reference.ts';
import { runDtc } from '../helpers/dtc.ts';

describe('coverage of the API reference', () => {
  const rows = endpointCoverage();

  it('leaves no endpoint of the reference uncovered without a reason', () => {
    expect(uncoveredEndpoints(rows).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('the rule catches an endpoint neither implemented nor explained', () => {
    const fake = { ...rows.find((r) => r.sdk === null)!, reason: null };
    expect(uncoveredEndpoints([...rows, fake])).toEqual([fake]);
    const unserved = { ...rows.find((r) => r.sdk !== null)!, simulator: false };
    expect(uncoveredEndpoints([unserved])).toEqual([unserved]);
  });

  it('keeps no stale reason on an endpoint the catalog implements, and lists each route once', () => {
    expect(rows.filter((r) => r.sdk && r.reason).map((r) => r.path)).toEqual([]);
    const keys = referenceEndpoints.map((r) => routeKey(r.method, r.path));
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of rows.filter((x) => x.reason)) expect(r.reason!.length).toBeGreaterThan(30);
  });

  it('every catalog entry is an endpoint of the reference, served by the simulator', () => {
    const implemented = rows.filter((r) => r.sdk);
    expect(implemented.map((r) => r.name).sort()).toEqual(
      listEndpoints()
        .map((e) => e.name)
        .sort(),
    );
    expect(implemented.filter((r) => !r.inReference)).toEqual([]);
    expect(implemented.filter((r) => !r.simulator)).toEqual([]);
  });

  it('reports the commands that use each endpoint and the second /EMAIL base path', () => {
    const byName = (n: string) => rows.find((r) => r.name === n)!;
    expect(byName('tags.entities').commands).toEqual(
      expect.arrayContaining(['get-device-tags', 'get-tagged-devices']),
    );
    expect(byName('email.action')).toMatchObject({
      path: '/agemail/api/v1.0/emails/{uuid}/action',
      altPaths: ['/agemail/api/ep/api/v1.0/emails/{uuid}/action'],
      commands: ['hold-email', 'release-email'],
      simulator: true,
    });
    expect(byName('advancedSearch.analyze').commands).toEqual(['advanced-search-analyze']);
    // Each command's endpoints exist in the catalog.
    const names = new Set(listEndpoints().map((e) => e.name));
    for (const c of commands) for (const e of c.endpoints) expect(names, `${c.name}: ${e}`).toContain(e);
  });

  it('dtc endpoints prints the same rows, with reasons', async () => {
    const r = await runDtc(['endpoints', '--json']);
    const printed = JSON.parse(r.out);
    expect(printed).toEqual(JSON.parse(JSON.stringify(rows)));
    expect(printed.find((x: any) => x.path === '/aianalyst/incidents').reason).toMatch(/deprecated/);
  });
});
