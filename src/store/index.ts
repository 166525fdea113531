// The durable store: one `openStore()` over its repositories, each in its own file: detections (the
// append log, its heads and full-text index), instances and their encrypted secrets, cursors, sinks and
// their offsets, dead letters, connection checks, the command audit, identities and case links.
// SQLite (better-sqlite3) is the embedded default; every repository takes the db-neutral connection of
// conn.ts, and sqlite.ts is the only file that knows SQLite.
//
// API shape: every method returns a Promise, so that a PostgreSQL store (whose driver is asynchronous)
// can implement the same interface; health() and onHealthChange() stay synchronous (they read memory).
// The SQLite executor runs each statement synchronously and serialises transactions across async flows
// (see SqliteExecutor).
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { type CommandRuns, commandRuns } from './audit.ts';
import { type CaseStore, type CaseTables, caseStore } from './cases.ts';
import { type ConnectionChecks, connectionChecks } from './checks.ts';
import type { Conn } from './conn.ts';
import { type Cursors, cursors } from './cursors.ts';
import {
  DEAD_LETTER_DEFAULTS,
  type DeadLetterRetention,
  type DeadLetters,
  deadLetters,
} from './dead-letters.ts';
import { type DetectionStats, detectionStats } from './detection-stats.ts';
import {
  type AppendResult,
  type DetectionInput,
  type DetectionQuery,
  type DetectionVersion,
  detections,
  type LogFilter,
  type LogScan,
  type StoredDetection,
} from './detections.ts';
import type { StoreHealth } from './errors.ts';
import { type Identities, identities } from './identities.ts';
import { type InstanceSecrets, instanceSecrets, storedKeys } from './instance-secrets.ts';
import { type InstanceStatuses, instanceStatuses } from './instance-status.ts';
import { type Instances, instances } from './instances.ts';
import { MIGRATION_TABLE, migrateToLatest } from './migrations.ts';
import { describePostgresUrl, openPostgres, postgresConn, postgresIoError } from './postgres.ts';
import { type RateLimits, rateLimits } from './rate-limits.ts';
import { type Reports, reports } from './reports.ts';
import type { DB } from './schema.ts';
import {
  KeyRing,
  keyId,
  PREVIOUS_KEYS_FILE_NAME,
  readPreviousKeys,
  resolveCurrentKey,
  type WrappedKey,
} from './secrets.ts';
import { type SinkOffsets, type Sinks, sinkOffsets, sinks } from './sinks.ts';
import { openSqlite, sqliteConn, storeIoError } from './sqlite.ts';

export type { CommandRun, CommandRunInput } from './audit.ts';
export type { ConnectionCheck, ConnectionCheckInput } from './checks.ts';
export type { DeadLetter, DeadLetterInput, DeadLetterRetention } from './dead-letters.ts';
export { DEAD_LETTER_DEFAULTS } from './dead-letters.ts';
export type {
  AppendResult,
  DetectionInput,
  DetectionQuery,
  DetectionVersion,
  LogFilter,
  LogScan,
  RecordSource,
  StoredDetection,
} from './detections.ts';
export type { StoreErrorCode, StoreHealth, StoreIoCode } from './errors.ts';
export { isRetryableStoreError, StoreError, StoreIoError } from './errors.ts';
export type { ApiKeyRow, Grant, Identities, SessionRow, UserRow } from './identities.ts';
export type { StoredSecret } from './instance-secrets.ts';
export type { InstanceStatuses, StoredInstanceStatus } from './instance-status.ts';
export type { Instance, InstanceInput, InstancePatch, TlsOptions } from './instances.ts';
export { REDACTED_PASSWORD } from './instances.ts';
export type { RateLimits, RateWindow } from './rate-limits.ts';
export type { RingKey, SecretErrorCode } from './secrets.ts';
export { NEW_SECRET_KEY_ENV, SECRET_KEY_ENV, SecretError } from './secrets.ts';
export type { Sink, SinkOffset } from './sinks.ts';

export const DB_FILE_NAME = 'dtc.sqlite';

export interface Store {
  /** Where the data lives: the SQLite file. */
  readonly path: string;
  /** Which database: one process owns a SQLite file; replicas share a PostgreSQL store (src/cluster/). */
  readonly dialect: Conn['dialect'];
  /**
   * Kysely over the store's own connections, for the cluster's leases (src/cluster/), which run on the
   * same database and pool; the repositories below are the way to read and write the store's data.
   */
  readonly kysely: Kysely<DB>;

