// ─── PostgreSQL dialect spot ──────────────────────────────────────────────────────────────────────
// Everything that is PostgreSQL-only lives in this file, as sqlite.ts holds SQLite's: the `pg` pool
// and its type parsers, the executor (transactions on one pooled client, carried by AsyncLocalStorage),
// full-text search on tsvector columns with GIN indexes, errors that name the server and say what to do,
// and the lock that serialises appends to the log.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import {
  type Compilable,
  type CreateTableBuilder,
  Kysely,
  PostgresDialect,
  type RawBuilder,
  sql,
} from 'kysely';
import pg from 'pg';
import type { Conn, Executor, FtsWriter, PreparedQuery, RunResult, TextSearch } from './conn.ts';
import { type StoreHealth, type StoreIoCode, StoreIoError } from './errors.ts';
import { currentFence, type Fence, verifyFence } from './fence.ts';
import type { DB } from './schema.ts';
import { Param } from './sqlite.ts';

/** The server and database without the password, for messages and `Store.path`. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres://${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

// int8 (counts, bigserial seqs) and numeric (averages) come back as strings by default, because they can
// exceed 2^53. Seqs and counts here never will, and every caller expects numbers, as SQLite gives.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 || oid === NUMERIC
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** Extra `-c name=value` settings for each session (the cluster sets idle_in_transaction_session_timeout). */
  options?: string;
}

