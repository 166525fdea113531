// The versioned migrations on PostgreSQL: the same list as SQLite's brings an empty database to the
// latest schema, twice is a no-op, and the counting trigger keeps detection_counts as SQLite's does.
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATION_NAMES, migrateToLatest } from '../../src/store/migrations.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { type TestDatabase, testDatabase } from '../helpers/postgres.ts';

const db: TestDatabase | undefined = await testDatabase('migrate');

describe.skipIf(!db)('migrations on PostgreSQL', () => {
  const { kysely } = db ? openPostgres(db.url) : ({} as ReturnType<typeof openPostgres>);
  afterAll(async () => {
    await kysely?.destroy();
    await db?.drop();
  });

  it('applies every migration once, in order', async () => {
    expect(await migrateToLatest(kysely)).toEqual(MIGRATION_NAMES);
    expect(await migrateToLatest(kysely)).toEqual([]);
    const tables = await sql<{ t: string }>`SELECT table_name AS t FROM information_schema.tables
      WHERE table_schema = 'public' ORDER BY 1`.execute(kysely);
    expect(tables.rows.map((r) => r.t)).toEqual(
      expect.arrayContaining([
        'detections',
        'detection_heads',
        'detections_fts',
        'descriptions_fts',
        'detection_counts',
      ]),
    );
  });

  it('numbers seqs and description ids itself, and counts heads per hour as they come, change and go', async () => {
    const head = (key: string, seq: number, severity: number, acknowledged: number) =>
      sql`INSERT INTO detection_heads (key, seq, version, hash, instance, family, severity, event_time, acknowledged)
          VALUES (${key}, ${seq}, 1, 'h', 'a', 'modelbreach', ${severity}, ${7_200_000 + seq}, ${acknowledged})`.execute(
        kysely,
      );
    await head('a/modelbreach/1', 1, 3, 0);
    await head('a/modelbreach/2', 2, 3, 0);
    await sql`UPDATE detection_heads SET acknowledged = 1 WHERE key = 'a/modelbreach/2'`.execute(kysely);
    await head('a/modelbreach/3', 3, 5, 0);
    await sql`DELETE FROM detection_heads WHERE key = 'a/modelbreach/3'`.execute(kysely);
    const counts = await sql<{ hour: number; severity: number; acknowledged: number; n: number }>`
      SELECT hour, severity, acknowledged, n FROM detection_counts WHERE n <> 0 ORDER BY 1, 2, 3`.execute(
      kysely,
    );
    expect(counts.rows).toEqual([
      { hour: 2, severity: 3, acknowledged: 0, n: 1 },
      { hour: 2, severity: 3, acknowledged: 1, n: 1 },
    ]);
    // One upsert that updates one head (acknowledging it) and inserts two, as an append's batch does,
    // then an update that changes no counted column: each statement is counted once, in groups.
    await sql`INSERT INTO detection_heads (key, seq, version, hash, instance, family, severity, event_time, acknowledged)
      VALUES ('a/modelbreach/1', 4, 2, 'h2', 'a', 'modelbreach', 3, 7200001, 1),
             ('a/modelbreach/5', 5, 1, 'h', 'a', 'modelbreach', 3, 7200005, 0),
             ('a/modelbreach/6', 6, 1, 'h', 'a', 'modelbreach', 4, 10800006, 0)
      ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, version = excluded.version, hash = excluded.hash,
        acknowledged = excluded.acknowledged`.execute(kysely);
    await sql`UPDATE detection_heads SET hash = 'h3'`.execute(kysely);
    const after = await sql<{ hour: number; severity: number; acknowledged: number; n: number }>`
      SELECT hour, severity, acknowledged, n FROM detection_counts WHERE n <> 0 ORDER BY 1, 2, 3`.execute(
      kysely,
    );
    expect(after.rows).toEqual([
      { hour: 2, severity: 3, acknowledged: 0, n: 1 },
      { hour: 2, severity: 3, acknowledged: 1, n: 2 },
      { hour: 3, severity: 4, acknowledged: 0, n: 1 },
    ]);
    const d = await sql<{ id: number }>`INSERT INTO descriptions (digest) VALUES ('x') RETURNING id`.execute(
      kysely,
    );
    expect(d.rows[0].id).toBe(1);
  });
});