  /** One transaction. Same key and hash as the head: duplicate, dropped. New key: version 1. Changed hash: next version. */
  appendDetections(batch: DetectionInput[]): Promise<AppendResult>;
  // Reads give stored rows: the columns and the text received. The canonical detection is derived from
  // them by the read model (src/read/), which the API, the console, MCP and the sinks go through.
  /** Latest version of each key, newest event first; `content: true` adds the text received (for the read model). */
  searchDetections(
    q: DetectionQuery,
    opts?: { content?: boolean },
  ): Promise<{ items: StoredDetection[]; total: number; totalCapped?: true }>;
  /** By seq (any version; a string of digits counts as a seq) or by key (the latest version), with all versions of that key. */
  getDetection(
    idOrKey: number | string,
  ): Promise<(StoredDetection & { versions: DetectionVersion[] }) | undefined>;
  /** The log after `afterSeq`, in seq order; `content: false` reads the columns only (for seeking by time). */
  readLog(afterSeq: number, limit: number, opts?: { content?: boolean }): Promise<StoredDetection[]>;
  /** A sink's next rows: filtered on indexed columns in the query; `through` is how far it looked. */
  scanLog(afterSeq: number, limit: number, filter?: LogFilter): Promise<LogScan>;
  maxSeq(): Promise<number>;
  countDetections(): Promise<number>;
  countKeys(): Promise<number>;

  instances: Instances;
  cursors: Cursors;
  sinks: Sinks;
  sinkOffsets: SinkOffsets;
  deadLetters: DeadLetters;
  connectionChecks: ConnectionChecks;
  /** Each instance's live status, written by the replica polling it (replicas on PostgreSQL only). */
  instanceStatus: InstanceStatuses;
  /** Users, API keys, grants and sessions (hashes only; src/auth/ makes and checks them). */
  identities: Identities;
  /** Aggregates for the console: detections over time by severity, per instance since a time. */
  readonly detectionStats: DetectionStats;
  /** Case-management connectors: detection ↔ case links, offsets, cursors (src/store/cases.ts). */
  cases: CaseStore;
  /** The encrypted secrets (private tokens, proxy passwords) and the keys they are made with. */
  secrets: InstanceSecrets;
  commandRuns: CommandRuns;
  /** The executive report's figures, computed by the database (async: Kysely's own executor). */
  reports: Reports;
  /** Request counts per key and window, shared by every process on the store (the API's rate limit). */
  rateLimits: RateLimits;
  /**
   * Whether the store can write now. A write that fails for the disk or the file (full, read-only,
   * corrupt) throws a StoreIoError naming the file and the fix, and marks the store unwritable until a
   * write succeeds again.
   */
  health(): StoreHealth;
  /** Called when writability changes (to unwritable, to another failure, or back to writable). */
  onHealthChange(listener: (h: StoreHealth) => void): () => void;
  /** Applied migrations, oldest first. */
  migrations(): Promise<{ name: string; executedAt: string }[]>;
  close(): Promise<void>;
}

export type OpenStoreOptions = (
  | { dataDir: string }
  | {
      /** The SQLite file; the key file (when DTC_SECRET_KEY is unset) lives beside it. */
      path: string;
    }
  | {
      /**
       * A PostgreSQL store, `postgres://user:password@host:5432/db`. The secret key comes from
       * DTC_SECRET_KEY, or from the key file in `keyDir` (every replica must use the same key).
       */
      url: string;
      keyDir?: string;
      /** Connections in the pool (default 10). */
      poolSize?: number;
      /**
       * A replica's sessions end a transaction left idle this long (a paused replica must not hold the
       * lease row its fence locked past its lease); see src/cluster/pool.ts.
       */
      idleTransactionTimeoutMs?: number;
    }
) & {
  /** Overrides DTC_SECRET_KEY and the key file. */
  secretKey?: Buffer;
  /** Where DTC_SECRET_KEY is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How much of the dead-letter table is kept; see DEAD_LETTER_DEFAULTS. */
  deadLetters?: Partial<DeadLetterRetention>;
};

/** Opens (creating when needed) the store and brings its schema to the latest version. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if ('url' in opts) return openPostgresStore(opts);
  let path: string;
  let keyDir: string | undefined;
  if ('dataDir' in opts) {
    const dir = resolve(opts.dataDir);
    // 0700: the directory holds the key file and every detection; nobody else needs to list it.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    path = join(dir, DB_FILE_NAME);
    keyDir = dir;
  } else {
    path = opts.path === ':memory:' ? opts.path : resolve(opts.path);
    keyDir = path === ':memory:' ? undefined : dirname(path);
  }
  const { db, kysely } = openSqlite(path);
  try {
    await migrateToLatest(kysely);
  } catch (err) {
    db.close();
    throw storeIoError(err, path) ?? err;
  }
  const healthListeners = new Set<(h: StoreHealth) => void>();
  const conn = sqliteConn(path, db, kysely, (h) => {
    for (const l of healthListeners) l(h);
  });
  return withKeys(conn, keyDir, opts, healthListeners);
}

/** Whether a store location is a PostgreSQL URL (as opposed to a data directory or a SQLite file). */
export const isPostgresUrl = (s: string) => /^postgres(ql)?:\/\//i.test(s);

