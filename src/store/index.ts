// The durable store: instances (with encrypted private tokens), poll cursors, the detection append log
// with its heads and full-text index, sinks and their offsets, dead letters, connection checks and the
// command audit. SQLite (better-sqlite3) is the embedded default.
//
// API shape: openStore() and close() are async (Kysely's Migrator and destroy are); every other method is
// synchronous, because better-sqlite3 is and the pollers append inside a batch. Queries are built with
// Kysely and run by the synchronous executor in sqlite.ts, the one SQLite-specific file.
//
// Ordering: SQLite has one writer, so seq order is commit order and a sink reading `seq > offset` never
// skips a row that commits later. (A PostgreSQL store must keep that promise another way.)
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Compilable, Kysely, Selectable } from 'kysely';
import { contentHash, type Detection, normalize, type Origin } from '../normalize/index.ts';
import { redactUrlText } from '../util/redact.ts';
import { type CaseStore, type CaseTables, caseStore } from './cases.ts';
import { type DetectionStats, detectionStats } from './detection-stats.ts';
import type { StoreHealth } from './errors.ts';
import { type Identities, identities } from './identities.ts';
import { MIGRATION_TABLE, migrateToLatest } from './migrations.ts';
import type { DB, DetectionsTable, InstancesTable } from './schema.ts';
import { searchPage } from './search.ts';
import {
  decryptSecret,
  encryptSecret,
  KeyRing,
  keyId,
  keyIdOf,
  PREVIOUS_KEYS_FILE_NAME,
  type RingKey,
  readPreviousKeys,
  resolveCurrentKey,
  type WrappedKey,
  wrapKey,
} from './secrets.ts';
import {
  type FtsStatements,
  ftsStatements,
  openSqlite,
  optimizeOnClose,
  param,
  type SqliteDb,
  SyncExecutor,
  storeIoError,
} from './sqlite.ts';

export type { StoreHealth, StoreIoCode } from './errors.ts';
export { isRetryableStoreError, StoreIoError } from './errors.ts';
export type { ApiKeyRow, Grant, Identities, SessionRow, UserRow } from './identities.ts';
export type { RingKey, SecretErrorCode } from './secrets.ts';
export { NEW_SECRET_KEY_ENV, SECRET_KEY_ENV, SecretError } from './secrets.ts';

export const DB_FILE_NAME = 'dtc.sqlite';

// ─── Types ────────────────────────────────────────────────────────────────────────────────────────

export interface DetectionInput {
  instance: string;
  family: string;
  nativeId: string;
  /** Content hash of the canonical detection: equal to the head's hash = duplicate. */
  hash: string;
  /** Milliseconds since the epoch. */
  eventTime: number;
  /** 0–5. */
  severity: number;
  title: string;
  description?: string;
  hostnames?: string[];
  ips?: string[];
  acknowledged: boolean;
  /** Where the record came from; default `api`. */
  source?: Origin['source'];
  /**
   * The record exactly as received: the syslog line, or the JSON text of an API record. It is the only
   * copy kept; the canonical detection is derived from it on read (see `canonical` below).
   */
  raw: string;
}

export interface AppendResult {
  inserted: { seq: number; key: string; version: number }[];
  duplicates: number;
  newKeys: number;
  updated: number;
}

export interface DetectionRow {
  seq: number;
  /** `instance/family/native_id`. */
  key: string;
  instance: string;
  family: string;
  nativeId: string;
  version: number;
  hash: string;
  /** When this version was stored (ms). */
  createdAt: number;
  eventTime: number;
  severity: number;
  title: string;
  acknowledged: boolean;
  source: string;
  /**
   * The canonical detection (without `raw`), derived on read by the current normaliser from what was
   * received. Null when the normaliser no longer understands the record (`problem` says why); absent
   * when the read asked for columns only.
   */
  canonical?: Omit<Detection, 'raw'> | null;
  problem?: string;
  /** The parsed record as Darktrace sent it; present in readLog and getDetection, not in listings. */
  raw?: unknown;
}

export interface DetectionVersion {
  seq: number;
  version: number;
  hash: string;
  createdAt: number;
  severity: number;
  acknowledged: boolean;
  title: string;
}

export interface DetectionQuery {
  /** Full text over title, description, hostnames and IPs; every term must match (prefix match). */
  q?: string;
  instance?: string;
  family?: string;
  /** Minimum severity (0–5). */
  severity?: number;
  /** event_time range in ms, inclusive. */
  from?: number;
  to?: number;
  acknowledged?: boolean;
  /** Default 50, at most 1000. */
  limit?: number;
  offset?: number;
}

export interface TlsOptions {
  insecure: boolean;
  caFile: string | null;
}

