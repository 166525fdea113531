import { describe, expect, it } from 'vitest';
import { readModel } from '../../src/read/index.ts';
import { APPEND_LOCK_KEY, openPostgres } from '../../src/store/postgres.ts';
import { DIALECTS, det, KEY, useTempStores } from './helpers.ts';

describe.each(DIALECTS)('store: append log (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('stores a new key as version 1, drops an equal hash, appends a changed hash as the next version', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const a = await s.appendDetections([det('1', 'h1')]);
    expect(a).toEqual({
      inserted: [{ seq: 1, key: 'prod/model_breach/1', version: 1 }],
      duplicates: 0,
      newKeys: 1,
      updated: 0,
    });

    const dup = await s.appendDetections([det('1', 'h1', { title: 'same hash, other title' })]);
    expect(dup).toEqual({ inserted: [], duplicates: 1, newKeys: 0, updated: 0 });

    const upd = await s.appendDetections([det('1', 'h1-acked', { acknowledged: true })]);
    expect(upd.updated).toBe(1);
    expect(upd.inserted).toEqual([{ seq: 2, key: 'prod/model_breach/1', version: 2 }]);

    // Going back to an older hash is a change too: only the head counts.
    expect((await s.appendDetections([det('1', 'h1')])).inserted[0]).toMatchObject({ version: 3, seq: 3 });
    expect(await s.countDetections()).toBe(3);
    expect(await s.countKeys()).toBe(1);
    expect(await s.maxSeq()).toBe(3);
  });

  it('handles a mixed batch in one call, including a key that changes twice inside it', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([det('1', 'a'), det('2', 'a'), det('3', 'a')]);
    const r = await s.appendDetections([
      det('1', 'a'), // duplicate
      det('2', 'b'), // changed
      det('4', 'a'), // new
      det('4', 'a'), // duplicate of the row just above
      det('4', 'b'), // changed within the batch
      det('3', 'a'), // duplicate
      det('5', 'a', { instance: 'lab' }), // new, other instance
      det('5', 'a'), // same native id, other instance: a different key
    ]);
    expect(r.duplicates).toBe(3);
    expect(r.newKeys).toBe(3);
    expect(r.updated).toBe(2);
    expect(r.inserted.map((i) => [i.key, i.version])).toEqual([
      ['prod/model_breach/2', 2],
      ['prod/model_breach/4', 1],
      ['prod/model_breach/4', 2],
      ['lab/model_breach/5', 1],
      ['prod/model_breach/5', 1],
    ]);
    const seqs = r.inserted.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs[0]).toBeGreaterThan(3);
  });

  it('keeps sequence numbers strictly increasing across batches and never reuses one', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    let last = 0;
    for (let b = 0; b < 20; b++) {
      const r = await s.appendDetections(
        Array.from({ length: 25 }, (_, i) => det(String((b * 7 + i) % 60), `h${b}`)),
      );
      for (const { seq } of r.inserted) {
        expect(seq).toBeGreaterThan(last);
        last = seq;
      }
    }
    expect(await s.maxSeq()).toBe(last);
    expect(await s.countDetections()).toBe(last);
  });

  it('rolls the whole batch back when one row fails', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([det('1', 'a')]);
    const bad = det('2', 'a', { title: null as unknown as string }); // NOT NULL violation
    await expect(s.appendDetections([det('3', 'a'), bad])).rejects.toThrow();
    expect(await s.countDetections()).toBe(1);
    expect((await s.appendDetections([det('3', 'a')])).inserted[0].seq).toBeGreaterThan(1);
  });

  it('still has everything after the file is reopened', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    await a.appendDetections([det('1', 'a'), det('2', 'a'), det('1', 'b')]);
    await t.close(a);
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    expect(await b.countDetections()).toBe(3);
    expect(await b.countKeys()).toBe(2);
    expect(await b.maxSeq()).toBe(3);
    // Dedupe state survived too.
    expect((await b.appendDetections([det('1', 'b'), det('2', 'a')])).duplicates).toBe(2);
    expect((await b.appendDetections([det('2', 'c')])).inserted).toEqual([
      { seq: 4, key: 'prod/model_breach/2', version: 2 },
    ]);
    const d = (await readModel(b).getDetection('prod/model_breach/1'))!;
    expect(d.version).toBe(2);
    expect(d.canonical).toMatchObject({
      key: { instance: 'prod', family: 'model_breach', id: '1' },
      title: 'Breach 1',
      origin: { source: 'api' },
    });
    expect(d.raw).toMatchObject({ pbid: 1 });
    expect(d.versions.map((v) => [v.seq, v.version, v.hash])).toEqual([
      [1, 1, 'a'],
      [3, 2, 'b'],
    ]);
  });

  it('derives the canonical detection on read, and says so when the normaliser cannot', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.instances.add({
      name: 'prod',
      url: 'https://dt.example.com',
      publicToken: 'p',
      privateToken: 'q',
    });
    await s.appendDetections([det('1', 'a'), det('2', 'a', { raw: '{"neither":"breach nor incident"}' })]);
    const [good, bad] = await readModel(s).readLog(0, 10);
    // The record has no breachUrl: the link comes from the instance's current URL.
    expect(good.canonical).toMatchObject({ url: 'https://dt.example.com/#modelbreach/1' });
    expect(bad.canonical).toBeNull();
    expect(bad.problem).toMatch(/normaliser cannot read this stored record: .*not a model breach/);
    expect(bad.raw).toBe('{"neither":"breach nor incident"}');
    expect(
      (await readModel(s).searchDetections({})).items.map((r) => [r.nativeId, r.canonical === null]),
    ).toEqual([
      ['2', true],
      ['1', false],
    ]);
  });

  it('getDetection finds a version by seq (number or digits) and the latest by key', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([det('9', 'a'), det('9', 'b', { acknowledged: true })]);
    expect(await s.getDetection(1)).toMatchObject({ seq: 1, version: 1, acknowledged: false });
    expect(await s.getDetection('2')).toMatchObject({ seq: 2, version: 2, acknowledged: true });
    expect((await s.getDetection('prod/model_breach/9'))?.seq).toBe(2);
    expect((await s.getDetection(1))?.versions).toHaveLength(2);
    expect(await s.getDetection(99)).toBeUndefined();
    expect(await s.getDetection('prod/model_breach/nope')).toBeUndefined();
  });
});

