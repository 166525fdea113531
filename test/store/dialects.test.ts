// The store on each database it runs on: the same calls give the same answers on SQLite and on
// PostgreSQL (a real server; skipped with one line without one, except under CI=true).
import { describe, expect, it } from 'vitest';
import { APPEND_LOCK_KEY, openPostgres } from '../../src/store/postgres.ts';
import { DIALECTS, det, KEY, useTempStores } from './helpers.ts';

describe.each(DIALECTS)('store on %s', (dialect) => {
  const t = useTempStores(dialect);

  it('appends once per version, searches, reads the log in order and keeps encrypted tokens', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const first = await s.appendDetections([
      det('1', 'a', { title: 'SMB Lateral Movement', hostnames: ['ws-01.corp'], ips: ['10.0.0.1'] }),
      det('2', 'a', { title: 'Unusual Outbound TLS', ips: ['10.0.0.15'], severity: 5 }),
    ]);
    expect(first).toMatchObject({ newKeys: 2, updated: 0, duplicates: 0 });
    expect(first.inserted.map((r) => r.seq)).toEqual([1, 2]);
    const second = await s.appendDetections([
      det('1', 'a'),
      det('1', 'b', { title: 'SMB Lateral Movement v2', hostnames: ['ws-01.corp'], ips: ['10.0.0.1'] }),
    ]);
    expect(second).toMatchObject({ newKeys: 0, updated: 1, duplicates: 1 });
    expect(second.inserted).toEqual([{ seq: 3, key: 'prod/model_breach/1', version: 2 }]);

    const titles = async (q: string) => (await s.searchDetections({ q })).items.map((i) => i.title);
    expect(await titles('lateral')).toEqual(['SMB Lateral Movement v2']);
    expect(await titles('ws-0')).toEqual(['SMB Lateral Movement v2']);
    expect(await titles('10.0.0.1')).toEqual(['SMB Lateral Movement v2']);
    expect((await titles('10.0.0')).sort()).toEqual(['SMB Lateral Movement v2', 'Unusual Outbound TLS']);
    expect(await titles('outbound tls')).toEqual(['Unusual Outbound TLS']);
    expect(await titles('nothing-like-it')).toEqual([]);
    expect((await s.searchDetections({ severity: 5 })).items.map((i) => i.key)).toEqual([
      'prod/model_breach/2',
    ]);

    expect([await s.countDetections(), await s.countKeys(), await s.maxSeq()]).toEqual([3, 2, 3]);
    expect((await s.getDetection('prod/model_breach/1'))?.versions.map((v) => v.version)).toEqual([1, 2]);
    expect((await s.readLog(1, 10)).map((r) => [r.seq, r.version])).toEqual([
      [2, 1],
      [3, 2],
    ]);
    expect((await s.scanLog(0, 10, { minSeverity: 5 })).rows.map((r) => r.seq)).toEqual([2]);

    await s.instances.add({
      name: 'prod',
      url: 'https://dt.example',
      publicToken: 'pub',
      privateToken: 'hunter2',
    });
    expect(await s.instances.get('prod')).toMatchObject({ name: 'prod', publicToken: 'pub' });
    expect(await s.instances.privateToken('prod')).toBe('hunter2');
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
