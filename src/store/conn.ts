// The one handle every repository takes: a Kysely builder for the queries and an executor that runs
// them, plus the few things a database does its own way (full-text indexing, overwriting deleted
// content, closing). `sqlite.ts` makes the SQLite one; a PostgreSQL store makes another and the
// repositories stay as they are.
//
// Everything here returns a Promise, because a PostgreSQL driver is asynchronous. The SQLite executor
// still runs its statements synchronously on better-sqlite3 and hands back resolved Promises.
import type { Compilable, Kysely, RawBuilder } from 'kysely';
import type { StoreHealth } from './errors.ts';
import type { DB } from './schema.ts';

export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/** A query compiled once with named placeholders (`param('name')`), run many times. */
export interface PreparedQuery<P, R> {
  all(p: P): Promise<R[]>;
  first(p: P): Promise<R | undefined>;
  run(p: P): Promise<RunResult>;
  /** The placeholders' names in binding order: for `runArgs`, which skips looking each one up by name. */
  readonly slots: readonly string[];
  /** Runs with the values given in `slots` order (a multi-row insert binds thousands a call). */
  runArgs(args: unknown[]): Promise<RunResult>;
}

/**
 * Runs queries that Kysely built and compiled; failures of the disk or the file come out as
 * StoreIoError and set `health`.
 */
export interface Executor {
  readonly health: StoreHealth;
  all<R>(q: Compilable<R>): Promise<R[]>;
  first<R>(q: Compilable<R>): Promise<R | undefined>;
  run(q: Compilable<unknown>): Promise<RunResult>;
  prepare<P extends Record<string, unknown>, R = unknown>(q: Compilable<R>): PreparedQuery<P, R>;
  /**
   * One transaction that takes the write lock up front; nested calls (from inside `fn`, awaited or not)
   * join the outer one. Statements of other async flows wait until it ends.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

/** Words for the full-text search: a detection version's own, and each distinct description's. */
export interface FtsWriter {
  insert(seq: number, title: string, hostnames: string, ips: string): Promise<void>;
  /** Several versions' words in one statement: `[seq, title, hostnames, ips]` each. */
  insertMany(rows: [number, string, string, string][]): Promise<void>;
  insertDescription(id: number, text: string): Promise<void>;
}

/**
 * The text search's SQL, which each database writes its own way (FTS5 MATCH, tsvector @@), with the
 * same meaning: search.ts builds its plans from these pieces.
 */
export interface TextSearch {
  /** What a person typed as the database's terms, each of which must match; undefined when nothing searchable is left. */
  terms(q: string): string[] | undefined;
  /** A subquery of one column, `seq`: the versions whose own words match `term`. */
  versionsMatching(term: string): RawBuilder<number>;
  /** A subquery of one column: the ids of the descriptions whose words match `term`. */
  descriptionsMatching(term: string): RawBuilder<number>;
  /** `seqs` as a table of one column, `value` (alias it with `.as()`). */
  seqTable(seqs: number[]): RawBuilder<{ value: number }>;
  /**
   * `column` is one of `values`, as one bound parameter (a JSON array on SQLite, a text[] on PostgreSQL)
   * whatever their number: one statement to prepare, and no list of thousands of placeholders to bind.
   */
  oneOf(column: string, values: string[]): RawBuilder<boolean>;
}

export interface Conn {
  /** Which database: the few callers that must differ (the store copy, messages) ask this. */
  readonly dialect: 'sqlite' | 'postgres';
  /** Where the data lives (a file path, `:memory:`), for messages. */
  readonly path: string;
  /**
   * Rows per multi-row INSERT: SQLite's statements run in-process, so small ones compile cheaply;
   * PostgreSQL pays a round trip and the statement triggers per statement, so it takes a whole batch.
   */
  readonly rowsPerStatement: number;
  readonly k: Kysely<DB>;
  readonly x: Executor;
  readonly fts: FtsWriter;
  readonly text: TextSearch;
  /**
   * Called first in an append's transaction. Sinks read the log by `seq > offset`, so a seq must never
   * become visible after a higher one: SQLite has one writer (a no-op there); PostgreSQL takes a
   * transaction-scoped lock so appends allocate and commit one after another.
   */
  appendLock(): Promise<void>;
  /** Runs `fn` so that content it deletes or replaces is overwritten, not left in free space. */
  secure<T>(fn: () => Promise<T>): Promise<T>;
  /** Makes sure no copy of replaced content stays in side files (SQLite's WAL); false when a reader held on. */
  flushReplaced(): Promise<boolean>;
  close(): Promise<void>;
}
