import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../src/read/index.ts';
import { MIGRATION_NAMES, MIGRATION_TABLE, migrateToLatest } from '../../src/store/migrations.ts';
import { fixturesDir } from '../helpers/fixtures.ts';
import { KEY, useTempStores } from './helpers.ts';

describe('store migrations', () => {
  const t = useTempStores();

  it('create every table on an empty file and record the version', async () => {
    const dir = t.dir();
    const s = await t.open({ dataDir: dir, secretKey: KEY });
    expect(MIGRATION_NAMES[0]).toBe('0001_initial');
    expect((await s.migrations()).map((m) => m.name)).toEqual(MIGRATION_NAMES);
    const db = new Database(s.path, { readonly: true });
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
    ).map((r) => r.name);
    for (const name of [
      'instances',
      'cursors',
      'detections',
      'detection_heads',
      'detections_fts',
      'sinks',
      'sink_offsets',
      'dead_letters',
      'connection_checks',
      'command_runs',
      MIGRATION_TABLE,
    ]) {
      expect(tables).toContain(name);
    }
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('are idempotent when the file is reopened', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    const first = await a.migrations();
    await t.close(a);
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    expect(await b.migrations()).toEqual(first);
    const db = new Database(b.path, { readonly: true });
    expect((db.prepare(`SELECT count(*) AS n FROM ${MIGRATION_TABLE}`).get() as { n: number }).n).toBe(
      MIGRATION_NAMES.length,
    );
    db.close();
  });

  it('refuse a file written by a newer version, saying so', async () => {
    const dir = t.dir();
    const a = await t.open({ dataDir: dir, secretKey: KEY });
    await t.close(a);
    const db = new Database(a.path);
    db.prepare(`INSERT INTO ${MIGRATION_TABLE} (name, timestamp) VALUES ('9999_from_the_future', 'x')`).run();
    db.close();
    await expect(t.open({ dataDir: dir, secretKey: KEY })).rejects.toThrow(
      'store: this data was written by a newer dtc (its migration 9999_from_the_future is unknown here)',
    );
  });

  it('upgrade a 0001 file: the stored canonical JSON gives way to `source`, rows still read whole', async () => {
    const dir = t.dir();
    const path = join(dir, 'dtc.sqlite');
    const db = new Database(path);
    const k = new Kysely<any>({ dialect: new SqliteDialect({ database: db }) });
    await migrateToLatest(k, '0001_initial');
    const raw = readFileSync(
      join(fixturesDir, 'elastic/model_breach_alert-test-model-breach-alert.log'),
      'utf8',
    ).split('\n')[0];
    const insert =
      db.prepare(`INSERT INTO detections (key, instance, family, native_id, version, hash, created_at,
      event_time, severity, title, acknowledged, canonical, raw) VALUES (?, 'dt1', 'model_breach', ?, 1, 'h', 0, 0, 3, 't', 0, ?, ?)`);
    insert.run('dt1/model_breach/1', '1', JSON.stringify({ origin: { source: 'syslog' } }), raw);
    insert.run('dt1/model_breach/2', '2', JSON.stringify({ title: 'no origin' }), raw);
    // 0001 indexed the description with the row; such rows must stay findable by it.
    db.prepare(`INSERT INTO detection_heads (key, seq, version, hash, instance, family, severity, event_time,
      acknowledged) VALUES ('dt1/model_breach/1', 1, 1, 'h', 'dt1', 'model_breach', 3, 0, 0)`).run();
    db.prepare(`INSERT INTO detections_fts (rowid, title, description, hostnames, ips)
      VALUES (1, 't', 'an older wording of the model', '', '')`).run();
    await k.destroy();

    const s = await t.open({ dataDir: dir, secretKey: KEY });
    expect((await s.migrations()).map((m) => m.name)).toEqual(MIGRATION_NAMES);
    const rows = await readModel(s).readLog(0, 10);
    expect(rows.map((r) => r.source)).toEqual(['syslog', 'api']);
    expect(rows[0].canonical).toMatchObject({ key: { instance: 'dt1', family: 'model_breach' } });
    expect((await s.searchDetections({ q: 'older wording' })).items.map((r) => r.key)).toEqual([
      'dt1/model_breach/1',
    ]);
    const check = new Database(s.path, { readonly: true });
    const cols = (check.pragma('table_info(detections)') as { name: string }[]).map((c) => c.name);
    check.close();
    expect(cols).toContain('source');
    expect(cols).not.toContain('canonical');
  });

  it('apply nothing of a migration that fails half-way, so the next open can still run it', async () => {
    // What kill -9 during a first start did (found by `npm run soak`): 0002 added `source`, died before
    // recording itself, and every later open failed with "duplicate column name: source". Here the
    // failure is made deterministic: an index on `canonical` makes 0002's last statement (the drop) fail.
    const dir = t.dir();
    const path = join(dir, 'dtc.sqlite');
    const db = new Database(path);
    const k = new Kysely<any>({ dialect: new SqliteDialect({ database: db }) });
    await migrateToLatest(k, '0001_initial');
    await k.destroy();
    const before = new Database(path);
    before.exec('CREATE INDEX blocks_the_drop ON detections (canonical)');
    before.close();
    await expect(t.open({ dataDir: dir, secretKey: KEY })).rejects.toThrow(/0002_derive_canonical failed/);
    const after = new Database(path);
    const cols = (after.pragma('table_info(detections)') as { name: string }[]).map((c) => c.name);
    const done = after.prepare(`SELECT name FROM ${MIGRATION_TABLE}`).all() as { name: string }[];
    expect(cols).not.toContain('source');
    expect(done.map((r) => r.name)).toEqual(['0001_initial']);
    after.exec('DROP INDEX blocks_the_drop');
    after.close();
    const s = await t.open({ dataDir: dir, secretKey: KEY });
    expect((await s.migrations()).map((m) => m.name)).toEqual(MIGRATION_NAMES);
  });

  it('create the data directory with mode 0700', async () => {
    const dir = join(t.dir(), 'nested', 'data');
    await t.open({ dataDir: dir, secretKey: KEY });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
