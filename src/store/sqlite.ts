// ─── SQLite dialect spot ──────────────────────────────────────────────────────────────────────────
// Everything that is SQLite-only lives in this file: opening better-sqlite3, pragmas, FTS5 (table,
// query syntax, index maintenance) and the executor over better-sqlite3. The rest of src/store builds its
// queries with Kysely's builder, so a PostgreSQL store swaps this file (PostgresDialect, tsvector,
// an async executor), not the queries.
//
// The executor runs Kysely-compiled queries synchronously on better-sqlite3 behind the async API of
// conn.ts (see SqliteExecutor). Migrations go through Kysely's Migrator as usual.
import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  type Compilable,
  type CreateTableBuilder,
  type Expression,
  Kysely,
  type SqlBool,
  SqliteAdapter,
  SqliteDialect,
  sql,
} from 'kysely';
import type { Conn, Executor, FtsWriter, PreparedQuery, RunResult, TextSearch } from './conn.ts';
import { type StoreHealth, StoreIoError } from './errors.ts';
import type { DB } from './schema.ts';

export type SqliteDb = Database.Database;

/**
 * Creates the database file 0600 before SQLite does (it would use the umask, usually 0644): it holds
 * every detection and the encrypted tokens. SQLite gives its -wal and -shm files the mode of the
 * database file. A file or companion left readable by others by an older version is tightened.
 */
function privateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if (existsSync(f) && statSync(f).mode & 0o077) chmodSync(f, statSync(f).mode & 0o700);
    } catch {
      // Not ours to change (another owner, a read-only filesystem): opening says what is wrong, if anything.
    }
  }
}

/**
 * SQLite runs schema changes inside transactions, but Kysely's adapter says it cannot, so its Migrator
 * would apply a migration statement by statement: a process killed in the middle (kill -9 during a
 * first start) left a half-migrated file that no later start could open ("duplicate column name").
 * Saying so makes the Migrator run the pending migrations, and their records, in one transaction.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new TransactionalSqliteAdapter();
  }
}

/** Opens the file with the settings an append log with one writer and many readers wants. */
export function openSqlite(path: string): { db: SqliteDb; kysely: Kysely<DB> } {
  let db: SqliteDb | undefined;
  try {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      privateFile(path);
    }
    db = new Database(path);
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
  } catch (err) {
    db?.close();
    throw storeIoError(err, path) ?? err;
  }
  const kysely = new Kysely<DB>({ dialect: new TransactionalSqliteDialect({ database: db }) });
  return { db, kysely };
}

// ─── Errors that name the file and say what to do ─────────────────────────────────────────────────

/** The SQLite or system error code in `err` or its causes (the Migrator wraps what it catches). */
function errorCode(err: unknown): { code: string; message: string } | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(SQLITE_|E[A-Z]+$)/.test(code))
      return { code, message: (e as Error).message };
  }
  return undefined;
}