/** An instance as the store returns it: never the private token, not even encrypted. */
export interface Instance {
  name: string;
  url: string;
  publicToken: string;
  pollIntervalSeconds: number;
  lookbackHours: number;
  minScore: number | null;
  maxItemsPerPoll: number | null;
  tls: TlsOptions;
  proxy: string | null;
  enabled: boolean;
  checkIntervalMinutes: number | null;
  simulated: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface InstanceInput {
  name: string;
  url: string;
  publicToken: string;
  privateToken: string;
  pollIntervalSeconds?: number;
  lookbackHours?: number;
  minScore?: number | null;
  maxItemsPerPoll?: number | null;
  tls?: Partial<TlsOptions>;
  proxy?: string | null;
  enabled?: boolean;
  checkIntervalMinutes?: number | null;
  simulated?: boolean;
}

export type InstancePatch = Partial<Omit<InstanceInput, 'name'>>;

export interface Sink {
  name: string;
  config: unknown;
  createdAt: number;
}

export interface SinkOffset {
  sink: string;
  /** The highest seq the destination accepted; 0 = nothing delivered yet. */
  seq: number;
  updatedAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface DeadLetterInput {
  /** Where it came from, e.g. `syslog:tcp 127.0.0.1`, `poll:demo`. */
  source: string;
  instance?: string | null;
  reason: string;
  payload: string;
  at?: number;
}
export interface DeadLetter extends Required<Omit<DeadLetterInput, 'instance'>> {
  id: number;
  instance: string | null;
}

export interface ConnectionCheckInput {
  instance: string;
  ok: boolean;
  latencyMs?: number | null;
  error?: string | null;
  at?: number;
}
export interface ConnectionCheck {
  id: number;
  instance: string;
  at: number;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

export interface CommandRunInput {
  who: string;
  instance?: string | null;
  command: string;
  /** Stored as JSON; values under secret-looking keys (token, secret, password, ...) are redacted. */
  params?: Record<string, unknown>;
  outcome: string;
  summary?: string | null;
  at?: number;
}
export interface CommandRun {
  id: number;
  at: number;
  who: string;
  instance: string | null;
  command: string;
  params: Record<string, unknown>;
  outcome: string;
  summary: string | null;
}

/** One stored secret, as `dtc secrets status` shows it. */
export interface StoredSecret {
  kind: 'private_token' | 'proxy_password';
  /** The instance it belongs to. */
  owner: string;
  /** The key it was made with; null for a value from before key ids (read with the current key). */
  keyId: string | null;
}

export type StoreErrorCode = 'exists' | 'not_found' | 'invalid';

/** A request the store cannot satisfy (duplicate name, unknown instance, bad value): the caller's 4xx. */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Store {
  /** The SQLite file. */
  readonly path: string;

  /** One transaction. Same key and hash as the head: duplicate, dropped. New key: version 1. Changed hash: next version. */
  appendDetections(batch: DetectionInput[]): AppendResult;
  /** Latest version of each key, newest event first. */
  searchDetections(q: DetectionQuery): { items: DetectionRow[]; total: number; totalCapped?: true };
  /** By seq (any version; a string of digits counts as a seq) or by key (the latest version), with all versions of that key. */
  getDetection(idOrKey: number | string): (DetectionRow & { versions: DetectionVersion[] }) | undefined;
  /** The log after `afterSeq`, in seq order: what a sink delivers next. */
  /**
   * `content: false` reads the columns only (no canonical, no raw): cheap, for seeking by time. A
   * predicate over the columns derives the content only for the rows it accepts (a sink's filter).
   */
  readLog(
    afterSeq: number,
    limit: number,
    opts?: { content?: boolean | ((row: DetectionRow) => boolean) },
  ): DetectionRow[];
  maxSeq(): number;
  countDetections(): number;
  countKeys(): number;

  instances: {
    add(i: InstanceInput): Instance;
    list(): Instance[];
    get(name: string): Instance | undefined;
    update(name: string, patch: InstancePatch): Instance;
    /** Removes the instance, its cursors and its connection checks; its detections stay in the log. */
    remove(name: string): boolean;
    /** The decrypted private token, for the poller only. Never log it, never return it from the API. */
    privateToken(name: string): string;
    /** The proxy URL with its password decrypted, for the poller only; listings show `****` instead. */
    proxyUrl(name: string): string | null;
  };
  cursors: {
    get(instance: string, stream: string): unknown | undefined;
    set(instance: string, stream: string, state: unknown): void;
    list(instance?: string): { instance: string; stream: string; state: unknown; updatedAt: number }[];
  };
  sinks: {
    /** Creates or replaces the sink's config (its offset is kept). */
    set(name: string, config: unknown): Sink;
    get(name: string): Sink | undefined;
    list(): Sink[];
    /** Removes the sink and its offset. */
    remove(name: string): boolean;
  };
  sinkOffsets: {
    /** 0 when the sink has delivered nothing yet. */
    get(sink: string): number;
    /** After the destination accepted everything up to `seq`; also `reset offset` (replay). */
    set(sink: string, seq: number): void;
    status(sink: string): SinkOffset | undefined;
    list(): SinkOffset[];
    /** Remembers the last delivery failure; the offset does not move. */
    recordError(sink: string, error: string): void;
  };
  deadLetters: {
    add(d: DeadLetterInput): number;
    /** Several in one transaction: a flood of bad lines costs one commit per batch, not one per line. */
    addAll(ds: DeadLetterInput[]): void;
    /** Newest first. */
    list(limit?: number, offset?: number): DeadLetter[];
    count(): number;
    /** The table's size as retention counts it (payload, reason, source and 64 bytes a row). */
    bytes(): number;
    /** Deletes what is past the age and size limits now (adding also does, the age at most once a minute). */
    prune(now?: number): { deleted: number };
  };
  connectionChecks: {
    add(c: ConnectionCheckInput): number;
    /** Newest first. */
    list(instance: string, limit?: number): ConnectionCheck[];
  };
  /** Users, API keys, grants and sessions (hashes only; src/auth/ makes and checks them). */
  identities: Identities;
  /** Aggregates for the console: detections over time by severity, per instance since a time. */
  readonly detectionStats: DetectionStats;
  /** Case-management connectors: detection ↔ case links, offsets, cursors (src/store/cases.ts). */
  cases: CaseStore;
  /** The encrypted secrets (private tokens, proxy passwords) and the keys they are made with. */
  secrets: {
    /** Every stored secret and the id of the key it was made with: never a value, not even encrypted. */
    list(): StoredSecret[];
    /** The key new secrets are encrypted with, bytes included: for rotation only, never print it. */
    currentKey(): RingKey;
    /** Decrypts every stored secret; throws the first one no key opens (naming it and the fix). */
    verify(): number;
    /** The keys this process holds (current first), read again from their sources. */
    keys(): { id: string; source: string; current: boolean }[];
    /**
     * Re-encrypts every stored secret under `to` (default: the current key) in one transaction, after
     * checking that every one decrypts; with `wrapUnder`, also keeps `to` in the store wrapped under
     * that key (see KeyRing). Deleted content is overwritten and the WAL checkpointed, so no copy made
     * under an older key stays in the database files. Returns how many were re-encrypted.
     */
    reencrypt(opts?: { to?: RingKey; wrapUnder?: RingKey }): { reencrypted: number; checkpointed: boolean };
    /** Keys kept wrapped in the store (by id, and the key each is wrapped under). */
    wrappedKeys(): { id: string; wrappedBy: string; createdAt: number }[];
    /** Deletes the wrapped keys (overwriting them); returns how many. */
    dropWrappedKeys(): number;
  };
  commandRuns: {
    add(r: CommandRunInput): number;
    /** Newest first. */
    list(limit?: number, opts?: { instance?: string }): CommandRun[];
  };
  /**
   * Whether the store can write now. A write that fails for the disk or the file (full, read-only,
   * corrupt) throws a StoreIoError naming the file and the fix, and marks the store unwritable until a
   * write succeeds again.
   */
  health(): StoreHealth;
  /** Called when writability changes (to unwritable, to another failure, or back to writable). */
  onHealthChange(listener: (h: StoreHealth) => void): () => void;
  /** Applied migrations, oldest first. */
  migrations(): { name: string; executedAt: string }[];
  close(): Promise<void>;
}

export type OpenStoreOptions = (
  | { dataDir: string }
  | {
      /** The SQLite file; the key file (when DTC_SECRET_KEY is unset) lives beside it. */
      path: string;
    }
) & {
  /** Overrides DTC_SECRET_KEY and the key file. */
  secretKey?: Buffer;
  /** Where DTC_SECRET_KEY is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How much of the dead-letter table is kept; see DEAD_LETTER_DEFAULTS. */
  deadLetters?: Partial<DeadLetterRetention>;
};

export interface DeadLetterRetention {
  /** Dead letters older than this are deleted (ms; 0 = kept whatever their age). */
  maxAgeMs: number;
  /** The oldest are deleted while the table holds more than this (bytes, roughly; 0 = no limit). */
  maxBytes: number;
  /** The most of a rejected record kept (characters); the rest is cut, with its length noted. */
  excerptBytes: number;
}

export const DEAD_LETTER_DEFAULTS: DeadLetterRetention = {
  maxAgeMs: 30 * 86_400_000,
  maxBytes: 100 * 1024 * 1024,
  excerptBytes: 4096,
};

/** How often, at most, adding dead letters also deletes the expired ones. */
const AGE_PRUNE_EVERY_MS = 60_000;

// ─── Implementation ───────────────────────────────────────────────────────────────────────────────

/** Opens (creating when needed) the store and brings its schema to the latest version. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
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
  // The keys are loaded on first use: a store that never touches a secret (search, a sink) needs none.
  // They are read again whenever a value names a key the ring lacks (see KeyRing), so a rotation by
  // another process (`dtc secrets rotate`) never stops this one.
  let store: SqliteStore | undefined;
  const given = opts.secretKey;
  const ring = new KeyRing(() => ({
    current: given
      ? { id: keyId(given), key: given, source: 'the key given to the store' }
      : resolveCurrentKey({ keyDir, env: opts.env }),
    previous: keyDir ? readPreviousKeys(join(keyDir, PREVIOUS_KEYS_FILE_NAME)) : [],
    wrapped: store?.storedKeys() ?? [],
  }));
  store = new SqliteStore(path, db, kysely, ring, {
    ...DEAD_LETTER_DEFAULTS,
    ...opts.deadLetters,
  });
  try {
    store.encryptLegacySecrets();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

const DETECTION_COLUMNS = [
  'd.seq',
  'd.key',
  'd.instance',
  'd.family',
  'd.native_id',
  'd.version',
  'd.hash',
  'd.created_at',
  'd.event_time',
  'd.severity',
  'd.title',
  'd.acknowledged',
  'd.source',
] as const;
const WITH_RAW = [...DETECTION_COLUMNS, 'd.raw'] as const;

type DetectionDbRow = Omit<DetectionsTable, 'seq' | 'raw'> & { seq: number; raw?: string };

/**
 * A stored row as the API and the sinks see it. The canonical detection is the normaliser run again
 * over the received text (about as fast as parsing a stored canonical JSON would be), with the
 * instance's current URL for links the record lacks. `raw: false` leaves the parsed record out.
 */
const toDetection = (
  r: DetectionDbRow,
  opts: {
    raw: boolean;
    urlOf?: (instance: string) => string | undefined;
    /** Rows it refuses keep their columns only: the normaliser does not run for them. */
    content?: (row: DetectionRow) => boolean;
  },
): DetectionRow => {
  const row: DetectionRow = {
    seq: r.seq,
    key: r.key,
    instance: r.instance,
    family: r.family,
    nativeId: r.native_id,
    version: r.version,
    hash: r.hash,
    createdAt: r.created_at,
    eventTime: r.event_time,
    severity: r.severity,
    title: r.title,
    acknowledged: r.acknowledged === 1,
    source: r.source,
  };
  if (r.raw === undefined || (opts.content && !opts.content(row))) return row;
  try {
    const { raw, ...canonical } = normalize(r.raw, {
      instance: r.instance,
      source: r.source as Origin['source'],
      baseUrl: opts.urlOf?.(r.instance),
      // A BSD syslog timestamp has no year: it is inferred from when the line was stored.
      receivedAt: r.created_at,
    });
    row.canonical = canonical;
    if (opts.raw) row.raw = raw;
  } catch (err) {
    row.canonical = null;
    row.problem = `the normaliser cannot read this stored record: ${(err as Error).message}`;
    if (opts.raw) row.raw = r.raw;
  }
  return row;
};

type InstanceDbRow = Omit<Selectable<InstancesTable>, 'id' | 'private_token_enc'>;

/** What listings show for a stored proxy password. */
export const REDACTED_PASSWORD = '****';

/** A proxy URL split into the URL without its password and the password ('' when none). */
function splitProxy(proxy: string): { url: string; password: string } {
  let u: URL;
  try {
    u = new URL(proxy);
  } catch {
    return { url: proxy, password: '' }; // not a URL: validated elsewhere, stored as given
  }
  if (!u.password) return { url: proxy, password: '' };
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { url: u.href, password };
}

/** The proxy URL as listings show it: the password, when there is one, as `****`. */
function shownProxy(url: string | null, hasPassword: boolean): string | null {
  if (!url || !hasPassword) return url;
  const u = new URL(url);
  u.password = REDACTED_PASSWORD;
  return u.href;
}

const INSTANCE_COLUMNS = [
  'name',
  'url',
  'public_token',
  'poll_interval_s',
  'lookback_s',
  'min_score',
  'max_items_per_poll',
  'tls',
  'proxy',
  'proxy_password_enc',
  'enabled',
  'check_interval_min',
  'simulated',
  'created_at',
  'updated_at',
] as const;

const toInstance = (r: InstanceDbRow): Instance => {
  const tls = JSON.parse(r.tls || '{}') as Partial<TlsOptions>;
  return {
    name: r.name,
    url: r.url,
    publicToken: r.public_token,
    pollIntervalSeconds: r.poll_interval_s,
    lookbackHours: r.lookback_s / 3600,
    minScore: r.min_score,
    maxItemsPerPoll: r.max_items_per_poll,
    tls: { insecure: tls.insecure === true, caFile: tls.caFile ?? null },
    proxy: shownProxy(r.proxy, r.proxy_password_enc !== null),
    enabled: r.enabled === 1,
    checkIntervalMinutes: r.check_interval_min,
    simulated: r.simulated === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
};

const SECRET_PARAM = /token|secret|password|passwd|api[-_]?key|authorization|credential/i;

/** A sink config as the store keeps it: URLs with their credentials redacted, secret-named keys dropped. */
const scrubConfig = (v: unknown, depth = 0): unknown => {
  if (typeof v === 'string') return /^[a-z][a-z0-9+.-]*:/i.test(v) ? redactUrlText(v) : v;
  if (depth > 8 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => scrubConfig(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [
      k,
      SECRET_PARAM.test(k) && x != null && x !== '' ? '[REDACTED]' : scrubConfig(x, depth + 1),
    ]),
  );
};
const redact = (v: unknown, depth = 0): unknown => {
  if (depth > 8 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [
      k,
      SECRET_PARAM.test(k) && x != null && x !== '' ? '[REDACTED]' : redact(x, depth + 1),
    ]),
  );
};

interface SecretColumn {
  kind: StoredSecret['kind'];
  column: 'private_token_enc' | 'proxy_password_enc';
  aad(owner: string): string;
  describe(owner: string): string;
  fix(owner: string): string;
}

/** Every encrypted column of the store. A new one goes here, and rotation and status cover it. */
const SECRET_COLUMNS: SecretColumn[] = [
  {
    kind: 'private_token',
    column: 'private_token_enc',
    aad: (n) => tokenAad(n),
    describe: (n) => `the private token of instance ${n}`,
    fix: (n) => tokenFix(n),
  },
  {
    kind: 'proxy_password',
    column: 'proxy_password_enc',
    aad: (n) => proxyAad(n),
    describe: (n) => `the proxy password of instance ${n}`,
    fix: (n) => `re-enter the proxy URL with \`dtc instance update ${n} --proxy ...\``,
  },
];

const tokenAad = (name: string) => `dtc:instance:${name}:private_token`;
const proxyAad = (name: string) => `dtc:instance:${name}:proxy_password`;
const tokenFix = (name: string) =>
  `re-enter the token with \`dtc instance update ${name} --private-token ...\``;

const int = (v: unknown, what: string, min = 0): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new StoreError('invalid', `${what} must be an integer ≥ ${min} (got ${JSON.stringify(v)})`);
  }
  return v;
};

class SqliteStore implements Store {
  readonly path: string;
  readonly #db: SqliteDb;
  readonly #k: Kysely<DB>;
  readonly #x: SyncExecutor;
  readonly #ring: KeyRing;
  readonly #fts: FtsStatements;
  readonly #append: {
    head: (key: string) => { seq: number; version: number; hash: string } | undefined;
    insert: (p: Record<string, unknown>) => number;
    upsertHead: (p: Record<string, unknown>) => void;
    findDescription: (digest: string) => number | undefined;
    addDescription: (digest: string) => number;
  };
  /** Description text → id: descriptions repeat (one per model), so most lookups end here. */
  readonly #descriptions = new Map<string, number>();
  readonly #healthListeners = new Set<(h: StoreHealth) => void>();
  #closed = false;

