// Stores for the store's tests, on either database: real SQLite files in a fresh temp directory, or a
// fresh PostgreSQL database per data directory (so a test that closes and reopens one gets its data
// back); all removed afterwards. The store suites run once per dialect with `describe.each(DIALECTS)`.
// files.test.ts (file modes, disk-full and corrupt files, WAL) and migrations.test.ts (upgrading SQLite
// files written by older versions) stay SQLite-only: they are about SQLite's files, which a PostgreSQL
// store does not have; postgres-*.test.ts cover that side's connection and migrations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach } from 'vitest';
import { type DetectionInput, openStore, type Store } from '../../src/store/index.ts';
import { type TestDatabase, testDatabase } from '../helpers/postgres.ts';

export type Dialect = 'sqlite' | 'postgres';

/** The dialects this run can test: PostgreSQL when a server answers (always under CI=true). */
export const DIALECTS: Dialect[] = (await testDatabase('probe').then(async (d) => {
  await d?.drop();
  return !!d;
}))
  ? ['sqlite', 'postgres']
  : ['sqlite'];

// A fixed key so tests never read DTC_SECRET_KEY from the developer's environment by accident.
export const KEY = Buffer.alloc(32, 7);

/** `scope: 'file'` keeps the stores until the suite ends (for a store filled once in beforeAll). */
export function useTempStores(dialect: Dialect = 'sqlite', o: { scope?: 'test' | 'file' } = {}) {
  const dirs: string[] = [];
  const stores: Store[] = [];
  const databases = new Map<string, TestDatabase>();
  const urls = new Map<Store, string>();
  (o.scope === 'file' ? afterAll : afterEach)(async () => {
    urls.clear();
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    for (const db of databases.values()) await db.drop();
    databases.clear();
  });
  /** On PostgreSQL, a data directory stands for a database of its own, kept until the test ends. */
  const located = async (opts: Parameters<typeof openStore>[0]): Promise<Parameters<typeof openStore>[0]> => {
    if (dialect === 'sqlite' || 'url' in opts) return opts;
    const dir = 'dataDir' in opts ? opts.dataDir : opts.path;
    let db = databases.get(dir);
    if (!db) {
      db = (await testDatabase('store', { collation: 'en' }))!;
      databases.set(dir, db);
    }
    const { dataDir: _d, path: _p, ...rest } = opts as { dataDir?: string; path?: string };
    return { ...rest, url: db.url, keyDir: dir === ':memory:' ? undefined : dir };
  };
  return {
    dir(): string {
      const d = mkdtempSync(join(tmpdir(), 'dtc-store-'));
      dirs.push(d);
      return d;
    },
    dialect,
    /** The PostgreSQL database standing for a data directory (after a store was opened on it). */
    urlOf: (dir: string): string | undefined => databases.get(dir)?.url,
    async open(opts: Parameters<typeof openStore>[0]): Promise<Store> {
      const where = await located(opts);
      const s = await openStore({ env: {}, ...where });
      stores.push(s);
      if ('url' in where) urls.set(s, where.url);
      return s;
    },
    /**
     * Raw SQL on the database behind a store, as another process or an older dtc would write it (`?`
     * placeholders on both dialects): the rows a statement returns, or none.
     */
    async sql(s: Store, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
      const url = urls.get(s);
      if (!url) {
        const db = new Database(s.path);
        try {
          const st = db.prepare(text);
          if (st.reader) return st.all(...params) as Record<string, unknown>[];
          st.run(...params);
          return [];
        } finally {
          db.close();
        }
      }
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        let n = 0;
        return (
          await c.query(
            text.replace(/\?/g, () => `$${++n}`),
            params,
          )
        ).rows;
      } finally {
        await c.end();
      }
    },
    /** Closes a store early (to reopen its file); afterEach then skips it. */
    async close(s: Store): Promise<void> {
      stores.splice(stores.indexOf(s), 1);
      await s.close();
    },
  };
}

/**
 * A row as the ingest path would make it. `raw` is a minimal model breach the normaliser reads, so the
 * canonical detection the store derives on read is a real one.
 */
export function det(nativeId: string, hash: string, over: Partial<DetectionInput> = {}): DetectionInput {
  const title = over.title ?? `Breach ${nativeId}`;
  return {
    instance: 'prod',
    family: 'model_breach',
    nativeId,
    hash,
    eventTime: 1_700_000_000_000,
    severity: 3,
    title: `Breach ${nativeId}`,
    acknowledged: false,
    source: 'api',
    raw: JSON.stringify({
      pbid: Number(nativeId) || nativeId,
      time: 1_700_000_000_000,
      score: 0.5,
      model: { name: title, pid: 1 },
      device: { did: 1, ip: '10.0.0.1' },
    }),
    ...over,
  };
}