describe.each(DIALECTS)('store: readLog (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('returns the log after an offset, in seq order, every version included', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([det('1', 'a'), det('2', 'a'), det('3', 'a')]);
    await s.appendDetections([det('2', 'b'), det('4', 'a')]);
    expect((await s.readLog(0, 100)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const after = await readModel(s).readLog(2, 2);
    expect(after.map((r) => [r.seq, r.key, r.version])).toEqual([
      [3, 'prod/model_breach/3', 1],
      [4, 'prod/model_breach/2', 2],
    ]);
    expect(after[0].raw).toMatchObject({ pbid: 3 });
    expect(after[0].canonical).toMatchObject({ uid: 'prod/model_breach/3', title: 'Breach 3' });
    const columns = (await s.readLog(2, 2, { content: false }))[0];
    expect(columns).toMatchObject({ seq: 3, source: 'api' });
    expect(columns).not.toHaveProperty('raw');
    expect(columns).not.toHaveProperty('canonical');
    // A predicate (a sink's filter) derives the content of the rows it accepts only.
    const some = await readModel(s).readLog(2, 2, { content: (r) => r.version === 2 });
    expect(some.map((r) => r.canonical !== undefined)).toEqual([false, true]);
    expect(await s.readLog(5, 10)).toEqual([]);
    expect(await s.readLog(0, 0)).toEqual([]);
  });
});