  readonly #retention: DeadLetterRetention;
  /** The dead-letter table's size (sum of `size`), read once, then kept up to date here. */
  #dlBytes: number | undefined;
  #dlPrunedAt = 0;

  constructor(
    path: string,
    db: SqliteDb,
    kysely: Kysely<DB>,
    ring: KeyRing,
    retention: DeadLetterRetention = DEAD_LETTER_DEFAULTS,
  ) {
    this.path = path;
    this.#retention = retention;
    this.#db = db;
    this.#k = kysely;
    this.#x = new SyncExecutor(db, path, (h) => {
      for (const l of this.#healthListeners) l(h);
    });
    this.#ring = ring;
    this.#fts = ftsStatements(db);

    // The hot path: compiled once from Kysely builders, then run as prepared statements.
    const k = this.#k;
    const head = this.#x.prepare<{ key: string }, { seq: number; version: number; hash: string }>(
      k.selectFrom('detection_heads').select(['seq', 'version', 'hash']).where('key', '=', param('key')),
    );
    const cols = [
      'key',
      'instance',
      'family',
      'native_id',
      'version',
      'hash',
      'created_at',
      'event_time',
      'severity',
      'title',
      'acknowledged',
      'source',
      'raw',
    ] as const;
    const insert = this.#x.prepare(
      k.insertInto('detections').values(Object.fromEntries(cols.map((c) => [c, param(c)])) as any),
    );
    const headCols = [
      'key',
      'seq',
      'version',
      'hash',
      'instance',
      'family',
      'severity',
      'event_time',
      'acknowledged',
      'description_id',
    ] as const;
    const upsertHead = this.#x.prepare(
      k
        .insertInto('detection_heads')
        .values(Object.fromEntries(headCols.map((c) => [c, param(c)])) as any)
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet((eb) =>
              Object.fromEntries(
                headCols.filter((c) => c !== 'key').map((c) => [c, eb.ref(`excluded.${c}`)]),
              ),
            ),
        ),
    );
    const findDescription = this.#x.prepare<{ digest: string }, { id: number }>(
      k.selectFrom('descriptions').select('id').where('digest', '=', param('digest')),
    );
    const addDescription = this.#x.prepare(k.insertInto('descriptions').values({ digest: param('digest') }));
    this.#append = {
      head: (key) => head.first({ key }),
      insert: (p) => insert.run(p).lastInsertRowid,
      upsertHead: (p) => void upsertHead.run(p),
      findDescription: (digest) => findDescription.first({ digest })?.id,
      addDescription: (digest) => addDescription.run({ digest }).lastInsertRowid,
    };
  }

  // ── detections ──

  appendDetections(batch: DetectionInput[]): AppendResult {
    const result: AppendResult = { inserted: [], duplicates: 0, newKeys: 0, updated: 0 };
    if (!batch.length) return result;
    const now = Date.now();
    const a = this.#append;
    // Descriptions first added in this batch: cached only once the batch has committed.
    const added = new Map<string, number>();
    const descriptionId = (text: string | undefined): number | null => {
      if (!text) return null;
      let id = this.#descriptions.get(text) ?? added.get(text);
      if (id !== undefined) return id;
      const digest = contentHash([text]);
      id = a.findDescription(digest);
      if (id === undefined) {
        id = a.addDescription(digest);
        this.#fts.insertDescription(id, text);
        added.set(text, id);
      } else this.#remember(text, id);
      return id;
    };
    this.#x.transaction(() => {
      for (const d of batch) {
        const key = `${d.instance}/${d.family}/${d.nativeId}`;
        const head = a.head(key);
        if (head && head.hash === d.hash) {
          result.duplicates++;
          continue;
        }
        const version = head ? head.version + 1 : 1;
        const row: Record<string, unknown> = {
          key,
          instance: d.instance,
          family: d.family,
          native_id: d.nativeId,
          version,
          hash: d.hash,
          created_at: now,
          event_time: Math.trunc(d.eventTime) || 0,
          severity: d.severity,
          title: d.title,
          acknowledged: d.acknowledged ? 1 : 0,
          source: d.source ?? 'api',
          raw: d.raw,
        };
        const seq = a.insert(row);
        row.seq = seq;
        row.description_id = descriptionId(d.description);
        a.upsertHead(row);
        // Insert-only: older versions stay in the full-text index but search joins matches to the heads,
        // so they never surface. Deleting them here cost 2–3× the whole append (FTS5 deletes are slow).
        this.#fts.insert(seq, d.title, (d.hostnames ?? []).join(' '), (d.ips ?? []).join(' '));
        if (head) result.updated++;
        else result.newKeys++;
        result.inserted.push({ seq, key, version });
      }
    });
    for (const [text, id] of added) this.#remember(text, id);
    return result;
  }

  #remember(text: string, id: number): void {
    // Bounded: AI Analyst summaries are one per incident, unlike model descriptions.
    if (this.#descriptions.size >= 10_000) this.#descriptions.clear();
    this.#descriptions.set(text, id);
  }

  searchDetections(q: DetectionQuery): { items: DetectionRow[]; total: number; totalCapped?: true } {
    const { rows, ...total } = searchPage<DetectionDbRow>(
      this.#k,
      this.#x,
      q,
      WITH_RAW,
      this.detectionStats.count,
    );
    const urlOf = this.#urls();
    return { items: rows.map((r) => toDetection(r, { raw: false, urlOf })), ...total };
  }

  getDetection(idOrKey: number | string): (DetectionRow & { versions: DetectionVersion[] }) | undefined {
    const bySeq = typeof idOrKey === 'number' || /^\d+$/.test(idOrKey);
    const sel = this.#k.selectFrom('detections as d').select(WITH_RAW);
    const row = bySeq
      ? this.#x.first(sel.where('d.seq', '=', Number(idOrKey)))
      : this.#x.first(
          sel.where('d.seq', '=', (eb) =>
            eb.selectFrom('detection_heads').select('seq').where('key', '=', String(idOrKey)),
          ),
        );
    if (!row) return undefined;
    const versions = this.#x
      .all(
        this.#k
          .selectFrom('detections')
          .select(['seq', 'version', 'hash', 'created_at', 'severity', 'acknowledged', 'title'])
          .where('key', '=', row.key)
          .orderBy('version'),
      )
      .map((v) => ({
        seq: v.seq,
        version: v.version,
        hash: v.hash,
        createdAt: v.created_at,
        severity: v.severity,
        acknowledged: v.acknowledged === 1,
        title: v.title,
      }));
    return { ...toDetection(row, { raw: true, urlOf: this.#urls() }), versions };
  }

  readLog(
    afterSeq: number,
    limit: number,
    opts: { content?: boolean | ((row: DetectionRow) => boolean) } = {},
  ): DetectionRow[] {
    const cols = opts.content === false ? DETECTION_COLUMNS : WITH_RAW;
    const content = typeof opts.content === 'function' ? opts.content : undefined;
    const rows = this.#x.all(
      this.#k
        .selectFrom('detections as d')
        .select(cols)
        .where('d.seq', '>', afterSeq)
        .orderBy('d.seq')
        .limit(Math.max(Math.trunc(limit), 0)),
    );
    const urlOf = this.#urls();
    return rows.map((r) => toDetection(r, { raw: true, urlOf, content }));
  }

  /** Instance name → its URL, read once per call: links for records that carry none. */
  #urls(): (instance: string) => string | undefined {
    let urls: Map<string, string> | undefined;
    return (name) => {
      urls ??= new Map(
        this.#x.all(this.#k.selectFrom('instances').select(['name', 'url'])).map((i) => [i.name, i.url]),
      );
      return urls.get(name);
    };
  }

  maxSeq(): number {
    const r = this.#x.first(this.#k.selectFrom('detections').select((eb) => eb.fn.max('seq').as('m')));
    return Number(r?.m ?? 0);
  }

  countDetections(): number {
    return Number(
      this.#x.first(this.#k.selectFrom('detections').select((eb) => eb.fn.countAll().as('n')))?.n ?? 0,
    );
  }

  countKeys(): number {
    return Number(
      this.#x.first(this.#k.selectFrom('detection_heads').select((eb) => eb.fn.countAll().as('n')))?.n ?? 0,
    );
  }

  // ── instances ──

  instances: Store['instances'] = {
    add: (i) => {
      if (!i.name || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(i.name)) {
        throw new StoreError(
          'invalid',
          `instance name ${JSON.stringify(i.name)} must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
        );
      }
      if (this.instances.get(i.name)) throw new StoreError('exists', `instance "${i.name}" already exists`);
      const now = Date.now();
      this.#secureRun(
        this.#k.insertInto('instances').values({
          name: i.name,
          url: i.url,
          public_token: i.publicToken,
          private_token_enc: encryptSecret(this.#ring, i.privateToken, tokenAad(i.name)),
          poll_interval_s: int(i.pollIntervalSeconds ?? 300, 'pollIntervalSeconds', 1),
          lookback_s: int(Math.round((i.lookbackHours ?? 24) * 3600), 'lookbackHours'),
          min_score: i.minScore ?? null,
          max_items_per_poll: i.maxItemsPerPoll ?? null,
          tls: JSON.stringify({ insecure: i.tls?.insecure === true, caFile: i.tls?.caFile ?? null }),
          ...this.#proxyColumns(i.name, i.proxy ?? null),
          enabled: i.enabled === false ? 0 : 1,
          check_interval_min: i.checkIntervalMinutes ?? null,
          simulated: i.simulated ? 1 : 0,
          created_at: now,
          updated_at: now,
        }),
      );
      return this.instances.get(i.name)!;
    },

    list: () =>
      this.#x.all(this.#k.selectFrom('instances').select(INSTANCE_COLUMNS).orderBy('name')).map(toInstance),

    get: (name) => {
      const r = this.#x.first(
        this.#k.selectFrom('instances').select(INSTANCE_COLUMNS).where('name', '=', name),
      );
      return r ? toInstance(r) : undefined;
    },

    update: (name, patch) => {
      const cur = this.instances.get(name);
      if (!cur) throw new StoreError('not_found', `no instance named "${name}"`);
      const set: Partial<Record<keyof InstancesTable, unknown>> = {
        updated_at: Math.max(Date.now(), cur.updatedAt),
      };
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.publicToken !== undefined) set.public_token = patch.publicToken;
      if (patch.privateToken !== undefined) {
        set.private_token_enc = encryptSecret(this.#ring, patch.privateToken, tokenAad(name));
      }
      if (patch.pollIntervalSeconds !== undefined)
        set.poll_interval_s = int(patch.pollIntervalSeconds, 'pollIntervalSeconds', 1);
      if (patch.lookbackHours !== undefined)
        set.lookback_s = int(Math.round(patch.lookbackHours * 3600), 'lookbackHours');
      if (patch.minScore !== undefined) set.min_score = patch.minScore;
      if (patch.maxItemsPerPoll !== undefined) set.max_items_per_poll = patch.maxItemsPerPoll;
      if (patch.tls !== undefined) set.tls = JSON.stringify({ ...cur.tls, ...patch.tls });
      if (patch.proxy !== undefined) {
        // The URL a listing showed (password `****`) keeps the stored password.
        const p = patch.proxy;
        if (p !== null && splitProxy(p).password === REDACTED_PASSWORD) set.proxy = splitProxy(p).url;
        else Object.assign(set, this.#proxyColumns(name, p));
      }
      if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
      if (patch.checkIntervalMinutes !== undefined) set.check_interval_min = patch.checkIntervalMinutes;
      if (patch.simulated !== undefined) set.simulated = patch.simulated ? 1 : 0;
      this.#secureRun(
        this.#k
          .updateTable('instances')
          .set(set as any)
          .where('name', '=', name),
      );
      return this.instances.get(name)!;
    },

    remove: (name) =>
      this.#x.transaction(() => {
        const r = this.#secureRun(this.#k.deleteFrom('instances').where('name', '=', name));
        this.#x.run(this.#k.deleteFrom('cursors').where('instance', '=', name));
        this.#x.run(this.#k.deleteFrom('connection_checks').where('instance', '=', name));
        return r.changes > 0;
      }),

    proxyUrl: (name) => {
      const r = this.#x.first(
        this.#k.selectFrom('instances').select(['proxy', 'proxy_password_enc']).where('name', '=', name),
      );
      if (!r) throw new StoreError('not_found', `no instance named "${name}"`);
      if (!r.proxy || r.proxy_password_enc === null) return r.proxy;
      const password = decryptSecret(
        this.#ring,
        r.proxy_password_enc,
        proxyAad(name),
        `the proxy password of instance ${name}`,
        `re-enter the proxy URL with \`dtc instance update ${name} --proxy ...\``,
      );
      const u = new URL(r.proxy);
      u.password = encodeURIComponent(password);
      return u.href;
    },

    privateToken: (name) => {
      const r = this.#x.first(
        this.#k.selectFrom('instances').select('private_token_enc').where('name', '=', name),
      );
      if (!r) throw new StoreError('not_found', `no instance named "${name}"`);
      return decryptSecret(
        this.#ring,
        r.private_token_enc,
        tokenAad(name),
        `the private token of instance ${name}`,
        tokenFix(name),
      );
    },
  };

  // ── cursors ──

  cursors: Store['cursors'] = {
    get: (instance, stream) => {
      const r = this.#x.first(
        this.#k
          .selectFrom('cursors')
          .select('state')
          .where('instance', '=', instance)
          .where('stream', '=', stream),
      );
      return r ? JSON.parse(r.state) : undefined;
    },
    set: (instance, stream, state) => {
      const now = Date.now();
      const json = JSON.stringify(state) ?? 'null';
      this.#x.run(
        this.#k
          .insertInto('cursors')
          .values({ instance, stream, state: json, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['instance', 'stream']).doUpdateSet({ state: json, updated_at: now }),
          ),
      );
    },
    list: (instance) => {
      let q = this.#k.selectFrom('cursors').selectAll().orderBy('instance').orderBy('stream');
      if (instance !== undefined) q = q.where('instance', '=', instance);
      return this.#x.all(q).map((r) => ({
        instance: r.instance,
        stream: r.stream,
        state: JSON.parse(r.state),
        updatedAt: r.updated_at,
      }));
    },
  };

  // ── sinks and offsets ──

  sinks: Store['sinks'] = {
    set: (name, config) => {
      // Credentials never reach the database: a sink's come from the config file or the command line
      // at every start, so the store keeps only what listings show (callers redact already; this is
      // the second line).
      const json = JSON.stringify(scrubConfig(config)) ?? 'null';
      this.#x.run(
        this.#k
          .insertInto('sinks')
          .values({ name, config: json, created_at: Date.now() })
          .onConflict((oc) => oc.column('name').doUpdateSet({ config: json })),
      );
      return this.sinks.get(name)!;
    },
    get: (name) => {
      const r = this.#x.first(this.#k.selectFrom('sinks').selectAll().where('name', '=', name));
      return r ? { name: r.name, config: JSON.parse(r.config), createdAt: r.created_at } : undefined;
    },
    list: () =>
      this.#x
        .all(this.#k.selectFrom('sinks').selectAll().orderBy('name'))
        .map((r) => ({ name: r.name, config: JSON.parse(r.config), createdAt: r.created_at })),
    remove: (name) =>
      this.#x.transaction(() => {
        this.#x.run(this.#k.deleteFrom('sink_offsets').where('sink', '=', name));
        return this.#x.run(this.#k.deleteFrom('sinks').where('name', '=', name)).changes > 0;
      }),
  };

  sinkOffsets: Store['sinkOffsets'] = {
    get: (sink) => Number(this.sinkOffsets.status(sink)?.seq ?? 0),
    set: (sink, seq) => {
      const now = Date.now();
      const s = int(seq, 'sink offset');
      this.#x.run(
        this.#k
          .insertInto('sink_offsets')
          .values({ sink, seq: s, updated_at: now })
          .onConflict((oc) => oc.column('sink').doUpdateSet({ seq: s, updated_at: now })),
      );
    },
    status: (sink) => {
      const r = this.#x.first(this.#k.selectFrom('sink_offsets').selectAll().where('sink', '=', sink));
      return r ? toOffset(r) : undefined;
    },
    list: () => this.#x.all(this.#k.selectFrom('sink_offsets').selectAll().orderBy('sink')).map(toOffset),
    recordError: (sink, error) => {
      const now = Date.now();
      // A sink that failed before its first delivery still gets a row (offset 0) so its status shows the error.
      this.#x.run(
        this.#k
          .insertInto('sink_offsets')
          .values({ sink, seq: 0, updated_at: now, last_error: error, last_error_at: now })
          .onConflict((oc) => oc.column('sink').doUpdateSet({ last_error: error, last_error_at: now })),
      );
    },
  };

  // ── dead letters, connection checks, command runs ──

  deadLetters: Store['deadLetters'] = {
    add: (d) => this.#deadLetterTx(() => this.#addDeadLetters([d])),
    addAll: (ds) => {
      if (ds.length) this.#deadLetterTx(() => this.#addDeadLetters(ds));
    },
    list: (limit = 100, offset = 0) =>
      this.#x.all(
        this.#k
          .selectFrom('dead_letters')
          .select(['id', 'at', 'source', 'instance', 'reason', 'payload'])
          .orderBy('id', 'desc')
          .limit(limit)
          .offset(offset),
      ),
    count: () =>
      Number(
        this.#x.first(this.#k.selectFrom('dead_letters').select((eb) => eb.fn.countAll().as('n')))?.n ?? 0,
      ),
    bytes: () => this.#deadLetterBytes(),
    prune: (now = Date.now()) => this.#deadLetterTx(() => this.#pruneDeadLetters(now, true)),
  };

  /** A transaction over dead letters: rolled back, the running size is read again next time. */
  #deadLetterTx<T>(fn: () => T): T {
    try {
      return this.#x.transaction(fn);
    } catch (err) {
      this.#dlBytes = undefined;
      throw err;
    }
  }

  #deadLetterBytes(): number {
    this.#dlBytes ??= Number(
      this.#x.first(this.#k.selectFrom('dead_letters').select((eb) => eb.fn.sum<number>('size').as('n')))
        ?.n ?? 0,
    );
    return this.#dlBytes;
  }

  /** Inside a transaction: the rows (excerpts of their payloads), then what retention says to delete. */
  #addDeadLetters(ds: DeadLetterInput[]): number {
    const { excerptBytes } = this.#retention;
    let id = 0;
    let added = 0;
    for (const d of ds) {
      const payload =
        excerptBytes > 0 && d.payload.length > excerptBytes
          ? `${d.payload.slice(0, excerptBytes)}… [${d.payload.length - excerptBytes} more characters not kept]`
          : d.payload;
      const reason = d.reason.length > 2000 ? `${d.reason.slice(0, 2000)}…` : d.reason;
      const size = payload.length + reason.length + d.source.length + 64;
      id = this.#x.run(
        this.#k.insertInto('dead_letters').values({
          at: d.at ?? Date.now(),
          source: d.source,
          instance: d.instance ?? null,
          reason,
          payload,
          size,
        }),
      ).lastInsertRowid;
      added += size;
    }
    this.#dlBytes = this.#deadLetterBytes() + added;
    this.#pruneDeadLetters(Date.now(), false);
    return id;
  }

  /**
   * Deletes dead letters past the age limit (at most once a minute unless `force`) and the oldest while
   * the table is over its size limit. The file does not shrink; its free pages are reused.
   */
  #pruneDeadLetters(now: number, force: boolean): { deleted: number } {
    const { maxAgeMs, maxBytes } = this.#retention;
    let deleted = 0;
    if (maxAgeMs > 0 && (force || now - this.#dlPrunedAt >= AGE_PRUNE_EVERY_MS)) {
      this.#dlPrunedAt = now;
      this.#dlBytes = undefined; // read the total again: another process may have added some
      const cutoff = now - maxAgeMs;
      const gone = this.#x.first(
        this.#k
          .selectFrom('dead_letters')
          .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
          .where('at', '<', cutoff),
      );
      if (gone && Number(gone.n) > 0) {
        this.#x.run(this.#k.deleteFrom('dead_letters').where('at', '<', cutoff));
        deleted += Number(gone.n);
        this.#dlBytes = this.#deadLetterBytes() - Number(gone.bytes ?? 0);
      }
    }
    if (maxBytes > 0 && this.#deadLetterBytes() > maxBytes) {
      // Down to 90 % of the budget, oldest first, so that pruning does not run on every add.
      let excess = this.#deadLetterBytes() - Math.floor(maxBytes * 0.9);
      let cutoffId = 0;
      let freed = 0;
      let n = 0;
      while (excess > 0) {
        const rows = this.#x.all(
          this.#k
            .selectFrom('dead_letters')
            .select(['id', 'size'])
            .where('id', '>', cutoffId)
            .orderBy('id')
            .limit(1000),
        );
        if (!rows.length) break;
        for (const r of rows) {
          cutoffId = r.id;
          excess -= r.size;
          freed += r.size;
          n++;
          if (excess <= 0) break;
        }
      }
      this.#x.run(this.#k.deleteFrom('dead_letters').where('id', '<=', cutoffId));
      deleted += n;
      this.#dlBytes = this.#deadLetterBytes() - freed;
    }
    return { deleted };
  }

  connectionChecks: Store['connectionChecks'] = {
    add: (c) =>
      this.#x.run(
        this.#k.insertInto('connection_checks').values({
          instance: c.instance,
          at: c.at ?? Date.now(),
          ok: c.ok ? 1 : 0,
          latency_ms: c.latencyMs ?? null,
          error: c.error ?? null,
        }),
      ).lastInsertRowid,
    list: (instance, limit = 20) =>
      this.#x
        .all(
          this.#k
            .selectFrom('connection_checks')
            .selectAll()
            .where('instance', '=', instance)
            .orderBy('at', 'desc')
            .orderBy('id', 'desc')
            .limit(limit),
        )
        .map((r) => ({
          id: r.id,
          instance: r.instance,
          at: r.at,
          ok: r.ok === 1,
          latencyMs: r.latency_ms,
          error: r.error,
        })),
  };

  get detectionStats(): DetectionStats {
    this.#stats ??= detectionStats(this.#k, this.#x);
    return this.#stats;
  }
  #stats?: DetectionStats;

  get identities(): Identities {
    this.#identities ??= identities(this.#k, this.#x);
    return this.#identities;
  }
  #identities?: Identities;

  get cases(): CaseStore {
    this.#cases ??= caseStore(this.#k as unknown as Kysely<CaseTables>, this.#x);
    return this.#cases;
  }
  #cases?: CaseStore;

  commandRuns: Store['commandRuns'] = {
    add: (r) =>
      this.#x.run(
        this.#k.insertInto('command_runs').values({
          at: r.at ?? Date.now(),
          who: r.who,
          instance: r.instance ?? null,
          command: r.command,
          params: JSON.stringify(redact(r.params ?? {})),
          outcome: r.outcome,
          summary: r.summary ?? null,
        }),
      ).lastInsertRowid,
    list: (limit = 100, opts = {}) => {
      let q = this.#k.selectFrom('command_runs').selectAll().orderBy('id', 'desc').limit(limit);
      if (opts.instance !== undefined) q = q.where('instance', '=', opts.instance);
      return this.#x.all(q).map((r) => ({ ...r, params: JSON.parse(r.params) as Record<string, unknown> }));
    },
  };

  /**
   * A write to a table that holds secrets, with SQLite's secure_delete on: the row's previous bytes
   * (an older ciphertext, perhaps under a retired key) are overwritten, not left in the page's free space.
   */
  #secureRun(q: Compilable<unknown>): { changes: number; lastInsertRowid: number } {
    this.#db.pragma('secure_delete = ON');
    try {
      return this.#x.run(q);
    } finally {
      this.#db.pragma('secure_delete = OFF');
    }
  }

  /** The keys kept wrapped in the store (for the key ring). */
  storedKeys(): WrappedKey[] {
    return this.#x.all(this.#k.selectFrom('secret_keys').select(['id', 'wrapped']).orderBy('created_at'));
  }

  /** Every encrypted column, with what it protects: the one list rotation and status read. */
  #secretRows(): { col: SecretColumn; owner: string; value: string }[] {
    const out: { col: SecretColumn; owner: string; value: string }[] = [];
    for (const col of SECRET_COLUMNS)
      for (const r of this.#x.all(
        this.#k
          .selectFrom('instances')
          .select(['name', col.column])
          .where(col.column, 'is not', null)
          .orderBy('name'),
      ))
        out.push({ col, owner: r.name, value: (r as Record<string, string>)[col.column] });
    return out;
  }

  secrets: Store['secrets'] = {
    list: () =>
      this.#secretRows().map((r) => ({ kind: r.col.kind, owner: r.owner, keyId: keyIdOf(r.value) ?? null })),
    currentKey: () => this.#ring.current(),
    verify: () => {
      this.#ring.reload();
      const rows = this.#secretRows();
      for (const r of rows)
        decryptSecret(this.#ring, r.value, r.col.aad(r.owner), r.col.describe(r.owner), r.col.fix(r.owner));
      return rows.length;
    },
    keys: () => {
      this.#ring.reload();
      return this.#ring.keys().map((k, i) => ({ id: k.id, source: k.source, current: i === 0 }));
    },
    reencrypt: (opts = {}) => {
      const to = opts.to ?? this.#ring.current();
      let n = 0;
      this.#db.pragma('secure_delete = ON');
      try {
        this.#x.transaction(() => {
          // Decrypt everything first: one that no key opens stops the rotation before anything changes.
          const plain = this.#secretRows().map((r) => ({
            ...r,
            text: decryptSecret(
              this.#ring,
              r.value,
              r.col.aad(r.owner),
              r.col.describe(r.owner),
              r.col.fix(r.owner),
            ),
          }));
          for (const r of plain) {
            this.#x.run(
              this.#k
                .updateTable('instances')
                .set({ [r.col.column]: encryptSecret(to, r.text, r.col.aad(r.owner)) } as any)
                .where('name', '=', r.owner),
            );
            n++;
          }
          if (opts.wrapUnder) {
            const w = wrapKey(opts.wrapUnder, to);
            this.#x.run(
              this.#k
                .insertInto('secret_keys')
                .values({ id: w.id, wrapped: w.wrapped, created_at: Date.now() })
                .onConflict((oc) => oc.column('id').doUpdateSet({ wrapped: w.wrapped })),
            );
          }
        });
      } finally {
        this.#db.pragma('secure_delete = OFF');
      }
      return { reencrypted: n, checkpointed: this.#checkpoint() };
    },
    wrappedKeys: () =>
      this.#x
        .all(this.#k.selectFrom('secret_keys').selectAll().orderBy('created_at'))
        .map((r) => ({ id: r.id, wrappedBy: keyIdOf(r.wrapped) ?? '?', createdAt: Number(r.created_at) })),
    dropWrappedKeys: () => {
      const n = this.#secureRun(this.#k.deleteFrom('secret_keys')).changes;
      this.#checkpoint();
      return n;
    },
  };

  /**
   * Copies the WAL into the database file and truncates it, so the old page images (which hold the
   * values just replaced) leave the -wal file. Waits (busy timeout) for readers; false when one held on.
   */
  #checkpoint(): boolean {
    if (this.path === ':memory:') return true;
    const [r] = this.#db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    return r?.busy === 0;
  }

  /** The columns for a proxy URL: the URL without its password, and the password encrypted. */
  #proxyColumns(
    name: string,
    proxy: string | null,
  ): { proxy: string | null; proxy_password_enc: string | null } {
    if (proxy === null) return { proxy: null, proxy_password_enc: null };
    const { url, password } = splitProxy(proxy);
    return {
      proxy: url,
      proxy_password_enc: password ? encryptSecret(this.#ring, password, proxyAad(name)) : null,
    };
  }

  /**
   * Moves proxy passwords stored in plain text (before migration 0005) into their encrypted column.
   * Loads the key only when there is one to move.
   */
  encryptLegacySecrets(): number {
    // Sink configs stored by an older version, whose redaction missed some credentials.
    for (const r of this.#x.all(this.#k.selectFrom('sinks').select(['name', 'config']))) {
      const clean = JSON.stringify(scrubConfig(JSON.parse(r.config)));
      if (clean !== r.config)
        this.#secureRun(this.#k.updateTable('sinks').set({ config: clean }).where('name', '=', r.name));
    }
    const rows = this.#x
      .all(this.#k.selectFrom('instances').select(['name', 'proxy']).where('proxy_password_enc', 'is', null))
      .filter((r) => r.proxy && splitProxy(r.proxy).password);
    if (!rows.length) return 0;
    this.#x.transaction(() => {
      for (const r of rows)
        this.#secureRun(
          this.#k
            .updateTable('instances')
            .set(this.#proxyColumns(r.name, r.proxy))
            .where('name', '=', r.name),
        );
    });
    return rows.length;
  }

  health(): StoreHealth {
    return { ...this.#x.health };
  }

  onHealthChange(listener: (h: StoreHealth) => void): () => void {
    this.#healthListeners.add(listener);
    return () => this.#healthListeners.delete(listener);
  }

  migrations(): { name: string; executedAt: string }[] {
    const k = this.#k.withTables<{ [MIGRATION_TABLE]: { name: string; timestamp: string } }>();
    return this.#x
      .all(k.selectFrom(MIGRATION_TABLE).select(['name', 'timestamp']).orderBy('name'))
      .map((r) => ({ name: r.name, executedAt: r.timestamp }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    optimizeOnClose(this.#db);
    // Kysely's destroy() closes the better-sqlite3 handle it was given.
    await this.#k.destroy();
    if (this.#db.open) this.#db.close();
  }
}

const toOffset = (r: {
  sink: string;
  seq: number;
  updated_at: number;
  last_error: string | null;
  last_error_at: number | null;
}): SinkOffset => ({
  sink: r.sink,
  seq: Number(r.seq),
  updatedAt: r.updated_at,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
});
