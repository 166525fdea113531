// Faults, switchable at start or live through the control API.
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatDtapiDate } from '../../src/darktrace/signing.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { call, control, PRIV, PUB } from './helpers.ts';

let sim: Simulator;
let base: string;

beforeAll(async () => {
  sim = await startSimulator({ publicToken: PUB, privateToken: PRIV, history: { count: 500, days: 2 } });
  base = sim.url;
});
afterEach(() => control(base, '/__sim/reset-faults', {}));
afterAll(() => sim.close());

describe('faults', () => {
  it('adds latency', async () => {
    await control(base, '/__sim/faults', { latencyMs: 250 });
    const t = Date.now();
    expect((await call(base, { url: '/status' })).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(240);
  });

  it('answers 500, 503 and 429 with Retry-After', async () => {
    for (const errorStatus of [500, 503, 429]) {
      await control(base, '/__sim/faults', { errorRate: 1, errorStatus, retryAfterSeconds: 7 });
      const a = await call(base, { url: '/modelbreaches' });
      expect(a.status).toBe(errorStatus);
      if (errorStatus !== 500) expect(a.headers['retry-after']).toBe('7');
      expect(a.headers.date).toBeDefined();
    }
    // A partial rate lets some through.
    await control(base, '/__sim/faults', { errorRate: 0.5, errorStatus: 503 });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => call(base, { url: '/status' }).then((a) => a.status)),
    );
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
  });

  it('truncates bodies in the middle of the JSON', async () => {
    sim.setFaults({ truncateRate: 1 });
    for (const url of ['/status', '/modelbreaches']) {
      const a = await call(base, { url });
      expect(a.status).toBe(200);
      expect(a.headers['content-length']).toBeUndefined();
      expect(a.text.length).toBeGreaterThan(0);
      expect(() => JSON.parse(a.text)).toThrow();
    }
  });

  it('skews the server clock: Date header, and DTAPI-Date judged against it', async () => {
    await control(base, '/__sim/faults', { clockSkewSeconds: 3600 });
    const a = await call(base, { url: '/status' });
    expect(a.status).toBe(400);
    expect(a.text).toBe(JSON.stringify({ status: 'API DATE ERROR' }, null, 2));
    const server = Date.parse(String(a.headers.date));
    expect(Math.abs(server - Date.now() - 3_600_000)).toBeLessThan(3000);
    // A client that corrects by the header's offset is accepted.
    const ok = await call(base, { url: '/status', date: formatDtapiDate(new Date(server)) });
    expect(ok.status).toBe(200);
    expect(Math.abs(Date.parse(String(ok.headers.date)) - server)).toBeLessThan(3000);
    // Error answers carry the skewed Date too.
    const redirect = await call(base, { url: '/nope' });
    expect(Math.abs(Date.parse(String(redirect.headers.date)) - server)).toBeLessThan(3000);
  });

  it('revokes a token', async () => {
    await control(base, '/__sim/faults', { revokedTokens: [PUB] });
    const a = await call(base, { url: '/status' });
    expect(a.status).toBe(302);
    expect(a.text).toBe('Found. Redirecting to /login');
    await control(base, '/__sim/reset-faults', {});
    expect((await call(base, { url: '/status' })).status).toBe(200);
  });

  it('validates control input and leaves the control API unaffected by faults', async () => {
    const bad = await request(`${base}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorStatus: 418 }),
    });
    expect(bad.statusCode).toBe(400);
    await bad.body.text();
    await control(base, '/__sim/faults', { errorRate: 1, latencyMs: 0 });
    const st = await control(base, '/__sim/state');
    expect(st.faults.errorRate).toBe(1);
  });

  it('starts with faults given as options', async () => {
    const s2 = await startSimulator({
      publicToken: PUB,
      privateToken: PRIV,
      history: { count: 10, days: 1 },
      faults: { errorRate: 1, errorStatus: 429, retryAfterSeconds: 2 },
    });
    try {
      const a = await call(s2.url, { url: '/status' });
      expect(a.status).toBe(429);
      expect(a.headers['retry-after']).toBe('2');
    } finally {
      await s2.close();
    }
  });
});