/** True when the filesystem holding `path` has no space left for an unprivileged writer. */
function diskFull(path: string): boolean {
  try {
    const s = statfsSync(dirname(path));
    return s.bavail * s.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

/**
 * Turns what better-sqlite3 or the filesystem threw into a StoreIoError naming the file and the fix;
 * undefined for anything else (a constraint, a bug), which the caller rethrows as it is.
 */
export function storeIoError(err: unknown, path: string): StoreIoError | undefined {
  if (err instanceof StoreIoError) return err;
  const c = errorCode(err);
  if (!c) return undefined;
  const dir = dirname(path);
  const what = `${c.code}: ${c.message}`;
  const make = (code: StoreIoError['code'], message: string, retryable: boolean) =>
    new StoreIoError(code, path, message, retryable, { cause: err });
  const full = () =>
    make(
      'disk_full',
      `the disk holding the database ${path} is full (${what}): free space on that filesystem ` +
        `(df -h ${dir}); writing resumes by itself once there is room, nothing is dropped meanwhile`,
      true,
    );
  if (c.code === 'SQLITE_FULL' || c.code === 'ENOSPC' || c.code === 'EDQUOT') return full();
  if (c.code.startsWith('SQLITE_CORRUPT') || c.code === 'SQLITE_NOTADB')
    return make(
      'corrupt',
      `the database ${path} is damaged (${what}): stop dtc, move it aside with its -wal and -shm files ` +
        `(mv ${path} ${path}.damaged), then restore it from a backup or start again with an empty one ` +
        '(the pollers refetch their look-back, sinks deliver again from the start)',
      false,
    );
  if (c.code.startsWith('SQLITE_READONLY') || c.code === 'EROFS' || c.code === 'EACCES' || c.code === 'EPERM')
    return make(
      'read_only',
      `the database ${path} cannot be written (${what}): give the user running dtc write access to it, ` +
        `its -wal and -shm files and the directory ${dir} (chown/chmod), or remount the filesystem read-write`,
      false,
    );
  if (c.code.startsWith('SQLITE_CANTOPEN') || c.code === 'ENOENT' || c.code === 'ENOTDIR')
    return make(
      'cannot_open',
      `the database ${path} cannot be opened (${what}): check that ${dir} exists and that the user ` +
        'running dtc may read and write it',
      false,
    );
  if (c.code.startsWith('SQLITE_BUSY') || c.code.startsWith('SQLITE_LOCKED'))
    return make(
      'busy',
      `the database ${path} is locked by another process (${what}): it is retried; if it persists, ` +
        'stop the other dtc command using this data directory',
      true,
    );
  if (c.code.startsWith('SQLITE_IOERR') || c.code === 'EIO') {
    // A full disk sometimes surfaces as an I/O error (growing the -shm file, a short write).
    if (diskFull(path)) return full();
    return make(
      'io',
      `reading or writing the database ${path} failed (${what}): check the disk (dmesg, df -h ${dir}); it is retried`,
      true,
    );
  }
  return undefined;
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

/** Rows per multi-row statement: 64 × 13 columns stays far below SQLite's 32,766 parameters. */
export const MULTI_ROW = 64;

export function ftsStatements(db: SqliteDb, x: SqliteExecutor): FtsWriter {
  const ins = db.prepare(
    "INSERT INTO detections_fts (rowid, title, description, hostnames, ips) VALUES (?, ?, '', ?, ?)",
  );
  const desc = db.prepare('INSERT INTO descriptions_fts (rowid, description) VALUES (?, ?)');
  // One statement per row count, compiled on first use: a batch's words go in a few statements.
  const many = new Map<number, Database.Statement>();
  const manyOf = (n: number) => {
    let s = many.get(n);
    if (!s) {
      const values = Array.from({ length: n }, () => "(?, ?, '', ?, ?)").join(', ');
      s = db.prepare(
        `INSERT INTO detections_fts (rowid, title, description, hostnames, ips) VALUES ${values}`,
      );
      many.set(n, s);
    }
    return s;
  };
  return {
    insert: (seq, title, hostnames, ips) => x.exclusive(() => void ins.run(seq, title, hostnames, ips)),
    insertMany: (rows) =>
      x.exclusive(() => {
        for (let i = 0; i < rows.length; i += MULTI_ROW) {
          const chunk = rows.slice(i, i + MULTI_ROW);
          manyOf(chunk.length).run(chunk.flat());
        }
      }),
    insertDescription: (id, text) => x.exclusive(() => void desc.run(id, text)),
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
/** The text search's SQL on FTS5: the tables are contentless, so a match is its rowid (the seq or id). */
export const fts5Search: TextSearch = {
  terms: ftsQuery,
  versionsMatching: (t) =>
    sql<number>`(SELECT rowid AS seq FROM detections_fts WHERE detections_fts MATCH ${t})`,
  descriptionsMatching: (t) =>
    sql<number>`(SELECT rowid FROM descriptions_fts WHERE descriptions_fts MATCH ${t})`,
  // json_each: one bound parameter however many seqs (SQLite caps parameters at 32,766).
  seqTable: (seqs) => sql<{ value: number }>`json_each(${JSON.stringify(seqs)})`,
  oneOf: (column, values) =>
    sql<boolean>`${sql.ref(column)} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`,
};

export function ftsMatch(seqColumn: string, descriptionColumn: string, terms: string[]): Expression<SqlBool> {
  const one = (t: string) =>
    sql<SqlBool>`(${sql.ref(seqColumn)} IN (SELECT rowid FROM detections_fts WHERE detections_fts MATCH ${t}) OR ${sql.ref(descriptionColumn)} IN (SELECT rowid FROM descriptions_fts WHERE descriptions_fts MATCH ${t}))`;
  return sql<SqlBool>`(${sql.join(terms.map(one), sql` AND `)})`;
}

// ─── Execution of Kysely-compiled queries ─────────────────────────────────────────────────────────

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
const bindable = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

/** A named placeholder for `prepare()`: stands in for a value when the query is compiled once. */
export class Param {
  constructor(readonly name: string) {}
}
/** Use as a value in a Kysely builder passed to `prepare()`. Typed `any` so it fits any column. */
export const param = (name: string): any => new Param(name);

/** The open transaction: its owner flow carries it in `inTx`; others wait on `ended`. */
interface OpenTx {
  ended: Promise<void>;
}

/**
 * The SQLite executor. Statements run synchronously on better-sqlite3 (Kysely's own execute() is always
 * async and slower, so queries are *built and compiled* by Kysely and *run* here on cached prepared
 * statements) and come back as resolved Promises, the shape a PostgreSQL executor needs.
 *
 * Transactions: awaits inside a transaction let other async flows run, and on one connection they
 * would write into it or read its uncommitted rows. So a transaction holds a per-connection lock,
 * and the flow that opened it carries a mark (AsyncLocalStorage): a statement or transaction of
 * another flow waits until it ends; one of the same flow runs at once, and a nested transaction joins.
 * With no transaction open, a statement runs at once (the hot path).
 */
export class SqliteExecutor implements Executor {
  readonly #db: SqliteDb;
  readonly #path: string;
  readonly #cache = new Map<string, Database.Statement>();
  /** Whether the last write committed; written here, read through the store's health(). */
  readonly health: StoreHealth = { writable: true };
  readonly #onHealth: (h: StoreHealth) => void;
  readonly #inTx = new AsyncLocalStorage<OpenTx>();
  #open: OpenTx | undefined;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;

  constructor(db: SqliteDb, path = db.name, onHealth: (h: StoreHealth) => void = () => {}) {
    this.#db = db;
    this.#path = path;
    this.#onHealth = onHealth;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
  }

  /** Maps a failure to a StoreIoError and, for a write, records that the store cannot write. */
  #fail(err: unknown, write: boolean): never {
    const e = storeIoError(err, this.#path);
    if (!e) throw err;
    if (write && e.code !== 'busy' && (this.health.writable || this.health.code !== e.code)) {
      this.health.writable = false;
      this.health.code = e.code;
      this.health.reason = e.message;
      this.health.since ??= Date.now();
      this.#onHealth({ ...this.health });
    }
    throw e;
  }

  #wrote(): void {
    if (this.health.writable) return;
    this.health.writable = true;
    const was = { ...this.health };
    delete this.health.code;
    delete this.health.reason;
    delete this.health.since;
    this.#onHealth({ writable: true, since: was.since });
  }

  /**
   * True when a transaction of another flow is open: this flow's statement must wait for it. Callers
   * check again after each wait (`while`, not `if`), in the same synchronous step as their statement:
   * when a transaction ends, every waiting flow wakes, and the first to run may open the next one.
   */
  #blocked(): boolean {
    return this.#open !== undefined && this.#inTx.getStore() !== this.#open;
  }

  /** Waits until no other flow's transaction is open (another may open as soon as one ends). */
  async #turn(): Promise<void> {
    while (this.#blocked()) await this.#open?.ended;
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

  #all<R>(q: Compilable<R>): R[] {
    const c = q.compile();
    try {
      return this.#stmt(c.sql).all(...c.parameters.map(bindable)) as R[];
    } catch (err) {
      this.#fail(err, false);
    }
  }

  #first<R>(q: Compilable<R>): R | undefined {
    const c = q.compile();
    try {
      return this.#stmt(c.sql).get(...c.parameters.map(bindable)) as R | undefined;
    } catch (err) {
      this.#fail(err, false);
    }
  }

  #run(q: Compilable<unknown>): RunResult {
    const c = q.compile();
    try {
      const r = this.#stmt(c.sql).run(...c.parameters.map(bindable));
      if (!this.#db.inTransaction) this.#wrote();
      return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
    } catch (err) {
      this.#fail(err, true);
    }
  }

  async all<R>(q: Compilable<R>): Promise<R[]> {
    while (this.#blocked()) await this.#turn();
    return this.#all(q);
  }

  async first<R>(q: Compilable<R>): Promise<R | undefined> {
    while (this.#blocked()) await this.#turn();
    return this.#first(q);
  }

  async run(q: Compilable<unknown>): Promise<RunResult> {
    while (this.#blocked()) await this.#turn();
    return this.#run(q);
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
    // binds, and the append path runs these statements tens of thousands of times a second. Filled only
    // once this flow may run, right before the statement, so two flows never share it half-filled.
    const args: unknown[] = new Array(slots.length);
    const bind = (p: P) => {
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i];
        args[i] = typeof s === 'string' ? bindable(p[s]) : s.value;
      }
      return args;
    };
    const bindArgs = (values: unknown[]) => {
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i];
        args[i] = typeof s === 'string' ? bindable(values[i]) : s.value;
      }
      return args;
    };
    // Prepared statements run inside transaction() on the hot path, which maps and records their failures.
    const names = slots.map((s) => (typeof s === 'string' ? s : ''));
    const result = (r: Database.RunResult): RunResult => ({
      changes: r.changes,
      lastInsertRowid: Number(r.lastInsertRowid),
    });
    return {
      slots: names,
      runArgs: async (values) => {
        while (this.#blocked()) await this.#turn();
        return result(stmt.run(bindArgs(values)));
      },
      all: async (p) => {
        while (this.#blocked()) await this.#turn();
        return stmt.all(bind(p)) as R[];
      },
      first: async (p) => {
        while (this.#blocked()) await this.#turn();
        return stmt.get(bind(p)) as R | undefined;
      },
      run: async (p) => {
        while (this.#blocked()) await this.#turn();
        return result(stmt.run(bind(p)));
      },
    };
  }

  /** Runs `fn` (direct better-sqlite3 work: FTS, pragmas) once no other flow's transaction is open. */
  async exclusive<T>(fn: () => T): Promise<T> {
    while (this.#blocked()) await this.#turn();
    return fn();
  }

  /** BEGIN IMMEDIATE: take the write lock up front so two writers queue instead of deadlocking. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.#inTx.getStore();
    if (mine !== undefined && mine === this.#open) return fn();
    while (this.#blocked()) await this.#turn();
    let end!: () => void;
    const tx: OpenTx = { ended: new Promise<void>((r) => (end = r)) };
    this.#open = tx;
    try {
      try {
        this.#begin.run();
      } catch (err) {
        this.#fail(err, true);
      }
      let r: T;
      try {
        r = await this.#inTx.run(tx, fn);
      } catch (err) {
        if (this.#db.inTransaction) this.#rollback.run();
        this.#fail(err, true);
      }
      try {
        this.#commit.run();
      } catch (err) {
        if (this.#db.inTransaction) this.#rollback.run();
        this.#fail(err, true);
      }
      this.#wrote();
      return r;
    } finally {
      this.#open = undefined;
      end();
    }
  }
}

// ─── The connection the repositories take ─────────────────────────────────────────────────────────

/** Opens the file and wraps it as the db-neutral connection (conn.ts) the repositories use. */
export function openSqliteConn(path: string, onHealth: (h: StoreHealth) => void): Conn {
  const { db, kysely } = openSqlite(path);
  return sqliteConn(path, db, kysely, onHealth);
}

export function sqliteConn(
  path: string,
  db: SqliteDb,
  kysely: Kysely<DB>,
  onHealth: (h: StoreHealth) => void,
): Conn {
  let closed = false;
  const x = new SqliteExecutor(db, path, onHealth);
  // secure_delete is one setting of the connection: on while any secure() call is still running.
  let secureDepth = 0;
  return {
    dialect: 'sqlite',
    rowsPerStatement: MULTI_ROW,
    path,
    k: kysely,
    x,
    fts: ftsStatements(db, x),
    text: fts5Search,
    appendLock: async () => {},
    async secure<T>(fn: () => Promise<T>): Promise<T> {
      if (secureDepth++ === 0) db.pragma('secure_delete = ON');
      try {
        return await fn();
      } finally {
        if (--secureDepth === 0) db.pragma('secure_delete = OFF');
      }
    },
    flushReplaced(): Promise<boolean> {
      // Copies the WAL into the database file and truncates it, so the old page images (which hold the
      // values just replaced) leave the -wal file. Waits (busy timeout) for readers.
      return x.exclusive(() => {
        if (path === ':memory:') return true;
        const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        return r?.busy === 0;
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // A transaction still running finishes first: closing under it would lose its commit.
      await x.exclusive(() => {});
      optimizeOnClose(db);
      // Kysely's destroy() closes the better-sqlite3 handle it was given.
      await kysely.destroy();
      if (db.open) db.close();
    },
  };
}
