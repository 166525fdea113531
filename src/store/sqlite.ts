// ─── SQLite dialect spot ──────────────────────────────────────────────────────────────────────────
// Everything that is SQLite-only lives in this file: opening better-sqlite3, pragmas, FTS5 (table,
// query syntax, index maintenance) and the synchronous executor. The rest of src/store builds its
// queries with Kysely's builder, so a PostgreSQL store swaps this file (PostgresDialect, tsvector,
// an async executor), not the queries.
//
// Why a synchronous executor: better-sqlite3 is synchronous, and the Store API is too (the pollers call
// it inside a batch). Kysely's own execute() is always async, so queries are *built and compiled* by
// Kysely and *run* here on cached prepared statements. Migrations go through Kysely's Migrator as usual.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  type Compilable,
  type CreateTableBuilder,
  type Expression,
  Kysely,
  type SqlBool,
  SqliteDialect,
  sql,
} from 'kysely';
import type { DB } from './schema.ts';

export type SqliteDb = Database.Database;

/** Opens the file with the settings an append log with one writer and many readers wants. */
export function openSqlite(path: string): { db: SqliteDb; kysely: Kysely<DB> } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path);
  // 16 KB pages (new files only; an existing file keeps its size): a detection row is 1–4 KB, and
  // bigger pages mean fewer page writes per committed batch (appends about a quarter faster in bench:store).
  db.pragma('page_size = 16384');
  // WAL: readers (API, sinks) never block the writer (pollers). NORMAL is durable across process
  // crashes in WAL mode; only an OS crash can lose the last commits, which the pollers re-fetch.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Another process (a `dtc` command beside the service) may hold the write lock for a batch.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: db }) });
  return { db, kysely };
}

/** Runs before close: lets SQLite refresh its planner statistics when they are stale. Best effort. */
export function optimizeOnClose(db: SqliteDb): void {
  try {
    db.pragma('optimize');
  } catch {
    // Busy (another process holds the write lock) or read-only: statistics can wait for the next close.
  }
}

/** `integer primary key autoincrement`: AUTOINCREMENT so a sequence number is never reused, even after deletes. */
export function withSerialKey<T extends string, C extends string>(
  t: CreateTableBuilder<T, C>,
  column: string,
): CreateTableBuilder<T, C> {
  return t.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement());
}

// ─── Full-text search (FTS5) ──────────────────────────────────────────────────────────────────────
// Contentless (content=''): FTS only maps words to rowids, and rowid = the version's seq. Every version
// is indexed (append-only, like the log); a match counts only when its seq is a head's seq, which keeps
// search on the latest version without deleting from FTS on each update. contentless_delete keeps
// deletes possible for a future retention job. unicode61 splits 10.1.2.3 and ws-01.corp into word
// sequences, and a phrase query matches them.
//
// Descriptions have their own index, one entry per distinct text: a model breach's description is its
// model's, the same for every breach of that model, and tokenising it again for each breach was most of
// the indexing cost. A head points at its description's id; a term matches a head when it matches the
// head's own row (title, hostnames, IPs; and the description, for rows written before descriptions were
// split out) or the head's description.

