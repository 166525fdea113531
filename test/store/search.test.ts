import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { DIALECTS, det, KEY, useTempStores } from './helpers.ts';

const T0 = 1_700_000_000_000;
const MIN = 60_000;

describe.each(DIALECTS)('store: search (%s)', (dialect) => {
  const t = useTempStores(dialect);
  let s: Store;

  beforeEach(async () => {
    s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([
      det('1', 'a', {
        title: 'SMB Lateral Movement',
        description: 'Device scanned many internal hosts over SMB',
        hostnames: ['ws-01.corp.local'],
        ips: ['10.0.0.1', '10.0.0.2'],
        severity: 4,
        eventTime: T0,
      }),
      det('2', 'a', {
        title: 'Unusual Outbound TLS',
        description: 'Beaconing to a rare external endpoint',
        hostnames: ['db-7.corp.local'],
        ips: ['192.168.5.20'],
        severity: 2,
        eventTime: T0 + MIN,
      }),
      det('3', 'a', {
        family: 'ai_analyst',
        title: 'Possible SSL Command and Control',
        description: 'AI Analyst investigated beaconing from ws-01',
        hostnames: ['ws-01.corp.local'],
        ips: ['10.0.0.1'],
        severity: 5,
        eventTime: T0 + 2 * MIN,
        acknowledged: true,
      }),
      det('4', 'a', {
        instance: 'lab',
        title: 'Ransomware Encryption Activity',
        hostnames: ['lab-fs'],
        ips: ['172.16.0.9'],
        severity: 5,
        eventTime: T0 + 3 * MIN,
      }),
    ]);
  });

  const keys = (r: { items: { key: string }[] }) => r.items.map((i) => i.key);

  it('lists the latest version of every key, newest event first', async () => {
    const r = await s.searchDetections({});
    expect(r.total).toBe(4);
    expect(keys(r)).toEqual([
      'lab/model_breach/4',
      'prod/ai_analyst/3',
      'prod/model_breach/2',
      'prod/model_breach/1',
    ]);
    expect(r.items[0]).not.toHaveProperty('raw');
  });

  it('searches title, description, hostname and IP', async () => {
    expect(keys(await s.searchDetections({ q: 'lateral' }))).toEqual(['prod/model_breach/1']);
    expect(keys(await s.searchDetections({ q: 'beaconing' }))).toEqual([
      'prod/ai_analyst/3',
      'prod/model_breach/2',
    ]);
    expect(keys(await s.searchDetections({ q: 'db-7.corp.local' }))).toEqual(['prod/model_breach/2']);
    expect(keys(await s.searchDetections({ q: '10.0.0.2' }))).toEqual(['prod/model_breach/1']);
    expect(keys(await s.searchDetections({ q: '172.16.0.9' }))).toEqual(['lab/model_breach/4']);
    // Every term must match; terms match as prefixes.
    expect(keys(await s.searchDetections({ q: 'ws-01 command' }))).toEqual(['prod/ai_analyst/3']);
    expect(keys(await s.searchDetections({ q: 'ransom' }))).toEqual(['lab/model_breach/4']);
    expect(keys(await s.searchDetections({ q: 'ws-0' }))).toEqual([
      'prod/ai_analyst/3',
      'prod/model_breach/1',
    ]);
    expect((await s.searchDetections({ q: 'nothing-like-this' })).total).toBe(0);
    // A whole IP matches exactly; a partial one is a prefix.
    await s.appendDetections([det('5', 'a', { title: 'Other', ips: ['10.0.0.15'], eventTime: T0 - MIN })]);
    expect(keys(await s.searchDetections({ q: '10.0.0.1' }))).toEqual([
      'prod/ai_analyst/3',
      'prod/model_breach/1',
    ]);
    expect(keys(await s.searchDetections({ q: '10.0.0.1 lateral' }))).toEqual(['prod/model_breach/1']);
    expect((await s.searchDetections({ q: '10.0.0' })).total).toBe(3);
  });

  it('indexes each distinct description once, and still requires every term', async () => {
    const same = 'Device scanned many internal hosts over SMB';
    await s.appendDetections([
      det('6', 'a', { title: 'SMB Lateral Movement', description: same, hostnames: ['ws-02.corp.local'] }),
      det('7', 'a', { title: 'SMB Lateral Movement', description: same, hostnames: ['ws-03.corp.local'] }),
    ]);
    const [{ n }] = await t.sql(s, 'SELECT count(*) AS n FROM descriptions');
    expect(Number(n)).toBe(3); // beforeEach's three (the fourth has none); `same` is the first one's
    expect((await s.searchDetections({ q: 'scanned' })).total).toBe(3);
    // One term in the description, the other in the hostname.
    expect(keys(await s.searchDetections({ q: 'scanned ws-03' }))).toEqual(['prod/model_breach/7']);
    expect((await s.searchDetections({ q: 'scanned beaconing' })).total).toBe(0);
  });

  it('treats FTS syntax in the query as plain text', async () => {
    for (const q of ['"', 'AND', 'NEAR(', '*', 'title:smb', '-', '(((', "'; DROP TABLE detections; --"]) {
      await expect(s.searchDetections({ q })).resolves.not.toThrow();
    }
    expect((await s.searchDetections({ q: '***' })).total).toBe(0);
    expect(keys(await s.searchDetections({ q: '"SMB"' }))).toEqual(['prod/model_breach/1']);
  });

  it('filters by instance, family, minimum severity, time range and acknowledged', async () => {
    expect(keys(await s.searchDetections({ instance: 'lab' }))).toEqual(['lab/model_breach/4']);
    expect(keys(await s.searchDetections({ family: 'ai_analyst' }))).toEqual(['prod/ai_analyst/3']);
    expect(keys(await s.searchDetections({ severity: 4 }))).toEqual([
      'lab/model_breach/4',
      'prod/ai_analyst/3',
      'prod/model_breach/1',
    ]);
    expect(keys(await s.searchDetections({ from: T0 + MIN, to: T0 + 2 * MIN }))).toEqual([
      'prod/ai_analyst/3',
      'prod/model_breach/2',
    ]);
    expect(keys(await s.searchDetections({ acknowledged: true }))).toEqual(['prod/ai_analyst/3']);
    expect((await s.searchDetections({ acknowledged: false })).total).toBe(3);
    expect(keys(await s.searchDetections({ q: 'ws-01', instance: 'prod', severity: 5 }))).toEqual([
      'prod/ai_analyst/3',
    ]);
  });

  it('reports the total beside a limited page', async () => {
    const p1 = await s.searchDetections({ limit: 3 });
    const p2 = await s.searchDetections({ limit: 3, offset: 3 });
    expect(p1.total).toBe(4);
    expect(p1.items).toHaveLength(3);
    expect(p2.total).toBe(4);
    expect(keys(p2)).toEqual(['prod/model_breach/1']);
    expect(await s.searchDetections({ limit: 2, offset: 10 })).toEqual({ items: [], total: 4 });
  });

  it('ignores NaN filters and paging values (as parsed from an empty query string)', async () => {
    const r = await s.searchDetections({
      severity: Number.NaN,
      from: Number.NaN,
      to: Number.NaN,
      limit: Number.NaN,
      offset: Number.NaN,
    });
    expect(r.total).toBe(4);
    expect(r.items).toHaveLength(4);
  });

  it('matches only the latest version of a key', async () => {
    await s.appendDetections([
      det('1', 'b', {
        title: 'SMB Lateral Movement (acknowledged)',
        description: 'Now with a different wording',
        hostnames: ['ws-99.corp.local'],
        ips: ['10.9.9.9'],
        severity: 4,
        eventTime: T0,
        acknowledged: true,
      }),
    ]);
    expect((await s.searchDetections({})).total).toBe(4);
    expect((await s.searchDetections({ q: '10.0.0.2' })).total).toBe(0); // only in version 1
    expect((await s.searchDetections({ q: 'scanned' })).total).toBe(0);
    const r = await s.searchDetections({ q: 'ws-99' });
    expect(r.items.map((i) => [i.key, i.version, i.acknowledged])).toEqual([
      ['prod/model_breach/1', 2, true],
    ]);
    expect(keys(await s.searchDetections({ acknowledged: true }))).toEqual([
      'prod/ai_analyst/3',
      'prod/model_breach/1',
    ]);
  });
});
