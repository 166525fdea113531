// Each instance's live status shared through the store (migration 0018): the replica polling an
// instance writes it, every replica reads it. Two handles on one store stand for two replicas.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { FencedError, underFence } from '../../src/store/fence.ts';
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

  it.runIf(dialect === 'postgres')(
    "refuses a stale holder's write under its fence: the new holder's status stays",
    async () => {
      const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
      await sql`insert into cluster_leases (resource, owner, token, expires_at)
                values ('instance:lab', 'replica-a', 5, now() + interval '1 minute')`.execute(s.kysely);
      const a = { resource: 'instance:lab', token: 5 };
      await underFence(a, () => s.instanceStatus.put('lab', 'replica-a', { name: 'lab', state: 'ok' }, T0));
      // Replica b takes the instance over and writes; a, woken from a pause, tries to write after it.
      await sql`update cluster_leases set owner = 'replica-b', token = 6 where resource = 'instance:lab'`.execute(
        s.kysely,
      );
      await underFence({ resource: 'instance:lab', token: 6 }, () =>
        s.instanceStatus.put('lab', 'replica-b', { name: 'lab', state: 'degraded' }, T0 + 2),
      );
      await expect(
        underFence(a, () =>
          s.instanceStatus.put('lab', 'replica-a', { name: 'lab', state: 'failing' }, T0 + 3),
        ),
      ).rejects.toBeInstanceOf(FencedError);
      expect(await s.instanceStatus.get('lab')).toEqual({
        instance: 'lab',
        replica: 'replica-b',
        status: { name: 'lab', state: 'degraded' },
        updatedAt: T0 + 2,
      });
    },
  );
});