/** A pool and a Kysely instance over it; migrations run through Kysely, everything else through the executor. */
export function openPostgres(url: string, o: PostgresOptions = {}): { pool: pg.Pool; kysely: Kysely<DB> } {
  const pool = new pg.Pool({
    connectionString: url,
    max: o.max ?? 10,
    options: o.options,
    types,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client's error (the server restarted, a failover): the pool drops it and reconnects on the
  // next checkout. A checked-out client's error fails its query in flight, where the caller handles it.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { pool, kysely };
}

// ─── Errors that name the server and say what to do ───────────────────────────────────────────────

/** SQLSTATE classes and socket errors that mean the server, not the query, is the problem. */
function classify(err: unknown): { code: StoreIoCode; retryable: boolean; what: string } | undefined {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const what = `${code ? `${code}: ` : ''}${typeof e?.message === 'string' ? e.message : String(err)}`;
  if (code === '53100') return { code: 'disk_full', retryable: true, what };
  if (code === '25006' || code === '42501') return { code: 'read_only', retryable: false, what };
  if (code === '3D000' || code === '28P01' || code === '28000')
    return { code: 'cannot_open', retryable: false, what };
  if (code === '53300' || code === '55P03' || code === '40001' || code === '40P01')
    return { code: 'busy', retryable: true, what };
  if (
    code.startsWith('08') ||
    code.startsWith('57P') ||
    // 25P03: the server ended a session left idle in a transaction (a replica paused mid-write).
    code === '25P03' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(what)
  )
    return { code: 'io', retryable: true, what };
  return undefined;
}

/** A StoreIoError for the server at `where`, or undefined for anything else (a constraint, a bug). */
export function postgresIoError(err: unknown, where: string): StoreIoError | undefined {
  if (err instanceof StoreIoError) return err;
  const c = classify(err);
  if (!c) return undefined;
  const fix: Record<StoreIoCode, string> = {
    disk_full: 'free space on the database server; writing resumes by itself, nothing is dropped meanwhile',
    read_only:
      'the role or the server refuses writes: grant the role write access, or point the store at the primary, not a standby',
    corrupt: 'restore the database from a backup',
    cannot_open:
      'check the database name, the user and the password in the store URL (DTC_STORE_URL or store.url), and that the role may connect',
    busy: 'another transaction held a lock or the server has no free connection; it is retried',
    io: 'the server cannot be reached or ended the connection: check that PostgreSQL is running and reachable; it is retried',
  };
  return new StoreIoError(
    c.code,
    where,
    `the PostgreSQL store at ${where} failed (${c.what}): ${fix[c.code]}`,
    c.retryable,
    {
      cause: err,
    },
  );
}

// ─── Execution of Kysely-compiled queries ─────────────────────────────────────────────────────────

/** Booleans are stored as 0/1 integers on both dialects, so rows read the same. */
const bindable = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v);

/** A query's rows and what a RunResult needs: with RETURNING, the last row's first column is its id. */
const runResult = (r: pg.QueryResult): RunResult => {
  const last = r.rows.length ? r.rows[r.rows.length - 1] : undefined;
  const id = last ? Object.values(last)[0] : undefined;
  return { changes: r.rowCount ?? 0, lastInsertRowid: typeof id === 'number' ? id : Number(id ?? 0) };
};

/**
 * The PostgreSQL executor. A statement outside a transaction takes any pooled connection; a transaction
 * checks one out, and every statement of the flow that opened it (AsyncLocalStorage) runs on that one,
 * so other flows go on in parallel on other connections. Nested transactions join the outer one.
 * Prepared queries are named statements, parsed once per connection.
 */
export class PostgresExecutor implements Executor {
  readonly health: StoreHealth = { writable: true };
  readonly #pool: pg.Pool;
  readonly #where: string;
  readonly #onHealth: (h: StoreHealth) => void;
  readonly #tx = new AsyncLocalStorage<pg.PoolClient>();

  constructor(pool: pg.Pool, where: string, onHealth: (h: StoreHealth) => void = () => {}) {
    this.#pool = pool;
    this.#where = where;
    this.#onHealth = onHealth;
  }

  #fail(err: unknown): never {
    const io = postgresIoError(err, this.#where);
    if (!io) throw err;
    if (this.health.writable || this.health.code !== io.code) {
      Object.assign(this.health, { writable: false, code: io.code, reason: io.message, since: Date.now() });
      this.#onHealth({ ...this.health });
    }
    throw io;
  }

  #ok(): void {
    if (this.health.writable) return;
    const since = this.health.since;
    for (const k of ['code', 'reason', 'since'] as const) delete this.health[k];
    this.health.writable = true;
    this.#onHealth({ writable: true, since });
  }

  async #query(q: pg.QueryConfig): Promise<pg.QueryResult> {
    // Work under a lease: a lone statement runs in a transaction of its own, which checks the fence first.
    if (!this.#tx.getStore() && currentFence()) return this.transaction(() => this.#query(q));
    try {
      const r = await (this.#tx.getStore() ?? this.#pool).query(q);
      this.#ok();
      return r;
    } catch (err) {
      this.#fail(err);
    }
  }

  #compiled(q: Compilable<unknown>): pg.QueryConfig {
    const c = q.compile();
    return { text: c.sql, values: c.parameters.map(bindable) };
  }

  async all<R>(q: Compilable<R>): Promise<R[]> {
    return (await this.#query(this.#compiled(q))).rows as R[];
  }

  async first<R>(q: Compilable<R>): Promise<R | undefined> {
    return (await this.#query(this.#compiled(q))).rows[0] as R | undefined;
  }

  async run(q: Compilable<unknown>): Promise<RunResult> {
    return runResult(await this.#query(this.#compiled(q)));
  }

  prepare<P extends Record<string, unknown>, R = unknown>(q: Compilable<R>): PreparedQuery<P, R> {
    const c = q.compile();
    const name = `dtc_${createHash('sha1').update(c.sql).digest('hex').slice(0, 20)}`;
    const slots = c.parameters.map((v) => (v instanceof Param ? v.name : { value: bindable(v) }));
    const byName = (p: P) => slots.map((s) => (typeof s === 'string' ? bindable(p[s]) : s.value));
    const byPosition = (values: unknown[]) =>
      slots.map((s, i) => (typeof s === 'string' ? bindable(values[i]) : s.value));
    const exec = (values: unknown[]) => this.#query({ name, text: c.sql, values });
    return {
      slots: slots.map((s) => (typeof s === 'string' ? s : '')),
      all: async (p) => (await exec(byName(p))).rows as R[],
      first: async (p) => (await exec(byName(p))).rows[0] as R | undefined,
      run: async (p) => runResult(await exec(byName(p))),
      runArgs: async (values) => runResult(await exec(byPosition(values))),
    };
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#tx.getStore()) return fn();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      this.#fail(err);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const fence = currentFence();
      if (fence) await checkFence(client, fence);
      const r = await this.#tx.run(client, fn);
      await client.query('COMMIT');
      this.#ok();
      return r;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        // The connection itself is gone: the pool must not hand it out again.
        broken = e;
      });
      this.#fail(err);
    } finally {
      client.release(broken);
    }
  }

  /** Runs `fn` on one connection outside any transaction (VACUUM, which refuses to run inside one). */
  async session<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      this.#fail(err);
    }
    try {
      return await fn(client);
    } catch (err) {
      this.#fail(err);
    } finally {
      client.release();
    }
  }
}

