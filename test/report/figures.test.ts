// The report's figures (src/store/reports.ts) over a seeded fortnight equal what the test computes
// from the rows it inserted: per day by severity and family, top models and devices, incidents,
// RESPOND actions, time to acknowledge, what is open, and the previous week's headline.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { DIALECTS, KEY, useTempStores } from '../store/helpers.ts';
import { expectedHeadline, expectedPerDay, inPeriod, openAt, type Scope, top } from './expected.ts';
import { FROM, PREV_FROM, plan, seed, TO } from './seed.ts';

const planned = plan();

// The same figures from either database (the SQL of src/store/reports.ts is written per dialect where it must be).
describe.each(DIALECTS)('report figures on %s', (dialect) => {
  const t = useTempStores(dialect, { scope: 'file' });
  let store: Store;

  beforeAll(async () => {
    store = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await seed(store, planned);
  });

  const scopes: [string, Scope][] = [
    ['every instance', { from: FROM, to: TO }],
    ['two instances', { from: FROM, to: TO, instances: ['alpha', 'gamma'] }],
    ['one day', { from: FROM + 2 * 86_400_000, to: FROM + 3 * 86_400_000, instances: ['beta'] }],
  ];

  describe('report figures equal the seeded rows', () => {
    it('seeded what the plan says (sanity of the test itself)', async () => {
      expect(await store.countKeys()).toBe(planned.length);
      expect(inPeriod(planned, { from: FROM, to: TO }).length).toBeGreaterThan(200);
      expect(openAt(planned, { from: FROM, to: TO }).length).toBeGreaterThan(20);
    });

    for (const [name, scope] of scopes) {
      it(`headline, per day, tops, incidents, RESPOND and open: ${name}`, async () => {
        const f = await store.reports.figures(scope, { topModels: 3, topDevices: 4, incidents: 5, open: 6 });
        const rows = inPeriod(planned, scope);
        const want = expectedHeadline(planned, scope);
        expect({
          detections: f.detections,
          highOrCritical: f.highOrCritical,
          incidents: f.incidents,
          respondActions: f.respondActions,
          timeToAck: f.timeToAck,
          open: f.open,
        }).toEqual(want);
        expect(want.timeToAck.count).toBeGreaterThan(0);

        const { sev, fam } = expectedPerDay(planned, scope);
        expect(new Map(f.severityByDay.map((r) => [`${r.day}/${r.severity}`, r.n]))).toEqual(sev);
        expect(new Map(f.familyByDay.map((r) => [`${r.day}/${r.family}`, r.n]))).toEqual(fam);

        expect(f.topModels).toEqual(
          top(
            rows.filter((p) => p.family === 'model_breach').map((p) => p.title),
            3,
          ),
        );
        expect(f.topDevices).toEqual(
          top(
            rows.map((p) => p.device),
            4,
          ),
        );
        expect(f.respondByAction).toEqual(
          top(
            rows.filter((p) => p.family === 'respond_action').map((p) => p.title),
            10,
          ),
        );
        const incidents = rows
          .filter((p) => p.family === 'ai_analyst')
          .sort((a, b) => b.severity - a.severity || b.eventTime - a.eventTime)
          .slice(0, 5);
        expect(f.incidentItems.map((i) => i.key)).toEqual(
          incidents.map((p) => `${p.instance}/ai_analyst/${p.nativeId}`),
        );
        expect(f.ackTimeUnknown).toBe(rows.filter((p) => p.ack === 'initial').length);

        const open = openAt(planned, scope);
        const bySev = [0, 1, 2, 3, 4, 5].map((s) => open.filter((p) => p.severity === s).length);
        expect(f.openBySeverity).toEqual(bySev);
        expect(f.openFromPeriod).toBe(open.filter((p) => p.eventTime >= scope.from).length);
        expect(f.openItems.map((i) => i.key)).toEqual(
          open
            .sort((a, b) => b.severity - a.severity || b.eventTime - a.eventTime)
            .slice(0, 6)
            .map((p) => `${p.instance}/${p.family}/${p.nativeId}`),
        );
      });
    }

    it('the previous week’s headline', async () => {
      const scope = { from: PREV_FROM, to: FROM };
      expect(await store.reports.headline(scope)).toEqual(expectedHeadline(planned, scope));
    });

    it('an empty set of instances counts nothing', async () => {
      const f = await store.reports.figures({ from: FROM, to: TO, instances: [] });
      expect([f.detections, f.open, f.timeToAck.count, f.topModels.length]).toEqual([0, 0, 0, 0]);
      expect(f.timeToAck.medianMs).toBeNull();
    });
  });

  describe('what ingest records for the report', () => {
    it('a breach’s device and Darktrace’s acknowledgement time reach the figures', async () => {
      const { prepareRecords, storePrepared } = await import('../../src/collect/ingest.ts');
      const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
      {
        const time = FROM + 3_600_000;
        const breach = (acknowledged: unknown) => ({
          pbid: 77,
          time,
          score: 0.8,
          model: { name: 'Device::Suspicious Domain', pid: 9, category: 'Suspicious' },
          device: { did: 12, ip: '10.0.0.12', hostname: 'ws-77.corp' },
          acknowledged,
        });
        await storePrepared(s, prepareRecords('prod', 'test', [breach(false)]));
        await storePrepared(
          s,
          prepareRecords('prod', 'test', [breach({ time: time + 45 * 60_000, username: 'ana' })]),
        );
        const f = await s.reports.figures({ from: FROM, to: TO });
        expect(f.topDevices).toEqual([{ name: 'ws-77.corp', n: 1 }]);
        expect(f.topModels).toEqual([{ name: 'Device::Suspicious Domain', n: 1 }]);
        expect(f.timeToAck).toEqual({ count: 1, medianMs: 45 * 60_000, p90Ms: 45 * 60_000 });
        expect(f.open).toBe(0);
      }
    });
  });
});