export async function createFts(k: Kysely<DB>): Promise<void> {
  await sql`CREATE VIRTUAL TABLE detections_fts USING fts5(
    title, description, hostnames, ips,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(k);
}

export async function createDescriptionFts(k: Kysely<DB>): Promise<void> {
  await sql`CREATE VIRTUAL TABLE descriptions_fts USING fts5(
    description,
    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(k);
}

export interface FtsStatements {
  insert(seq: number, title: string, hostnames: string, ips: string): void;
  insertDescription(id: number, text: string): void;
}

export function ftsStatements(db: SqliteDb): FtsStatements {
  const ins = db.prepare(
    "INSERT INTO detections_fts (rowid, title, description, hostnames, ips) VALUES (?, ?, '', ?, ?)",
  );
  const desc = db.prepare('INSERT INTO descriptions_fts (rowid, description) VALUES (?, ?)');
  return {
    insert: (seq, title, hostnames, ips) => void ins.run(seq, title, hostnames, ips),
    insertDescription: (id, text) => void desc.run(id, text),
  };
}

/**
 * Turns what a person typed into safe FTS5 terms, each of which must match: as a phrase (so `10.0.0.1`
 * and `ws-01.corp` work) and as a prefix (so `ws-0` finds `ws-01`), except a whole IPv4 address, which
 * matches exactly. Quotes in the input are literal, never FTS syntax. Returns undefined when nothing
 * searchable is left.
 */
export function ftsQuery(q: string): string[] | undefined {
  const terms = q
    .split(/\s+/)
    .map((t) => t.replace(/"/g, ' ').trim())
    .filter((t) => /[\p{L}\p{N}]/u.test(t));
  if (!terms.length) return undefined;
  // A whole IPv4 address means that address: 10.0.0.1 must not also find 10.0.0.15.
  const exact = (t: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(t);
  return terms.map((t) => (exact(t) ? `"${t}"` : `"${t}"*`));
}

/** A WHERE condition: every term matches the row whose seq is `seqColumn` or its description. */
export function ftsMatch(seqColumn: string, descriptionColumn: string, terms: string[]): Expression<SqlBool> {
  const one = (t: string) =>
    sql<SqlBool>`(${sql.ref(seqColumn)} IN (SELECT rowid FROM detections_fts WHERE detections_fts MATCH ${t}) OR ${sql.ref(descriptionColumn)} IN (SELECT rowid FROM descriptions_fts WHERE descriptions_fts MATCH ${t}))`;
  return sql<SqlBool>`(${sql.join(terms.map(one), sql` AND `)})`;
}

// ─── Synchronous execution of Kysely-compiled queries ─────────────────────────────────────────────

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
const bindable = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

/** A named placeholder for `prepare()`: stands in for a value when the query is compiled once. */
export class Param {
  constructor(readonly name: string) {}
}
/** Use as a value in a Kysely builder passed to `prepare()`. Typed `any` so it fits any column. */
export const param = (name: string): any => new Param(name);

export class SyncExecutor {
  readonly #db: SqliteDb;
  readonly #cache = new Map<string, Database.Statement>();

  constructor(db: SqliteDb) {
    this.#db = db;
  }

  #stmt(sqlText: string): Database.Statement {
    let s = this.#cache.get(sqlText);
    if (!s) {
      s = this.#db.prepare(sqlText);
      // Dynamic search queries vary in shape; keep the cache bounded.
      if (this.#cache.size > 500) this.#cache.clear();
      this.#cache.set(sqlText, s);
    }
    return s;
  }

  all<R>(q: Compilable<R>): R[] {
    const c = q.compile();
    return this.#stmt(c.sql).all(...c.parameters.map(bindable)) as R[];
  }

  first<R>(q: Compilable<R>): R | undefined {
    const c = q.compile();
    return this.#stmt(c.sql).get(...c.parameters.map(bindable)) as R | undefined;
  }

  run(q: Compilable<unknown>): { changes: number; lastInsertRowid: number } {
    const c = q.compile();
    const r = this.#stmt(c.sql).run(...c.parameters.map(bindable));
    return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
  }

  /**
   * Compiles a Kysely query once, with `param('name')` placeholders, into a reusable prepared
   * statement: the hot path (appending thousands of rows a second) skips building and compiling per
   * row, and the SQL still comes from Kysely's builder.
   */
  prepare<P extends Record<string, unknown>, R = unknown>(q: Compilable<R>): PreparedQuery<P, R> {
    const c = q.compile();
    const stmt = this.#db.prepare(c.sql);
    const slots = c.parameters.map((v) => (v instanceof Param ? v.name : { value: bindable(v) }));
    // One argument array per statement, refilled on each call: better-sqlite3 copies the values when it
    // binds, and the append path runs these statements tens of thousands of times a second.
    const args: unknown[] = new Array(slots.length);
    const bind = (p: P) => {
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i];
        args[i] = typeof s === 'string' ? bindable(p[s]) : s.value;
      }
      return args;
    };
    return {
      all: (p) => stmt.all(bind(p)) as R[],
      first: (p) => stmt.get(bind(p)) as R | undefined,
      run: (p) => {
        const r = stmt.run(bind(p));
        return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
      },
    };
  }

  /** BEGIN IMMEDIATE: take the write lock up front so two writers queue instead of deadlocking. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }
}

export interface PreparedQuery<P, R> {
  all(p: P): R[];
  first(p: P): R | undefined;
  run(p: P): { changes: number; lastInsertRowid: number };
}
