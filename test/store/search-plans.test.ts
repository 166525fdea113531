// The search's two plans (src/store/search.ts) give the answers a plain scan would: a rare term (read
// from its candidates) lists and counts every match; a common word (read along the time index) lists
// the newest first and counts up to COUNT_CAP, saying so. Expected answers are computed here from the
// rows as written, not by the store.

import { type Compilable, CompiledQuery } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Conn } from '../../src/store/conn.ts';
import type { Store } from '../../src/store/index.ts';
import { openPostgres, postgresConn } from '../../src/store/postgres.ts';
import { CANDIDATE_CAP, COUNT_CAP, textPlan } from '../../src/store/search.ts';
import { openSqliteConn } from '../../src/store/sqlite.ts';
import { DIALECTS, det, KEY, useTempStores } from './helpers.ts';

const T0 = 1_700_000_000_000;
const N = COUNT_CAP + 1500;
// Each row matches `common` twice (title and description): the common-word plan is the one tested.
if (2 * N <= CANDIDATE_CAP) throw new Error('N too small for the common-word plan');

const raw = (text: string): Compilable<unknown> => ({ compile: () => CompiledQuery.raw(text) });

interface Written {
  key: string;
  t: number;
  severity: number;
  instance: string;
  words: string;
}

describe.each(DIALECTS)('store: search plans over more than COUNT_CAP matches (%s)', (dialect) => {
  const t = useTempStores(dialect, { scope: 'file' });
  let s: Store;
  let dir: string;
  const written: Written[] = [];

  beforeAll(async () => {
    dir = t.dir();
    s = await t.open({ dataDir: dir, secretKey: KEY });
    const batch = [];
    for (let i = 0; i < N; i++) {
      // Event times out of seq order (as late breaches arrive), every 41st a rare host.
      const time = T0 + ((i * 7919) % N) * 1000;
      const rare = i % 41 === 0;
      const severity = (i % 5) + 1;
      const instance = i % 3 ? 'prod' : 'lab';
      const host = rare ? `rare-host-${i}` : `ws-${i}`;
      batch.push(
        det(String(i + 1), 'a', {
          title: i % 2 ? 'Common Beacon Activity' : 'Common Scan Activity',
          // In title and description both: a common word has twice N candidates, past CANDIDATE_CAP.
          description: 'Common activity of a device',
          hostnames: [host],
          eventTime: time,
          severity,
          instance,
        }),
      );
      written.push({
        key: `${instance}/model_breach/${i + 1}`,
        t: time,
        severity,
        instance,
        words: `${i % 2 ? 'beacon' : 'scan'} ${host}`,
      });
    }
    await s.appendDetections(batch);
  }, 60_000);

  /** What a search should find, newest event first (ties: the later seq, i.e. the later write). */
  const expected = (keep: (w: Written) => boolean) =>
    written
      .map((w, seq) => ({ ...w, seq }))
      .filter(keep)
      .sort((a, b) => b.t - a.t || b.seq - a.seq)
      .map((w) => w.key);
  const keys = (r: { items: { key: string }[] }) => r.items.map((i) => i.key);

  it('lists and counts every match of a rare term, with filters and a second term', async () => {
    const rare = (w: Written) => w.words.includes('rare-host');
    const r = await s.searchDetections({ q: 'rare-host', limit: 1000 });
    expect(r.totalCapped).toBeUndefined();
    expect(r.total).toBe(expected(rare).length);
    expect(keys(r)).toEqual(expected(rare));

    const f = await s.searchDetections({ q: 'rare-host scan', severity: 3, instance: 'prod', limit: 1000 });
    const want = expected(
      (w) => rare(w) && w.words.startsWith('scan') && w.severity >= 3 && w.instance === 'prod',
    );
    expect(want.length).toBeGreaterThan(0);
    expect(f.total).toBe(want.length);
    expect(keys(f)).toEqual(want);
    expect(keys(await s.searchDetections({ q: 'rare-host', limit: 10, offset: 20 }))).toEqual(
      expected(rare).slice(20, 30),
    );
  });

  it('lists a common word newest first and counts it up to the cap, saying the total is a lower bound', async () => {
    const all = expected(() => true);
    const r = await s.searchDetections({ q: 'common', limit: 100 });
    expect(r).toMatchObject({ total: COUNT_CAP, totalCapped: true });
    expect(keys(r)).toEqual(all.slice(0, 100));
    // Pages past the cap still come, in order.
    const deep = await s.searchDetections({ q: 'activity', limit: 50, offset: COUNT_CAP + 100 });
    expect(deep.totalCapped).toBe(true);
    expect(keys(deep)).toEqual(all.slice(COUNT_CAP + 100, COUNT_CAP + 150));
    // A common word whose matches, filtered, stay under the cap is counted exactly.
    const critical = expected((w) => w.severity === 5);
    const b = await s.searchDetections({ q: 'common', severity: 5, limit: 1000 });
    expect(b.totalCapped).toBeUndefined();
    expect(b.total).toBe(critical.length);
    expect(keys(b)).toEqual(critical.slice(0, 1000));
  });

  it('charts what both plans find: the histogram counts every match', async () => {
    const sum = (h: { buckets: { counts: number[] }[] }) =>
      h.buckets.reduce((n, x) => n + x.counts.reduce((a, c) => a + c, 0), 0);
    expect(sum(await s.detectionStats.histogram({ q: 'rare-host' }))).toBe(
      expected((w) => w.words.includes('rare-host')).length,
    );
    expect(sum(await s.detectionStats.histogram({ q: 'common' }))).toBe(N);
    expect(sum(await s.detectionStats.histogram({ q: 'scan', instance: 'lab' }))).toBe(
      expected((w) => w.words.startsWith('scan') && w.instance === 'lab').length,
    );
  });

  // How the database runs each plan: a second connection to the same data builds the plan's query
  // (src/store/search.ts) and asks the database to explain it. The plans differ by dialect, so do the checks.
  it('reads a rare term from its indexes and a common word along the time index', async () => {
    const conn: Conn =
      dialect === 'sqlite'
        ? openSqliteConn(s.path, () => {})
        : (() => {
            const url = t.urlOf(dir)!;
            const { pool, kysely } = openPostgres(url, { max: 1 });
            return postgresConn(url, pool, kysely, () => {});
          })();
    try {
      const explain = async (q: Compilable<unknown>) => {
        const c = q.compile();
        const prefix = dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
        const rows = await conn.x.all<Record<string, string>>({
          compile: () => ({ ...c, sql: prefix + c.sql }),
        });
        return rows.map((r) => r.detail ?? r['QUERY PLAN']).join('\n');
      };
      const rare = (await textPlan(conn, { q: 'rare-host' }))!;
      const common = (await textPlan(conn, { q: 'common' }))!;
      expect([rare.fromCandidates, common.fromCandidates]).toEqual([true, false]);
      const newest = (b: typeof common.base) =>
        b
          .orderBy('h.event_time', 'desc')
          .orderBy('h.seq', 'desc')
          .select('h.seq')
          .limit(COUNT_CAP + 1);
      if (dialect === 'sqlite') {
        // Newest first without sorting the matches: the time index is read backwards, the limit stops
        // it, and only ties of one event time are sorted.
        const plan = await explain(newest(common.base));
        expect(plan).toMatch(/SCAN h USING (COVERING )?INDEX detection_heads_time_text/);
        expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
        return;
      }
      // PostgreSQL: a term's words (a version's own, a description's) can be read from the GIN indexes. At this size a sequential scan is cheaper, so the planner is told to avoid one: the
      // test is that the queries are shaped so that the indexes can answer them (no function around a
      // column, the same tsquery on every column) at the sizes where they pay.
      const term = conn.text.terms('rare-host')![0];
      await conn.x.transaction(async () => {
        await conn.x.run(raw('SET LOCAL enable_seqscan = off'));
        const own = await explain({ compile: () => conn.text.versionsMatching(term).compile(conn.k) });
        expect(own).toMatch(/Bitmap Index Scan on detections_fts_words/);
        const described = await explain(
          conn.k
            .selectFrom('detection_heads')
            .select('seq')
            .where('description_id', 'in', conn.text.descriptionsMatching(conn.text.terms('activity')![0])),
        );
        expect(described).toMatch(/Index Scan on descriptions_fts_words/);
      });
    } finally {
      await conn.close();
    }
  });
});
