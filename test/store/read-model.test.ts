// The read model (src/read/) over a real store: canonical detections derived from the stored text, a
// bounded cache that never serves a stale link or an old version, and a sink's filter applied in the
// store's query with an offset that moves past the rows it refused and loses none.
import { describe, expect, it } from 'vitest';
import { ReadModel, readModel } from '../../src/read/index.ts';
import type { LogFilter, Store } from '../../src/store/index.ts';
import { DIALECTS, det, KEY, useTempStores } from './helpers.ts';

describe.each(DIALECTS)('read model: the cache (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('keeps at most its size, least recently used out first', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections(Array.from({ length: 20 }, (_, i) => det(String(i + 1), 'a')));
    const m = new ReadModel(s, { cacheRows: 5 });
    expect((await m.readLog(0, 20)).every((r) => r.canonical)).toBe(true);
    expect(m.cacheStats()).toMatchObject({ rows: 5, max: 5, hits: 0, misses: 20 });
    // The last five are cached: reading them again derives nothing.
    await m.readLog(15, 5);
    expect(m.cacheStats()).toMatchObject({ rows: 5, hits: 5, misses: 20 });
    // Touching seq 16 makes 17 the least recently used: reading seq 1 evicts 17, not 16.
    await m.getDetection(16);
    await m.getDetection(1);
    expect(m.cacheStats()).toMatchObject({ rows: 5, hits: 6, misses: 21 });
    await m.getDetection(16);
    expect(m.cacheStats().hits).toBe(7);
    await m.getDetection(17);
    expect(m.cacheStats()).toMatchObject({ rows: 5, hits: 7, misses: 22 });
    // A cached row reads the same as a derived one.
    const fresh = new ReadModel(s, { cacheRows: 0 });
    expect(await m.readLog(15, 5)).toEqual(await fresh.readLog(15, 5));
    expect(fresh.cacheStats().rows).toBe(0);
  });

  it('derives again when the instance URL changed, so links follow the instance', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.instances.add({
      name: 'prod',
      url: 'https://old.example.com',
      publicToken: 'p',
      privateToken: 'q',
    });
    await s.appendDetections([det('1', 'a')]);
    const m = readModel(s);
    expect(readModel(s)).toBe(m); // one per store: the API, MCP and the sinks share its cache
    expect((await m.getDetection(1))!.canonical!.url).toBe('https://old.example.com/#modelbreach/1');
    expect((await m.getDetection(1))!.canonical!.url).toBe('https://old.example.com/#modelbreach/1');
    expect(m.cacheStats()).toMatchObject({ hits: 1, misses: 1 });
    await s.instances.update('prod', { url: 'https://new.example.com' });
    expect((await m.getDetection(1))!.canonical!.url).toBe('https://new.example.com/#modelbreach/1');
    expect(m.cacheStats()).toMatchObject({ hits: 1, misses: 2 });
    // The listing reads the row derived with the new URL from the cache.
    expect((await m.searchDetections({})).items[0].canonical!.url).toBe(
      'https://new.example.com/#modelbreach/1',
    );
    expect(m.cacheStats()).toMatchObject({ hits: 2, misses: 2 });
  });

  it('serves the new version of a detection by key as soon as it is stored', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const m = readModel(s);
    // The title in the canonical detection comes from the record's model name.
    const first = det('7', 'a').raw.replace('Breach 7', 'Model one');
    await s.appendDetections([det('8', 'a', { raw: first })]);
    expect((await m.getDetection('prod/model_breach/8'))!.canonical!.title).toMatch(/Model one/);
    const second = first.replace('Model one', 'Model two');
    await s.appendDetections([det('8', 'b', { raw: second })]);
    const d = (await m.getDetection('prod/model_breach/8'))!;
    expect(d.version).toBe(2);
    expect(d.canonical!.title).toMatch(/Model two/);
    expect(d.versions.map((v) => v.version)).toEqual([1, 2]);
    // The first version is still itself.
    expect((await m.getDetection(d.versions[0].seq))!.canonical!.title).toMatch(/Model one/);
  });

  it('keeps a row the normaliser refuses readable, with its problem', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([det('1', 'a', { raw: 'not json at all' })]);
    const [r] = await readModel(s).readLog(0, 1);
    expect(r.canonical).toBeNull();
    expect(r.problem).toMatch(/normaliser cannot read this stored record/);
    expect(r.raw).toBe('not json at all');
  });
});

describe.each(DIALECTS)('store: a sink filter in the log query (%s)', (dialect) => {
  const t = useTempStores(dialect);

  /** A sink's loop over scanLog: every row it was given, and where its offset ended. */
  async function drain(s: Store, filter: LogFilter, batch: number, from = 0) {
    let offset = from;
    const seen: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const { rows, through } = await readModel(s).scanLog(offset, batch, filter);
      if (through <= offset) break;
      for (const r of rows) {
        expect(r.canonical).toBeTruthy();
        seen.push(r.seq);
      }
      offset = through;
    }
    return { seen, offset };
  }

  it('returns only the rows the filter keeps, and `through` moves past the others', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([
      det('1', 'a', { instance: 'a' }),
      det('2', 'a', { instance: 'b', severity: 4 }),
      det('3', 'a', { instance: 'a' }),
      det('4', 'a', { instance: 'b', severity: 1 }),
      det('5', 'a', { instance: 'a' }),
      det('6', 'a', { instance: 'a' }),
    ]);
    const only = await s.scanLog(0, 10, { instances: ['b'] });
    expect(only.rows.map((r) => r.seq)).toEqual([2, 4]);
    // Nothing after 4 is b's: the scan examined through the end of the log.
    expect(only.through).toBe(6);
    expect(only.rows[0].raw).toContain('"pbid":2');
    // A full batch stops at its last row: what lies beyond was not examined.
    expect(await s.scanLog(0, 1, { instances: ['b'] })).toMatchObject({ rows: [{ seq: 2 }], through: 2 });
    expect((await s.scanLog(0, 10, { instances: ['b'], minSeverity: 3 })).rows.map((r) => r.seq)).toEqual([
      2,
    ]);
    expect(await s.scanLog(0, 10, { families: ['ai_analyst'] })).toEqual({ rows: [], through: 6 });
    expect(await s.scanLog(6, 10)).toEqual({ rows: [], through: 6 });
  });

  it('loses nothing: a sink draining in small batches while rows arrive gets every row it keeps once', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const filter: LogFilter = { instances: ['keep'], minSeverity: 2 };
    const all: number[] = [];
    let offset = 0;
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 37 }, (_, i) => {
        const n = round * 37 + i;
        return det(String(n + 1), 'a', { instance: n % 3 ? 'keep' : 'other', severity: n % 5 });
      });
      await s.appendDetections(batch);
      const r = await drain(s, filter, 4, offset);
      all.push(...r.seen);
      offset = r.offset;
      expect(offset).toBe(await s.maxSeq());
    }
    const want = (await s.readLog(0, 10_000, { content: false }))
      .filter((r) => r.instance === 'keep' && r.severity >= 2)
      .map((r) => r.seq);
    expect(want.length).toBeGreaterThan(100);
    expect(all).toEqual(want);
  });
});
