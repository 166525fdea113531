// The console's aggregates: GET /api/detections/histogram (the search's filters, buckets by severity)
// agrees with the search it charts, and each instance carries its detections of the last 24 hours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/auth/index.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { type Api, buildApi } from '../../src/server/app.ts';
import { BUCKET_WIDTHS, bucketWidth, fillBuckets } from '../../src/store/detection-stats.ts';
import type { Store } from '../../src/store/index.ts';
import { DIALECTS, det, KEY, useTempStores } from '../store/helpers.ts';

const HOUR = 3_600_000;

describe('histogram bucketing', () => {
  it('picks the smallest readable width that fits the span in the target', async () => {
    expect(bucketWidth(60 * HOUR, 60)).toBe(HOUR);
    expect(bucketWidth(61 * HOUR, 60)).toBe(3 * HOUR);
    expect(bucketWidth(10 * 60_000, 60)).toBe(60_000);
    expect(bucketWidth(365 * 24 * HOUR, 60)).toBe(7 * 24 * HOUR);
    expect(bucketWidth(100 * 365 * 24 * HOUR, 10)).toBe(BUCKET_WIDTHS.at(-1));
    expect(bucketWidth(0, 0)).toBe(60_000);
  });

  it('aligns buckets to their width, keeps empty ones, and folds severities above 5 into 5', async () => {
    const b = fillBuckets(HOUR + 5, 3 * HOUR + 1, HOUR, [
      { b: 0, s: 2, n: 3 },
      { b: 2, s: 6, n: 1 },
      { b: 2, s: 5, n: 2 },
      { b: 9, s: 1, n: 4 }, // outside the range: ignored rather than a crash
    ]);
    expect(b.map((x) => x.start)).toEqual([HOUR, 2 * HOUR, 3 * HOUR]);
    expect(b.map((x) => x.counts)).toEqual([
      [0, 0, 3, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 3],
    ]);
  });
});

