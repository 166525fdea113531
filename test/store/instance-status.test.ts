// Each instance's live status shared through the store (migration 0018): the replica polling an
// instance writes it, every replica reads it. Two handles on one store stand for two replicas.
import { describe, expect, it } from 'vitest';
import { DIALECTS, KEY, useTempStores } from './helpers.ts';

const T0 = 1_700_000_000_000;

describe.each(DIALECTS)('store: instance status (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('keeps one status per instance, the last written, and who wrote it, for every handle', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    expect(await b.instanceStatus.get('lab')).toBeUndefined();
    expect(await b.instanceStatus.list()).toEqual([]);

    const first = {
      name: 'lab',
      state: 'failing',
      lastError: 'connection refused',
      recentErrors: [{ at: '2023-11-14T22:13:20.000Z', error: 'connection refused' }],
      streams: { modelbreaches: { state: 'failing', reason: 'connection refused' } },
      totals: { modelBreaches: 0, new: 0 },
    };
    await a.instanceStatus.put('lab', 'replica-a', first, T0);
    expect(await b.instanceStatus.get('lab')).toEqual({
      instance: 'lab',
      replica: 'replica-a',
      status: first,
      updatedAt: T0,
    });

    // Another replica took the instance over: its write replaces the row, writer included.
    const next = { ...first, state: 'ok', lastSuccessAt: '2023-11-14T22:14:20.000Z', totals: { new: 12 } };
    await b.instanceStatus.put('lab', 'replica-b', next, T0 + 60_000);
    await b.instanceStatus.put('prod', 'replica-a', { name: 'prod', state: 'degraded' }, T0 + 1);
    expect(await a.instanceStatus.get('lab')).toEqual({
      instance: 'lab',
      replica: 'replica-b',
      status: next,
      updatedAt: T0 + 60_000,
    });
    expect(await a.instanceStatus.list()).toEqual([
      { instance: 'lab', replica: 'replica-b', status: next, updatedAt: T0 + 60_000 },
      {
        instance: 'prod',
        replica: 'replica-a',
        status: { name: 'prod', state: 'degraded' },
        updatedAt: T0 + 1,
      },
    ]);
    expect(Number((await t.sql(a, 'SELECT count(*) AS n FROM instance_status'))[0].n)).toBe(2);
  });
});
