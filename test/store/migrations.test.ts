import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATION_NAMES, MIGRATION_TABLE } from '../../src/store/migrations.ts';
import { KEY, useTempStores } from './helpers.ts';

describe('store migrations', () => {
  const t = useTempStores();

  it('create every table on an empty file and record the version', async () => {
    const dir = t.dir();
    const s = await t.open({ dataDir: dir, secretKey: KEY });
    expect(MIGRATION_NAMES[0]).toBe('0001_initial');
    expect(s.migrations().map((m) => m.name)).toEqual(MIGRATION_NAMES);
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
    const first = a.migrations();
    await t.close(a);
    const b = await t.open({ dataDir: dir, secretKey: KEY });
    expect(b.migrations()).toEqual(first);
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

  it('create the data directory with mode 0700', async () => {
    const dir = join(t.dir(), 'nested', 'data');
    await t.open({ dataDir: dir, secretKey: KEY });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