// The aggregates are SQL the store writes per dialect: the same answers from either database.
describe.each(DIALECTS)('GET /api/detections/histogram (%s store)', (dialect) => {
  const t = useTempStores(dialect, { scope: 'file' });
  let store: Store;
  let app: Api;
  let base: string;
  let key: string;
  const now = Date.now();
  const get = async (path: string) => {
    const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: r.status, body: await r.json() };
  };

  beforeAll(async () => {
    store = await t.open({ dataDir: t.dir(), secretKey: KEY });
    // 240 detections over the last 10 days, one every hour; severity cycles 1–5; two instances.
    const batch = [];
    for (let i = 0; i < 240; i++)
      batch.push(
        det(String(i + 1), 'a', {
          instance: i % 3 === 0 ? 'lab' : 'prod',
          eventTime: now - i * HOUR - 1000,
          severity: (i % 5) + 1,
          title: i % 2 ? `beacon to rare host ${i}` : `smb scan ${i}`,
        }),
      );
    await store.appendDetections(batch);
    // A newer version of one key is counted once, as the search counts it.
    await store.appendDetections([det('1', 'b', { instance: 'lab', eventTime: now - 1000, severity: 5 })]);
    const access = new AccessControl(store);
    await access.addUser('root', 'root-password-123', 'admin');
    key = (await access.createApiKey({ owner: 'root', name: 't', role: 'viewer' })).key;
    app = buildApi({ store, access, collector: { status: () => [] }, metrics: createMetrics() });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const sum = (h: { buckets: { counts: number[] }[] }) =>
    h.buckets.reduce((n, b) => n + b.counts.reduce((a, c) => a + c, 0), 0);

  it('counts what was stored, through updates and across partial hours, as the search totals do', async () => {
    // Counted here from the rows as stored (key 1's second version: lab, severity 5), not by the store.
    const rows = Array.from({ length: 240 }, (_, i) => ({
      instance: i === 0 || i % 3 === 0 ? 'lab' : 'prod',
      t: i === 0 ? now - 1000 : now - i * HOUR - 1000,
      severity: i === 0 ? 5 : (i % 5) + 1,
    }));
    const cases: [string, (r: (typeof rows)[number]) => boolean][] = [
      ['', () => true],
      ['severity=4', (r) => r.severity >= 4],
      ['instance=lab&severity=5', (r) => r.instance === 'lab' && r.severity === 5],
      [
        `from=${now - 50.5 * HOUR}&to=${now - 3.25 * HOUR}`,
        (r) => r.t >= now - 50.5 * HOUR && r.t <= now - 3.25 * HOUR,
      ],
    ];
    for (const [filters, keep] of cases) {
      const want = rows.filter(keep).length;
      expect(sum((await get(`/api/detections/histogram?${filters}`)).body), filters).toBe(want);
      expect((await get(`/api/detections?${filters}&limit=1`)).body.total, filters).toBe(want);
    }
  });

  it('counts what the search finds, for the same filters', async () => {
    for (const filters of [
      '',
      'severity=4',
      'instance=lab',
      'q=beacon',
      'from=2d',
      'from=5d&to=1d&severity=2',
    ]) {
      const h = await get(`/api/detections/histogram?${filters}`);
      const s = await get(`/api/detections?${filters}&limit=1`);
      expect(h.status, filters).toBe(200);
      expect(sum(h.body), filters).toBe(s.body.total);
    }
  });

  it('splits by severity and covers the range in readable buckets', async () => {
    const h = (await get('/api/detections/histogram?from=2d&buckets=48')).body;
    expect(h.bucketMs).toBe(HOUR);
    expect(h.buckets.length).toBeGreaterThanOrEqual(48);
    expect(h.buckets.length).toBeLessThanOrEqual(50);
    expect(h.buckets[0].start % HOUR).toBe(0);
    expect(h.buckets.every((b: { counts: number[] }) => b.counts.length === 6)).toBe(true);
    const bySeverity = [0, 1, 2, 3, 4, 5].map((s) =>
      h.buckets.reduce((n: number, b: { counts: number[] }) => n + b.counts[s], 0),
    );
    const search = await Promise.all(
      [1, 2, 3, 4, 5].map(
        async (s) => (await get(`/api/detections?from=2d&severity=${s}&limit=1`)).body.total,
      ),
    );
    // "at least s" totals from the search, differenced, are the per-severity counts.
    expect(bySeverity.slice(1)).toEqual(search.map((t, i) => t - (search[i + 1] ?? 0)));
    expect(bySeverity[0]).toBe(0);
  });

  it('refuses a bad bucket count or filter in words', async () => {
    const r = await get('/api/detections/histogram?buckets=0');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/buckets/);
    const q = await get('/api/detections/histogram?q=a');
    expect(q.status).toBe(400);
    expect(q.body.message).toMatch(/too short/);
    expect((await get('/api/detections/histogram?q=%22%22')).body.buckets.length).toBeGreaterThan(0);
  });

  it('gives each instance its detections of the last 24 hours', async () => {
    const list = (await get('/api/instances')).body as unknown[];
    expect(list).toEqual([]);
    await store.instances.add({
      name: 'lab',
      url: 'http://127.0.0.1:1',
      publicToken: 'p',
      privateToken: 's',
    });
    await store.instances.add({
      name: 'prod',
      url: 'http://127.0.0.1:1',
      publicToken: 'p',
      privateToken: 's',
    });
    const search = async (i: string) =>
      (await get(`/api/detections?instance=${i}&from=${now - 24 * HOUR}&limit=1`)).body.total;
    const got = Object.fromEntries(
      ((await get('/api/instances')).body as { name: string; detections24h: number }[]).map((i) => [
        i.name,
        i.detections24h,
      ]),
    );
    expect(got).toEqual({ lab: await search('lab'), prod: await search('prod') });
    expect(got.lab + got.prod).toBe(24);
  });
});