/** The PostgreSQL store: the same repositories over postgres.ts's connection. */
async function openPostgresStore(opts: Extract<OpenStoreOptions, { url: string }>): Promise<Store> {
  const { pool, kysely } = openPostgres(opts.url, {
    max: opts.poolSize,
    options: opts.idleTransactionTimeoutMs
      ? `-c idle_in_transaction_session_timeout=${Math.max(1, Math.floor(opts.idleTransactionTimeoutMs))}`
      : undefined,
  });
  const where = describePostgresUrl(opts.url);
  try {
    await migrateToLatest(kysely);
  } catch (err) {
    await kysely.destroy();
    throw postgresIoError(err, where) ?? err;
  }
  const healthListeners = new Set<(h: StoreHealth) => void>();
  const conn = postgresConn(opts.url, pool, kysely, (h) => {
    for (const l of healthListeners) l(h);
  });
  return withKeys(conn, opts.keyDir ? resolve(opts.keyDir) : undefined, opts, healthListeners);
}

/** The store over a connection, with its key ring. */
async function withKeys(
  conn: Conn,
  keyDir: string | undefined,
  opts: OpenStoreOptions,
  healthListeners: Set<(h: StoreHealth) => void>,
): Promise<Store> {
  // The keys are loaded on first use: a store that never touches a secret (search, a sink) needs none.
  // They are read again whenever a value names a key the ring lacks (see KeyRing), so a rotation by
  // another process (`dtc secrets rotate`) never stops this one. The keys kept in the store are read
  // (asynchronously) by refresh(), which the repositories call before each use of the ring.
  const given = opts.secretKey;
  let wrapped: WrappedKey[] = [];
  const ring = new KeyRing(
    () => ({
      current: given
        ? { id: keyId(given), key: given, source: 'the key given to the store' }
        : resolveCurrentKey({ keyDir, env: opts.env }),
      previous: keyDir ? readPreviousKeys(join(keyDir, PREVIOUS_KEYS_FILE_NAME)) : [],
      wrapped,
    }),
    async () => {
      wrapped = await storedKeys(conn);
    },
  );
  const retention = { ...DEAD_LETTER_DEFAULTS, ...opts.deadLetters };
  const { store, legacy } = composeStore(conn, ring, retention, healthListeners);
  try {
    await legacy();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/** Each open store's connection, for the store copy (copy.ts), which moves whole tables. */
const connections = new WeakMap<Store, Conn>();

/** The connection under a store opened by openStore(). */
export function storeConn(store: Store): Conn {
  const conn = connections.get(store);
  if (!conn) throw new Error('store: not a store opened by openStore()');
  return conn;
}

/** The repositories over one connection, as the Store. */
function composeStore(
  conn: Conn,
  ring: KeyRing,
  retention: DeadLetterRetention,
  healthListeners: Set<(h: StoreHealth) => void>,
): { store: Store; legacy: () => Promise<void> } {
  const { k, x } = conn;
  const log = detections(conn);
  const instancesRepo = instances(conn, ring);
  const sinksRepo = sinks(conn);
  let stats: DetectionStats | undefined;
  let ids: Identities | undefined;
  let caseRepo: CaseStore | undefined;
  const store: Store = {
    path: conn.path,
    dialect: conn.dialect,
    kysely: k,
    appendDetections: (batch: DetectionInput[]) => log.append(batch),
    searchDetections: (q: DetectionQuery, opts?: { content?: boolean }) =>
      log.search(q, (c) => store.detectionStats.count(c), opts?.content),
    getDetection: (idOrKey: number | string) => log.get(idOrKey),
    readLog: log.readLog,
    scanLog: (afterSeq: number, limit: number, filter?: LogFilter) => log.scanLog(afterSeq, limit, filter),
    maxSeq: () => log.maxSeq(),
    countDetections: () => log.count(),
    countKeys: () => log.countKeys(),
    instances: instancesRepo,
    cursors: cursors(conn),
    sinks: sinksRepo,
    sinkOffsets: sinkOffsets(conn),
    deadLetters: deadLetters(conn, retention),
    connectionChecks: connectionChecks(conn),
    instanceStatus: instanceStatuses(conn),
    commandRuns: commandRuns(conn),
    reports: reports(conn),
    rateLimits: rateLimits(k, x),
    secrets: instanceSecrets(conn, ring),
    get detectionStats(): DetectionStats {
      stats ??= detectionStats(conn);
      return stats;
    },
    get identities(): Identities {
      ids ??= identities(k, x);
      return ids;
    },
    get cases(): CaseStore {
      caseRepo ??= caseStore(k as unknown as Kysely<CaseTables>, x);
      return caseRepo;
    },
    health: (): StoreHealth => ({ ...x.health }),
    onHealthChange(listener: (h: StoreHealth) => void) {
      healthListeners.add(listener);
      return () => healthListeners.delete(listener);
    },
    async migrations() {
      const m = k.withTables<{ [MIGRATION_TABLE]: { name: string; timestamp: string } }>();
      return (await x.all(m.selectFrom(MIGRATION_TABLE).select(['name', 'timestamp']).orderBy('name'))).map(
        (r) => ({ name: r.name, executedAt: r.timestamp }),
      );
    },
    close: () => conn.close(),
  };
  connections.set(store, conn);
  // Secrets an older version kept in the clear: sink configs redacted again, proxy passwords encrypted.
  const legacy = async () => {
    await sinksRepo.scrubStored();
    await instancesRepo.encryptLegacyProxyPasswords();
  };
  return { store, legacy };
}
