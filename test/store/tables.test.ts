import { describe, expect, it } from 'vitest';
import { DIALECTS, det, KEY, useTempStores } from './helpers.ts';

describe.each(DIALECTS)('store: cursors, sinks, dead letters, checks, command runs (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('cursors keep JSON state per instance and stream, across a reopen', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    expect(await a.cursors.get('prod', 'breaches')).toBeUndefined();
    await a.cursors.set('prod', 'breaches', { windows: [{ start: 0, end: 10 }] });
    await a.cursors.set('prod', 'breaches', { windows: [{ start: 0, end: 20 }] });
    await a.cursors.set('prod', 'aia', { windows: [] });
    await t.close(a);
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    expect(await b.cursors.get('prod', 'breaches')).toEqual({ windows: [{ start: 0, end: 20 }] });
    expect((await b.cursors.list('prod')).map((c) => c.stream)).toEqual(['aia', 'breaches']);
  });

  it('sinks and offsets: 0 before the first delivery, errors remembered, offset kept on config change', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.appendDetections([det('1', 'a'), det('2', 'a'), det('3', 'a')]);
    await s.sinks.set('splunk', { type: 'hec', url: 'http://127.0.0.1:8088' });
    expect(await s.sinkOffsets.get('splunk')).toBe(0);
    await s.sinkOffsets.recordError('splunk', '503 Service Unavailable');
    expect(await s.sinkOffsets.status('splunk')).toMatchObject({
      seq: 0,
      lastError: '503 Service Unavailable',
    });
    const batch = await s.readLog(await s.sinkOffsets.get('splunk'), 2);
    await s.sinkOffsets.set('splunk', batch[batch.length - 1].seq);
    expect(await s.sinkOffsets.get('splunk')).toBe(2);
    expect((await s.readLog(await s.sinkOffsets.get('splunk'), 10)).map((r) => r.seq)).toEqual([3]);
    await s.sinks.set('splunk', { type: 'hec', url: 'http://127.0.0.1:9999' });
    expect((await s.sinks.get('splunk'))?.config).toEqual({ type: 'hec', url: 'http://127.0.0.1:9999' });
    expect(await s.sinkOffsets.get('splunk')).toBe(2);
    await s.sinkOffsets.set('splunk', 0); // reset offset: replay
    expect(await s.readLog(await s.sinkOffsets.get('splunk'), 10)).toHaveLength(3);
    expect((await s.sinks.list()).map((x) => x.name)).toEqual(['splunk']);
    expect(await s.sinks.remove('splunk')).toBe(true);
    expect(await s.sinkOffsets.status('splunk')).toBeUndefined();
  });

  it('dead letters keep what, why and when, newest first', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const t0 = Date.now(); // recent: older ones would be past the retention age and deleted
    await s.deadLetters.add({
      source: 'syslog:tcp 127.0.0.1',
      reason: 'unknown family',
      payload: '<13>hello',
      at: t0 + 1,
    });
    await s.deadLetters.add({
      source: 'poll:demo',
      instance: 'demo',
      reason: 'no pbid',
      payload: '{}',
      at: t0 + 2,
    });
    expect(await s.deadLetters.count()).toBe(2);
    expect((await s.deadLetters.list(10)).map((d) => [d.source, d.instance, d.reason, d.at])).toEqual([
      ['poll:demo', 'demo', 'no pbid', t0 + 2],
      ['syslog:tcp 127.0.0.1', null, 'unknown family', t0 + 1],
    ]);
    expect((await s.deadLetters.list(1, 1))[0].payload).toBe('<13>hello');
  });

  it('connection checks per instance, newest first', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.connectionChecks.add({ instance: 'prod', ok: true, latencyMs: 40, at: 1 });
    await s.connectionChecks.add({ instance: 'prod', ok: false, error: '401 API SIGNATURE ERROR', at: 2 });
    await s.connectionChecks.add({ instance: 'lab', ok: true, latencyMs: 5, at: 3 });
    expect((await s.connectionChecks.list('prod')).map((c) => [c.ok, c.latencyMs, c.error])).toEqual([
      [false, null, '401 API SIGNATURE ERROR'],
      [true, 40, null],
    ]);
    expect(await s.connectionChecks.list('prod', 1)).toHaveLength(1);
  });

  it('command runs are audited without secrets in their parameters', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    await s.commandRuns.add({
      who: 'cli:alice',
      instance: 'prod',
      command: 'breach.acknowledge',
      params: { pbid: 42, privateToken: 'x', nested: { apiKey: 'y', password: 'z' }, note: 'fine' },
      outcome: 'ok',
      summary: 'acknowledged 1 breach',
    });
    await s.commandRuns.add({ who: 'api', command: 'devices.tag', outcome: 'partial' });
    const [last, first] = await s.commandRuns.list(10);
    expect(last).toMatchObject({ who: 'api', command: 'devices.tag', params: {}, instance: null });
    expect(first.params).toEqual({
      pbid: 42,
      privateToken: '[REDACTED]',
      nested: { apiKey: '[REDACTED]', password: '[REDACTED]' },
      note: 'fine',
    });
    expect(await s.commandRuns.list(10, { instance: 'prod' })).toHaveLength(1);
  });

  it('lists names in the same order on both databases: bytes, capitals first', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    for (const name of ['demo', 'Lab', 'ws-2', 'ws1'])
      await s.instances.add({ name, url: 'https://dt.example', publicToken: 'p', privateToken: 'q' });
    const bytes = ['Lab', 'demo', 'ws-2', 'ws1'];
    expect((await s.instances.list()).map((i) => i.name)).toEqual(bytes);
    for (const name of ['demo', 'Lab', 'ws-2', 'ws1']) {
      await s.sinks.set(name, { type: 'hec', url: 'http://127.0.0.1:8088' });
      await s.sinkOffsets.set(name, 1);
      await s.cursors.set('prod', name, {});
    }
    expect((await s.sinks.list()).map((x) => x.name)).toEqual(bytes);
    expect((await s.sinkOffsets.list()).map((x) => x.sink)).toEqual(bytes);
    expect((await s.cursors.list('prod')).map((c) => c.stream)).toEqual(bytes);
  });
});