/**
 * The lease behind this write is still ours: its row is read FOR SHARE, so a takeover waits until this
 * transaction ends, and a write whose token is stale is refused before it runs (src/store/fence.ts).
 */
async function checkFence(client: pg.PoolClient, fence: Fence): Promise<void> {
  verifyFence(
    fence,
    (await client.query({ name: 'dtc_fence', text: MARKED_FENCE_SQL, values: [fence.resource, fence.token] }))
      .rows,
  );
}

/**
 * FENCE_SQL, and the token this transaction writes under left in `dtc.fence` (`<resource>:<token>`, for
 * the transaction only), so a trigger or an audit can tell which lease a write was made under.
 */
const MARKED_FENCE_SQL =
  "select token, set_config('dtc.fence', $1 || ':' || $2::bigint, true) as marked " +
  'from cluster_leases where resource = $1 for share';

// ─── Full-text search (tsvector) ──────────────────────────────────────────────────────────────────
// The same semantics as the SQLite store's FTS5 index (unicode61, diacritics removed): words are runs of
// letters and digits, compared without case or accents; a term is a phrase of its words and a prefix of
// the last one, except a whole IPv4 address, which matches exactly. The words are cut here, in JS, the
// same way for the index and the query, and handed to to_tsvector('simple') already separated, so
// PostgreSQL's own parser (which would keep 10.0.0.1 or ws-01.corp whole) never decides.
// Title, hostnames and IPs are separate columns, as in FTS5, so a phrase never spans two of them.

const ASCII = /^[\x00-\x7f]*$/;

