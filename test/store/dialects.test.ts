// The store on each database it runs on: the same calls give the same answers on SQLite and on
// PostgreSQL (a real server; skipped with one line without one, except under CI=true).
import { describe, expect, it } from 'vitest';
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
