// Managing instances through the API on a running service: a wrong private token is refused in words
// and nothing is saved; a good one starts polling at once; enabling, disabling, changing and deleting
// apply without a restart; an instance from the config file is read-only.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { type Service, startService } from '../../src/service/service.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { waitFor } from '../deliver/helpers.ts';
import { makeTlsMaterial } from '../helpers/tls.ts';

const quiet: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
let sim: Simulator;
let svc: Service;
let key: string;
let sinkFile: string;
const api = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${svc.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, json: r.status === 204 ? undefined : ((await r.json()) as any) };
};
const state = async (name: string) =>
  (await api('GET', '/api/instances')).json.find((i: any) => i.name === name)?.status?.state;

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: 'lab-pub',
    privateToken: 'lab-priv',
    seed: 9,
    history: { count: 200, days: 1 },
    // A token pair whose user may read the status but not model breaches.
    tokens: [{ publicToken: 'ro-pub', privateToken: 'ro-priv', denied: ['/modelbreaches'] }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'dtc-manage-'));
  const config = join(dir, 'dtc.yaml');
  writeFileSync(
    config,
    `instances:\n  - name: fixed\n    url: ${sim.url}\n    publicToken: lab-pub\n    privateToken: lab-priv\n    pollIntervalSeconds: 30\n`,
  );
  sinkFile = join(dir, 'out.ndjson');
  svc = await startService({
    dataDir: join(dir, 'data'),
    port: 0,
    configFile: config,
    sinks: [{ name: 'out', format: 'json', url: pathToFileURL(sinkFile).href }],
    log: quiet,
    env: { DTC_SECRET_KEY: 'c'.repeat(64) },
  });
  key = readFileSync(svc.bootstrap!.keyFile, 'utf8').trim();
}, 60_000);
afterAll(async () => {
  await svc?.stop();
  await sim?.close();
});