describe.each(DIALECTS)('store: two handles on one file (the service and a dtc command) (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('share dedupe state and never hand out the same seq twice', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    const seqs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = i % 2 ? a : b;
      seqs.push(
        ...(
          await s.appendDetections([det(String(i), 'a'), det(String(i - 1), 'a'), det('shared', `h${i}`)])
        ).inserted.map((r) => r.seq),
      );
    }
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(await a.maxSeq()).toBe(await b.maxSeq());
    expect(await a.countKeys()).toBe(12); // 0..9, -1 and shared
    expect((await b.getDetection('prod/model_breach/shared'))?.version).toBe(10);
    expect((await a.readLog(0, 1000)).map((r) => r.seq)).toEqual([...seqs].sort((x, y) => x - y));
  });
});

describe.each(DIALECTS)('store: one batch with a key several times (multi-row append) (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('versions them in batch order, drops an equal hash, and points the head at the last version', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([det('1', 'a')]);
    // 130 rows: more than two multi-row statements, with keys repeated inside the batch.
    const batch = [det('1', 'a'), det('1', 'b'), det('2', 'a'), det('2', 'a'), det('1', 'c')];
    for (let i = 3; i < 128; i++) batch.push(det(String(i), 'a'));
    const r = await s.appendDetections(batch);
    expect(r).toMatchObject({ duplicates: 2, newKeys: 126, updated: 2 });
    expect(r.inserted.slice(0, 3)).toEqual([
      { seq: 2, key: 'prod/model_breach/1', version: 2 },
      { seq: 3, key: 'prod/model_breach/2', version: 1 },
      { seq: 4, key: 'prod/model_breach/1', version: 3 },
    ]);
    expect(r.inserted.map((x) => x.seq)).toEqual(Array.from({ length: 128 }, (_, i) => i + 2));
    expect((await s.readLog(0, 1000)).map((x) => x.seq)).toEqual(
      Array.from({ length: 129 }, (_, i) => i + 1),
    );
    expect(await s.getDetection('prod/model_breach/1')).toMatchObject({ seq: 4, version: 3, hash: 'c' });
    expect(await s.countKeys()).toBe(127);
    expect((await s.searchDetections({ q: 'Breach 127' })).items.map((x) => x.seq)).toEqual([129]);
    // A later batch dedupes against the head the batch left.
    expect(await s.appendDetections([det('1', 'c'), det('1', 'b')])).toMatchObject({
      duplicates: 1,
      updated: 1,
    });
  });
});

// Sinks read `seq > offset`. On PostgreSQL a seq is handed out when a row is inserted but seen only when
// its transaction commits, so without care a reader could pass a lower seq that commits later and never
// come back for it. Appends take a lock first (Conn.appendLock): here a writer holds it with a row
// inserted and not committed, and another append must wait, so seqs become visible in order.
describe.skipIf(!DIALECTS.includes('postgres'))('the log on PostgreSQL with two writers', () => {
  const t = useTempStores('postgres');

  it('never lets a higher seq become visible before a lower one that commits last', async () => {
    const dir = t.dir();
    const s = await t.open({ dataDir: dir, secretKey: KEY });
    // The first writer: its own connection, the same lock the store's appends take, a row inserted.
    const { pool } = openPostgres(t.urlOf(dir)!);
    const a = await pool.connect();
    await a.query('BEGIN');
    await a.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);
    const low = (
      await a.query(
        `INSERT INTO detections (key, instance, family, native_id, version, hash, created_at, event_time, severity, title, acknowledged, raw, source)
         VALUES ('prod/model_breach/a', 'prod', 'model_breach', 'a', 1, 'h', 0, 0, 3, 'A', 0, '{}', 'api') RETURNING seq`,
      )
    ).rows[0].seq as number;
    // The second writer: a store append, which must wait for the first to commit.
    let bDone = false;
    const b = s.appendDetections([det('b', 'h')]).then((r) => {
      bDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 400));
    expect(bDone).toBe(false);
    // A reader meanwhile sees nothing past what has committed.
    expect((await s.readLog(0, 10)).map((r) => r.seq)).toEqual([]);
    await a.query('COMMIT');
    a.release();
    await pool.end();
    const high = (await b).inserted[0].seq;
    expect(high).toBeGreaterThan(low);
    expect((await s.readLog(0, 10)).map((r) => r.seq)).toEqual([low, high]);
  });
});