/** The words of a text as the index keeps them. */
export function ftsWords(text: string): string[] {
  // Plain ASCII has no accents to strip: skip the Unicode normalisation, the costly part.
  if (ASCII.test(text)) return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

const indexable = (text: string) => ftsWords(text).join(' ');

/** One search term as a tsquery: its words in a row, the last a prefix unless the term is an IPv4 address. */
export function tsQueryOf(term: string): string | undefined {
  const words = ftsWords(term);
  if (!words.length) return undefined;
  const exact = /^\d{1,3}(\.\d{1,3}){3}$/.test(term);
  // Words are letters and digits only, so quoting them is safe; a tsquery lexeme in quotes is literal.
  return words.map((w, i) => `'${w}'${!exact && i === words.length - 1 ? ':*' : ''}`).join(' <-> ');
}

/** Each term of what a person typed as a tsquery (every one must match); undefined when none is left. */
export function tsQueries(q: string): string[] | undefined {
  const terms = q
    .split(/\s+/)
    .map((t) => tsQueryOf(t.replace(/"/g, ' ').trim()))
    .filter((t): t is string => t !== undefined);
  return terms.length ? terms : undefined;
}

/** The text search's SQL on tsvector columns, with FTS5's meaning (see above). */
export const tsvectorSearch: TextSearch = {
  terms: tsQueries,
  versionsMatching: (t) =>
    sql<number>`(SELECT seq FROM detections_fts WHERE title @@ to_tsquery('simple', ${t}) OR hostnames @@ to_tsquery('simple', ${t}) OR ips @@ to_tsquery('simple', ${t}))`,
  descriptionsMatching: (t) =>
    sql<number>`(SELECT id FROM descriptions_fts WHERE description @@ to_tsquery('simple', ${t}))`,
  seqTable: (seqs) => sql<{ value: number }>`(SELECT unnest(${seqs}::bigint[]) AS value)`,
  oneOf: (column, values) => sql<boolean>`${sql.ref(column)} = ANY(${values}::text[])`,
};

/** A detection version's words, one tsvector column each, under one GIN index (a migration step). */
export async function createDetectionTsvector(k: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE detections_fts (
    seq bigint PRIMARY KEY,
    title tsvector NOT NULL,
    hostnames tsvector NOT NULL,
    ips tsvector NOT NULL
  )`.execute(k);
  await sql`CREATE INDEX detections_fts_words ON detections_fts USING gin (title, hostnames, ips)`.execute(k);
}

/** Each distinct description's words (a migration step). */
export async function createDescriptionTsvector(k: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE descriptions_fts (id bigint PRIMARY KEY, description tsvector NOT NULL)`.execute(k);
  await sql`CREATE INDEX descriptions_fts_words ON descriptions_fts USING gin (description)`.execute(k);
}

/** A bigserial primary key: numbered by a sequence, never reused. */
export function pgSerialKey<T extends string, C extends string>(
  t: CreateTableBuilder<T, C>,
  column: string,
): CreateTableBuilder<T, C> {
  return t.addColumn(column, 'bigserial', (c) => c.primaryKey());
}

/** A raw statement as the executor takes it: compiled against this store's Kysely (its dialect). */
const onKysely = <R>(k: Kysely<DB>, q: RawBuilder<R>): Compilable<R> => ({ compile: () => q.compile(k) });

function tsvectorWriter(k: Kysely<DB>, x: PostgresExecutor): FtsWriter {
  // Any number of rows in one statement: four arrays, unnested server-side.
  const many = (rows: [number, string, string, string][]) =>
    x.run(
      onKysely(
        k,
        sql`INSERT INTO detections_fts (seq, title, hostnames, ips)
          SELECT s, to_tsvector('simple', t), to_tsvector('simple', h), to_tsvector('simple', i)
          FROM unnest(${rows.map((r) => r[0])}::bigint[], ${rows.map((r) => indexable(r[1]))}::text[],
                      ${rows.map((r) => indexable(r[2]))}::text[], ${rows.map((r) => indexable(r[3]))}::text[])
            AS u(s, t, h, i)
          ON CONFLICT (seq) DO NOTHING`,
      ),
    );
  return {
    insert: async (seq, title, hostnames, ips) => void (await many([[seq, title, hostnames, ips]])),
    insertMany: async (rows) => {
      if (rows.length) await many(rows);
    },
    insertDescription: async (id, text) =>
      void (await x.run(
        onKysely(
          k,
          sql`INSERT INTO descriptions_fts (id, description)
            VALUES (${id}, to_tsvector('simple', ${indexable(text)})) ON CONFLICT (id) DO NOTHING`,
        ),
      )),
  };
}

/** The tables that hold secrets (encrypted tokens, key material, sink options): rewritten by flushReplaced. */
const SECRET_TABLES = ['instances', 'secret_keys', 'sinks'] as const;

/**
 * The Conn over a pool. `secure` needs nothing: PostgreSQL never reuses a row in place, it leaves the old
 * version for VACUUM. `flushReplaced` is where old versions of secret rows go: VACUUM FULL rewrites those
 * (small) tables, so replaced values are not left in their files.
 */
export function postgresConn(
  url: string,
  pool: pg.Pool,
  kysely: Kysely<DB>,
  onHealth: (h: StoreHealth) => void,
): Conn & { x: PostgresExecutor } {
  const where = describePostgresUrl(url);
  const x = new PostgresExecutor(pool, where, onHealth);
  let closed = false;
  return {
    dialect: 'postgres',
    // 500 rows × 13 columns stays far below PostgreSQL's 65,535 parameters.
    rowsPerStatement: 500,
    path: where,
    k: kysely,
    x,
    fts: tsvectorWriter(kysely, x),
    text: tsvectorSearch,
    appendLock: async () => void (await appendLock(kysely, x)),
    secure: (fn) => fn(),
    async flushReplaced(): Promise<boolean> {
      await x.session(async (c) => {
        for (const t of SECRET_TABLES) await c.query(`VACUUM FULL ${t}`);
      });
      return true;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // Kysely's destroy() ends the pool it was given.
      await kysely.destroy();
    },
  };
}

/** Appends to the log take this lock for the rest of their transaction; see appendLock in conn.ts. */
export const APPEND_LOCK_KEY = 0x64746301; // "dtc" and 1

/** Serialises appends: a seq is allocated and committed before the next append allocates any. */
export function appendLock(k: Kysely<DB>, x: PostgresExecutor): Promise<RunResult> {
  return x.run(onKysely(k, sql`SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`));
}