describe('instance management over the API', () => {
  it('refuses a wrong private token in words and saves nothing; a good one polls at once', async () => {
    const wrong = await api('POST', '/api/instances', {
      name: 'lab',
      url: sim.url,
      publicToken: 'lab-pub',
      privateToken: 'not-the-token',
      pollIntervalSeconds: 30,
    });
    expect(wrong.status).toBe(422);
    expect(wrong.json).toMatchObject({ code: 'connection_failed' });
    expect(wrong.json.message).toMatch(/connection test failed, nothing saved: .*SIGNATURE/i);
    // Each step of the check: reached over plain http, the signature refused in words, the rest not checked.
    expect(wrong.json.steps).toEqual([
      {
        step: 'reachable',
        ok: true,
        reason: expect.stringMatching(/^127\.0\.0\.1:\d+ answered \(\d+ ms\)$/),
      },
      { step: 'tls', ok: true, reason: 'not used: the URL is plain http' },
      { step: 'signature', ok: false, reason: 'signature rejected: check the private token' },
      { step: 'clock', ok: false, skipped: true, reason: 'not checked: signature failed' },
      { step: 'permissions', ok: false, skipped: true, reason: 'not checked: signature failed' },
    ]);
    expect(await state('lab')).toBeUndefined();

    const invalid = await api('POST', '/api/instances', {
      name: 'Bad Name!',
      url: 'ftp://x',
      publicToken: 'a',
      privateToken: 'b',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ code: 'invalid_parameter' });

    const added = await api('POST', '/api/instances', {
      name: 'lab',
      url: sim.url,
      publicToken: 'lab-pub',
      privateToken: 'lab-priv',
      pollIntervalSeconds: 30,
    });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ name: 'lab', source: 'store', enabled: true });
    expect(JSON.stringify(added.json)).not.toContain('lab-priv');
    // The poller started without a restart: detections of the new instance arrive.
    await waitFor(
      async () =>
        (await api('GET', '/api/detections?instance=lab&limit=1')).json.total > 0 ? true : undefined,
      20_000,
      'lab polled',
    );
    await waitFor(async () => ((await state('lab')) === 'ok' ? true : undefined), 20_000, 'lab ok');
    expect(
      (
        await api('POST', '/api/instances', {
          name: 'lab',
          url: sim.url,
          publicToken: 'x',
          privateToken: 'y',
        })
      ).status,
    ).toBe(409);
  }, 60_000);

  it('disables, re-enables, changes and deletes an instance at once', async () => {
    expect((await api('PATCH', '/api/instances/lab', { enabled: false })).status).toBe(200);
    expect(await state('lab')).toBe('disabled');
    expect(
      (await api('PATCH', '/api/instances/lab', { enabled: true, pollIntervalSeconds: 60 })).json,
    ).toMatchObject({
      enabled: true,
      pollIntervalSeconds: 60,
    });
    await waitFor(async () => ((await state('lab')) === 'ok' ? true : undefined), 20_000, 're-enabled');
    // A connection change is tested first: a wrong token is refused and the old one stays.
    const bad = await api('PATCH', '/api/instances/lab', { privateToken: 'wrong-again' });
    expect(bad.status).toBe(422);
    expect(bad.json.steps.find((s: any) => s.step === 'signature').reason).toBe(
      'signature rejected: check the private token',
    );
    expect(await state('lab')).toBe('ok');
    // A proxy can be set (untested here: nothing listens there) and removed again with null.
    expect(
      (await api('PATCH', '/api/instances/lab?test=false', { proxy: 'http://127.0.0.1:59998' })).json.proxy,
    ).toBe('http://127.0.0.1:59998');
    const cleared = await api('PATCH', '/api/instances/lab', { proxy: null });
    expect(cleared.json.proxy).toBeNull();
    const check = await api('POST', '/api/instances/lab/test');
    expect(check.json.ok).toBe(true);
    expect(check.json.steps.map((s: any) => [s.step, s.ok])).toEqual([
      ['reachable', true],
      ['tls', true],
      ['signature', true],
      ['clock', true],
      ['permissions', true],
    ]);
    expect((await api('DELETE', '/api/instances/lab')).status).toBe(204);
    expect(await state('lab')).toBeUndefined();
    expect((await api('DELETE', '/api/instances/lab')).status).toBe(404);
    const runs = (await api('GET', '/api/command-runs?limit=20')).json.map((r: any) => r.command);
    expect(runs).toEqual(expect.arrayContaining(['instance.add', 'instance.update', 'instance.remove']));
  }, 60_000);

  it('says which step of a connection test failed: unreachable, permissions', async () => {
    const closed = await api('POST', '/api/instances', {
      name: 'nowhere',
      url: 'http://127.0.0.1:9',
      publicToken: 'a',
      privateToken: 'b',
    });
    expect(closed.status).toBe(422);
    expect(closed.json.steps[0]).toEqual({
      step: 'reachable',
      ok: false,
      reason: expect.stringMatching(/^127\.0\.0\.1:9 cannot be reached \(ECONNREFUSED\): check the URL/),
    });
    expect(closed.json.steps.slice(1).every((s: any) => s.skipped && !s.ok)).toBe(true);
    const denied = await api('POST', '/api/instances', {
      name: 'readonly',
      url: sim.url,
      publicToken: 'ro-pub',
      privateToken: 'ro-priv',
    });
    expect(denied.status).toBe(422);
    expect(denied.json.steps.map((s: any) => [s.step, s.ok])).toEqual([
      ['reachable', true],
      ['tls', true],
      ['signature', true],
      ['clock', true],
      ['permissions', false],
    ]);
    expect(denied.json.steps[4].reason).toBe(
      "the token's user may not call /modelbreaches: grant it the permission in Threat Visualizer",
    );
    expect((await api('GET', '/api/instances')).json.map((i: any) => i.name)).not.toContain('readonly');
  });

  it('says when TLS is not trusted, and when the clocks differ', async () => {
    // An appliance over HTTPS with a self-signed certificate, whose clock is two hours ahead.
    const tls = makeTlsMaterial();
    const far = await startSimulator({
      publicToken: 'far-pub',
      privateToken: 'far-priv',
      tls: tls.selfSigned,
      faults: { clockSkewSeconds: 7200 },
    });
    try {
      const body = { name: 'far', url: far.url, publicToken: 'far-pub', privateToken: 'far-priv' };
      const untrusted = await api('POST', '/api/instances', body);
      expect(untrusted.status).toBe(422);
      expect(untrusted.json.steps.slice(0, 2)).toEqual([
        { step: 'reachable', ok: true, reason: expect.stringMatching(/ answered \(\d+ ms\)$/) },
        {
          step: 'tls',
          ok: false,
          reason:
            'TLS failed: the certificate is self-signed: give its CA file, or allow an insecure connection',
        },
      ]);
      // Insecure by choice: encrypted, not verified. The appliance refuses our date once; the client signs
      // with the appliance's time from then on, and the clock step says so.
      const added = await api('POST', '/api/instances', { ...body, tls: { insecure: true } });
      expect(added.status).toBe(201);
      const check = await api('POST', '/api/instances/far/test');
      expect(check.json.ok).toBe(true);
      expect(check.json.steps.slice(1, 4)).toEqual([
        {
          step: 'tls',
          ok: true,
          reason: 'encrypted, but the certificate is not verified (insecure by choice)',
        },
        { step: 'signature', ok: true, reason: 'signature accepted' },
        {
          step: 'clock',
          ok: true,
          reason: expect.stringMatching(
            /^the appliance's clock is about 7\d{3} s ahead of this host's: requests are signed with the appliance's time; synchronise this host with NTP$/,
          ),
        },
      ]);
      expect((await api('DELETE', '/api/instances/far')).status).toBe(204);
    } finally {
      await far.close();
    }
  }, 30_000);

  it('shows config-file instances as read-only', async () => {
    const fixed = (await api('GET', '/api/instances')).json.find((i: any) => i.name === 'fixed');
    expect(fixed).toMatchObject({ source: 'config' });
    const change = await api('PATCH', '/api/instances/fixed', { enabled: false });
    expect(change.status).toBe(409);
    expect(change.json.message).toMatch(/declared in .*dtc\.yaml: change it there/);
    expect((await api('DELETE', '/api/instances/fixed')).status).toBe(409);
  });
});

