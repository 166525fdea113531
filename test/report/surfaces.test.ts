// The report's surfaces over a seeded week: `dtc report` writes each format to its file (the last full
// week by default), and GET /api/reports answers JSON, HTML and PDF to a viewer and nothing to a
// request without credentials.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/auth/index.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { lastFullWeek, resolvePeriod } from '../../src/report/index.ts';
import { type Api, buildApi } from '../../src/server/app.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runDtc } from '../helpers/dtc.ts';
import { KEY } from '../store/helpers.ts';
import { expectedHeadline } from './expected.ts';
import { DAY, FROM, plan, seed, TO } from './seed.ts';

const planned = plan();
const iso = (ms: number) => new Date(ms).toISOString();
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dtc-report-cli-'));
  const store = await openStore({ dataDir: join(dir, 'data'), secretKey: KEY, env: {} });
  await seed(store, planned);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('periods as people type them', () => {
  it('defaults to the last full week, Monday to Monday UTC', () => {
    // Wednesday 2026-12-09 10:00 UTC → Monday 11-30 to Monday 12-07.
    const now = Date.UTC(2026, 11, 9, 10);
    expect(lastFullWeek(now)).toEqual({ from: Date.UTC(2026, 10, 30), to: Date.UTC(2026, 11, 7) });
    // On a Monday the week that just ended.
    expect(lastFullWeek(Date.UTC(2026, 11, 7, 0, 1))).toEqual({ from: FROM, to: TO });
    expect(resolvePeriod(undefined, undefined, now)).toEqual(lastFullWeek(now));
    expect(resolvePeriod('7d', undefined, now)).toEqual({ from: now - 7 * DAY, to: now });
    expect(resolvePeriod(undefined, String(TO), now)).toEqual({ from: FROM, to: TO });
    expect(() => resolvePeriod('last tuesday', undefined, now)).toThrow(/is not a time/);
  });
});

describe('dtc report', () => {
  it('writes JSON, HTML and PDF files of the period', { timeout: 120_000 }, async () => {
    const data = join(dir, 'data');
    const range = ['--from', iso(FROM), '--to', String(TO)];
    const json = join(dir, 'r.json');
    let r = await runDtc([
      'report',
      '--data-dir',
      data,
      ...range,
      '--instance',
      'alpha,beta',
      '--format',
      'json',
      '--out',
      json,
    ]);
    expect(r.err).toMatch(/written to/);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.instances).toEqual(['alpha', 'beta']);
    expect(report.headline).toEqual(
      expectedHeadline(planned, { from: FROM, to: TO, instances: ['alpha', 'beta'] }),
    );

    const html = join(dir, 'r.html');
    r = await runDtc(['report', '--data-dir', data, ...range, '--format', 'html', '--out', html]);
    expect(r.code).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>[\s\S]*Executive threat report/);

    const pdf = join(dir, 'r.pdf');
    r = await runDtc(['report', '--data-dir', data, ...range, '--format', 'pdf', '--out', pdf]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('says what is wrong with a bad time or a missing Chromium', async () => {
    const data = join(dir, 'data');
    let r = await runDtc(['report', '--data-dir', data, '--from', 'yesterday-ish', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/"yesterday-ish" is not a time/);
    r = await runDtc(['report', '--data-dir', data, '--format', 'pdf', '--out', join(dir, 'x.pdf')], {
      DTC_CHROMIUM: join(dir, 'no-chromium'),
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no Chromium .*apt-get install chromium.*DTC_CHROMIUM/);
  });
});

describe('GET /api/reports', () => {
  let store: Store;
  let app: Api;
  let base: string;
  let key: string;
  beforeAll(async () => {
    store = await openStore({ dataDir: join(dir, 'data'), secretKey: KEY, env: {} });
    const access = new AccessControl(store);
    await access.addUser('vera', 'vera-password-123', 'viewer');
    key = (await access.createApiKey({ owner: 'vera', name: 't', role: 'viewer' })).key;
    app = buildApi({ store, access, collector: { status: () => [] }, metrics: createMetrics() });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });
  const get = (q: string, auth = true) =>
    fetch(`${base}/api/reports?${q}`, { headers: auth ? { authorization: `Bearer ${key}` } : {} });
  const range = `from=${encodeURIComponent(iso(FROM))}&to=${TO}`;

  it('answers JSON with the stored figures, for chosen instances', async () => {
    const r = await get(`${range}&instance=gamma&instance=beta`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await r.json();
    expect(body.instances).toEqual(['beta', 'gamma']);
    expect(body.headline).toEqual(
      expectedHeadline(planned, { from: FROM, to: TO, instances: ['beta', 'gamma'] }),
    );
  });

  it('answers HTML and PDF', { timeout: 120_000 }, async () => {
    const html = await get(`${range}&format=html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('<svg class="chart');
    const pdf = await get(`${range}&format=pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toMatch(
      /attachment; filename="dtc-report-2026-11-30_2026-12-07.pdf"/,
    );
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('refuses a request without credentials, and bad parameters', async () => {
    expect((await get(range, false)).status).toBe(401);
    const bad = await get('from=whenever');
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/is not a time/);
    expect((await get(`${range}&format=docx`)).status).toBe(400);
    expect((await get(`from=${TO}&to=${FROM}`)).status).toBe(400);
  });
});
