// The endpoint parameter schemas: one declaration gives the parameter type and the runtime list, an
// unknown parameter is refused by name before anything is sent, and the documented drift is fixed.
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { DarktraceClient } from '../../src/darktrace/client.ts';
import { type Catalog, endpoints, listEndpoints } from '../../src/darktrace/endpoints.ts';
import { buildRequest } from '../../src/darktrace/request.ts';
import { UnknownParamError } from '../../src/darktrace/schema.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';

type ParamsOf<E> = E extends { readonly __types?: { params: infer P } } ? P : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Per entry: does the runtime name list's type hold exactly the keys of the parameter type? */
type ListMatches<E> = E extends { params: readonly (infer N)[] }
  ? Same<N, keyof ParamsOf<E> & string>
  : false;
type ListMatchesType = {
  [F in keyof Catalog]: { [O in keyof Catalog[F]]: ListMatches<Catalog[F][O]> }[keyof Catalog[F]];
}[keyof Catalog];

describe('endpoint parameter schemas', () => {
  it('give every entry a runtime list with exactly the keys of its type (compile time)', () => {
    // Fails to compile when any entry's list and type disagree: `false` joins the union.
    expectTypeOf<ListMatchesType>().toEqualTypeOf<true>();
    expectTypeOf<keyof ParamsOf<typeof endpoints.devices.list>>().toEqualTypeOf<
      | 'did'
      | 'ip'
      | 'iptime'
      | 'mac'
      | 'seensince'
      | 'sid'
      | 'count'
      | 'includetags'
      | 'cloudsecurity'
      | 'saasfilter'
      | 'responsedata'
    >();
    expectTypeOf<ParamsOf<typeof endpoints.modelBreaches.get>['pbid']>().toEqualTypeOf<number>();
  });

  it('give every entry a runtime list equal to its schema, with each path placeholder required', () => {
    for (const { name, spec } of listEndpoints()) {
      expect(spec.params, name).toEqual(Object.keys(spec.schema));
      for (const [, placeholder] of spec.path.matchAll(/\{(\w+)\}/g)) {
        expect(spec.params, `${name} declares {${placeholder}}`).toContain(placeholder);
        expect(spec.schema[placeholder].required, `${name}: {${placeholder}} is required`).toBe(true);
      }
    }
  });

  it('accept every declared parameter', () => {
    for (const { name, spec } of listEndpoints()) {
      const all = Object.fromEntries(spec.params.map((p) => [p, '1']));
      expect(() => buildRequest(spec, all), name).not.toThrow();
    }
  });

  it('carry the documented parameters that had drifted (API doc §6.1, §7.1, §7.2, §10.1)', () => {
    expect(endpoints.devices.list.params).toEqual(expect.arrayContaining(['cloudsecurity', 'saasfilter']));
    expect(endpoints.modelBreaches.list.params).toContain('saasfilter');
    expect(endpoints.aiAnalyst.incidentEvents.params).toEqual(
      expect.arrayContaining(['groupcompliance', 'groupsuspicious', 'groupcritical', 'excludedid', 'master']),
    );
    expect(endpoints.aiAnalyst.incidentEvents.params).not.toContain('compliance');
    expect(endpoints.aiAnalyst.groups.params).toEqual(
      expect.arrayContaining(['compliance', 'suspicious', 'critical', 'includegroupurl']),
    );
    expect(endpoints.aiAnalyst.groups.params).not.toContain('groupcompliance');
  });

  it('refuse an unknown parameter with its name, the endpoint and what it takes', () => {
    const call = () => buildRequest(endpoints.devices.list, { did: 12, saasfiltre: 'office365*' });
    expect(call).toThrow(UnknownParamError);
    expect(call).toThrow(
      'unknown parameter "saasfiltre" for GET /devices: use one of did, ip, iptime, mac, seensince, sid, count, includetags, cloudsecurity, saasfilter, responsedata',
    );
    expect(() => buildRequest(endpoints.email.tags, { page: 1 })).toThrow(
      'unknown parameter "page" for GET /agemail/api/v1.0/resources/tags: use one of (none)',
    );
  });
});

describe('an unknown parameter through the client', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ publicToken: 'P', privateToken: 'S', port: 0, seed: 3 });
  });
  afterAll(() => sim.close());

  it('is refused before any request reaches the appliance; the documented ones are served', async () => {
    const dt = new DarktraceClient({ url: sim.url, publicToken: 'P', privateToken: 'S', retries: 0 });
    try {
      const before = sim.state().requests;
      // @ts-expect-error: the type refuses it too
      await expect(dt.devices.list({ cloudsecurty: true })).rejects.toThrow(
        'unknown parameter "cloudsecurty"',
      );
      expect(sim.state().requests).toBe(before);
      const saas = await dt.devices.list({ cloudsecurity: true });
      expect(Array.isArray(saas) && saas.length > 0 && saas.every((d) => d.sid === -9)).toBe(true);
    } finally {
      await dt.close();
    }
  });
});