describe('sink replay over the API', () => {
  const lines = () =>
    existsSync(sinkFile) ? readFileSync(sinkFile, 'utf8').split('\n').filter(Boolean).length : 0;
  const sink = async () => (await api('GET', '/api/sinks/out')).json;

  it('moves a sink to a time or a sequence number, redelivers from there, and audits it', async () => {
    // Everything the config-file instance stored has been delivered.
    await waitFor(
      async () => ((await sink()).lag === 0 && lines() > 0 ? true : undefined),
      30_000,
      'delivered',
    );
    const delivered = lines();
    const max = (await sink()).offset;

    const back = await api('POST', '/api/sinks/out/reset', { to: '1h' });
    expect(back.status).toBe(200);
    expect(back.json).toEqual({ name: 'out', before: max, offset: 0, lag: max });
    // Replayed: every stored row is written again.
    await waitFor(async () => (lines() >= delivered + max ? true : undefined), 30_000, 'replayed');
    await waitFor(async () => ((await sink()).lag === 0 ? true : undefined), 30_000, 'caught up');

    const bySeq = await api('POST', '/api/sinks/out/reset', { to: 5 });
    expect(bySeq.json).toMatchObject({ offset: 5 });
    const future = await api('POST', '/api/sinks/out/reset', {
      to: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.json.offset).toBeGreaterThanOrEqual(max);

    const bad = await api('POST', '/api/sinks/out/reset', { to: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'invalid_parameter', parameter: 'to' });
    expect(bad.json.message).toMatch(/^"yesterday" is not a time: use ISO 8601/);
    const beyond = await api('POST', '/api/sinks/out/reset', { to: 9_999_999 });
    expect(beyond.status).toBe(400);
    expect(beyond.json.message).toMatch(/^sequence 9999999 is beyond the newest stored/);
    expect((await api('POST', '/api/sinks/nope/reset', { to: 0 })).status).toBe(404);

    const runs = (await api('GET', '/api/command-runs?limit=50')).json.filter(
      (r: any) => r.command === 'sink.reset',
    );
    expect(runs.map((r: any) => r.params.to)).toEqual(expect.arrayContaining(['1h', '5']));
    expect(runs.find((r: any) => r.params.to === '1h').summary).toBe(`sink out: offset ${max} → 0`);
  }, 90_000);
});
