// `dtc store copy`: every table of one store copied into another (SQLite into PostgreSQL, or into another
// SQLite file), keys and sequence numbers kept, so sink offsets, case links and cursors still point at
// the same rows. The copy reads each table in batches ordered by its key and writes each batch in one
// destination transaction that also moves the table's resume point (`store_copy_progress`, created in
// the destination by the copy): killed at any moment, it resumes after the last committed batch and
// never writes a row twice.
//
// What is not copied as rows is rebuilt: the full-text tables differ per database (FTS5 or tsvector), so
// the destination's own writer indexes each version and each description again, from words the caller
// derives from the text received (the store knows nothing of the normaliser); `detection_counts` is kept
// by the destination's triggers as the heads go in. Secrets are copied as they are (still encrypted),
// so the destination must be opened with the same key: `checkDestinationKeys` proves it can decrypt
// every one before anything is written.
import { join } from 'node:path';
import { type Compilable, type Kysely, type RawBuilder, sql } from 'kysely';
import { type Store, storeConn } from './index.ts';
import { proxyAad, tokenAad } from './instance-secrets.ts';
import {
  decryptSecret,
  KeyRing,
  keyIdOf,
  PREVIOUS_KEYS_FILE_NAME,
  type RingKey,
  readPreviousKeys,
  resolveCurrentKey,
  SECRET_KEY_ENV,
  SecretError,
} from './secrets.ts';

/** A table the copy moves: `key` orders it (unique, so it also says where a batch ended). */
interface CopiedTable {
  table: string;
  key: readonly string[];
  /** The column a sequence numbers (AUTOINCREMENT, bigserial): set past the copied rows at the end. */
  serial?: string;
}

/**
 * Every table of the schema except the migrations' bookkeeping, the cluster's (leases and heartbeats
 * belong to the replicas of one database) and what is rebuilt (full-text tables, detection_counts).
 * Heads are ordered by seq (unique) rather than by key: a number sorts the same on every database.
 */
export const COPIED_TABLES: readonly CopiedTable[] = [
  { table: 'instances', key: ['id'], serial: 'id' },
  { table: 'secret_keys', key: ['id'] },
  { table: 'cursors', key: ['instance', 'stream'] },
  { table: 'sinks', key: ['name'] },
  { table: 'sink_offsets', key: ['sink'] },
  { table: 'descriptions', key: ['id'], serial: 'id' },
  { table: 'detections', key: ['seq'], serial: 'seq' },
  { table: 'detection_heads', key: ['seq'] },
  { table: 'dead_letters', key: ['id'], serial: 'id' },
  { table: 'connection_checks', key: ['id'], serial: 'id' },
  { table: 'command_runs', key: ['id'], serial: 'id' },
  { table: 'users', key: ['name'] },
  { table: 'api_keys', key: ['id'] },
  { table: 'grants', key: ['subject', 'tenant'] },
  { table: 'sessions', key: ['digest'] },
  { table: 'case_links', key: ['connector', 'detection_key'] },
  { table: 'case_offsets', key: ['connector'] },
  { table: 'case_cursors', key: ['connector'] },
  { table: 'case_events', key: ['connector', 'event_id'] },
];

/**
 * State that lives minutes and belongs to the running service, not the site: request windows, recent
 * failed logins, sign-ins in progress. A copy runs with the service stopped; nothing here is worth moving.
 */
export const TRANSIENT_TABLES: readonly string[] = [
  'rate_limits',
  'login_failures',
  'oidc_pending',
  // Written again by the replica polling each instance after its next poll.
  'instance_status',
];

/** Tables the destination must have empty before a copy starts (the copied ones and what is rebuilt). */
const MUST_BE_EMPTY = [...COPIED_TABLES.map((t) => t.table), 'detection_counts'];

export const PROGRESS_TABLE = 'store_copy_progress';
/** The progress row that describes the copy itself (its source, whether it finished). */
const COPY_ROW = '*';

interface ProgressTable {
  /** A copied table's name, or COPY_ROW. */
  name: string;
  /** The key of the last row copied (a JSON array); for COPY_ROW, the source. */
  after: string | null;
  /** Rows copied so far, over every run. */
  copied: number;
  done: number;
  updated_at: number;
}

/** What the full-text index needs of a stored version, besides its title: derived from the text received. */
export interface VersionText {
  raw: string;
  source: string;
  instance: string;
  createdAt: number;
}
export type DeriveWords = (
  v: VersionText,
) => { hostnames: string[]; ips: string[]; description?: string } | undefined;

export type CopyEvent =
  | { type: 'table'; table: string; total: number; skipped: number }
  | { type: 'rows'; table: string; copied: number; total: number; skipped: number }
  | { type: 'done'; table: string; copied: number; skipped: number };

export interface CopyOptions {
  /** Names the source in the destination's progress: a destination copied from another source is refused. */
  source: string;
  /** Rows per batch (and per destination transaction); default 2,000. */
  batchSize?: number;
  /**
   * Hostnames, IPs and description of a stored version, for the destination's full-text index (the
   * normaliser over `raw`). Without it, or when it returns undefined, a version is indexed by its title.
   */
  words?: DeriveWords;
  onProgress?: (e: CopyEvent) => void;
  /** Stops between batches: what committed stays, and the next run resumes there. */
  signal?: AbortSignal;
}

export interface CopySummary {
  /** Per table: rows on the source, rows copied by this run, rows an earlier run had copied. */
  tables: { table: string; rows: number; copied: number; skipped: number }[];
  /** Stopped by the signal before the end. */
  interrupted: boolean;
  /** An earlier run had finished this copy: nothing was read or written. */
  alreadyComplete: boolean;
}

export class CopyRefused extends Error {
  override name = 'CopyRefused';
}

const BATCH = 2_000;
/** Bound parameters per INSERT (PostgreSQL allows 65,535, SQLite 32,766). */
const MAX_PARAMS = 20_000;

type AnyDb = Kysely<any>;

/** A raw statement as the executors take it, compiled for the store's own dialect. */
const rawQuery = <R>(k: AnyDb, q: RawBuilder<R>): Compilable<R> => ({ compile: () => q.compile(k) });

/** `(a, b) > (x, y)`: the rows after a key, on both databases. */
const afterKey = (key: readonly string[], values: unknown[]) =>
  key.length === 1
    ? sql<boolean>`${sql.ref(key[0])} > ${values[0]}`
    : sql<boolean>`(${sql.join(key.map((c) => sql.ref(c)))}) > (${sql.join(values)})`;

/**
 * Copies every table of `from` into `to`, resuming an interrupted copy. Refuses a destination that
 * holds data this copy did not write. Call `checkDestinationKeys` first when the secrets must open there.
 */
export async function copyStore(from: Store, to: Store, opts: CopyOptions): Promise<CopySummary> {
  const src = storeConn(from);
  const dst = storeConn(to);
  const sk = src.k as unknown as AnyDb;
  const dk = dst.k as unknown as AnyDb;
  const batchSize = Math.max(1, Math.trunc(opts.batchSize ?? BATCH));
  const emit = opts.onProgress ?? (() => {});
  const progressDb = dst.k.withTables<{ [PROGRESS_TABLE]: ProgressTable }>();

  if (src.dialect === dst.dialect && src.path === dst.path)
    throw new CopyRefused(`the source and the destination are the same store (${src.path})`);

  // The destination: empty, or holding an unfinished (or finished) copy of this same source.
  const hasProgress = (await dk.introspection.getTables()).some((t) => t.name === PROGRESS_TABLE);
  const copyRow = hasProgress
    ? await dst.x.first(progressDb.selectFrom(PROGRESS_TABLE).selectAll().where('name', '=', COPY_ROW))
    : undefined;
  if (copyRow && copyRow.after !== opts.source) {
    throw new CopyRefused(
      `${dst.path} holds a copy of another store (${copyRow.after}), not of ${opts.source}: copy into an empty database`,
    );
  }
  if (!copyRow) {
    for (const table of MUST_BE_EMPTY) {
      if (await dst.x.first(dk.selectFrom(table).select(sql`1`.as('one')).limit(1))) {
        throw new CopyRefused(
          `${dst.path} already holds data (its ${table} table has rows) that no copy from ${opts.source} wrote: ` +
            'copy into an empty database (a new one, or drop and recreate it)',
        );
      }
    }
    await dst.x.run(
      dk.schema
        .createTable(PROGRESS_TABLE)
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('after', 'text')
        .addColumn('copied', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('done', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    );
    await dst.x.run(
      progressDb
        .insertInto(PROGRESS_TABLE)
        .values({ name: COPY_ROW, after: opts.source, copied: 0, done: 0, updated_at: Date.now() }),
    );
  }

  const summary: CopySummary = { tables: [], interrupted: false, alreadyComplete: !!copyRow?.done };
  const progress = new Map(
    (await dst.x.all(progressDb.selectFrom(PROGRESS_TABLE).selectAll())).map((r) => [r.name, r]),
  );
  if (copyRow?.done) {
    for (const t of COPIED_TABLES) {
      const skipped = Number(progress.get(t.table)?.copied ?? 0);
      summary.tables.push({ table: t.table, rows: skipped, copied: 0, skipped });
    }
    return summary;
  }

  const saveProgress = (name: string, after: unknown[], copied: number) =>
    dst.x.run(
      progressDb
        .insertInto(PROGRESS_TABLE)
        .values({ name, after: JSON.stringify(after), copied, done: 0, updated_at: Date.now() })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet({ after: JSON.stringify(after), copied, updated_at: Date.now() }),
        ),
    );

  for (const spec of COPIED_TABLES) {
    const { table, key } = spec;
    const p = progress.get(table);
    let after: unknown[] | undefined = p?.after ? JSON.parse(p.after) : undefined;
    const skipped = Number(p?.copied ?? 0);
    let copied = 0;
    const total = Number(
      (await src.x.first(sk.selectFrom(table).select((eb) => eb.fn.countAll().as('n'))))?.n ?? 0,
    );
    emit({ type: 'table', table, total, skipped });
    for (;;) {
      if (opts.signal?.aborted) {
        summary.tables.push({ table, rows: total, copied, skipped });
        summary.interrupted = true;
        return summary;
      }
      let q = sk.selectFrom(table).selectAll();
      if (after) q = q.where(afterKey(key, after));
      for (const c of key) q = q.orderBy(c);
      const rows = (await src.x.all(q.limit(batchSize))) as Record<string, unknown>[];
      if (!rows.length) break;
      const last = key.map((c) => rows[rows.length - 1][c]);
      // What the destination's full-text writer needs, worked out before its transaction opens.
      const words = table === 'detections' ? versionWords(rows, opts.words) : undefined;
      const descriptions = table === 'descriptions' ? await descriptionTexts(from, rows, opts.words) : [];
      try {
        await dst.x.transaction(async () => {
          await insertRows(dst.x, dk, table, rows);
          if (words) await dst.fts.insertMany(words);
          for (const [id, text] of descriptions) await dst.fts.insertDescription(id, text);
          await saveProgress(table, last, skipped + copied + rows.length);
        });
      } catch (err) {
        throw new Error(
          `copying ${table} after ${JSON.stringify(after ?? null)} into ${dst.path}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      copied += rows.length;
      after = last;
      emit({ type: 'rows', table, copied: skipped + copied, total, skipped });
      if (rows.length < batchSize) break;
    }
    emit({ type: 'done', table, copied, skipped });
    summary.tables.push({ table, rows: total, copied, skipped });
  }

  // Numbering continues after the source's (not just after the rows copied: a deleted dead letter's id
  // is not handed out again), then the copy is marked finished, in one transaction.
  await dst.x.transaction(async () => {
    for (const { table, serial } of COPIED_TABLES) {
      if (!serial) continue;
      const next = Math.max(await lastNumber(from, table, serial), await maxOf(to, table, serial));
      if (next > 0) await setLastNumber(to, table, serial, next);
    }
    await dst.x.run(
      progressDb
        .updateTable(PROGRESS_TABLE)
        .set({ done: 1, updated_at: Date.now() })
        .where('name', '=', COPY_ROW),
    );
  });
  // PostgreSQL plans from statistics that a bulk load leaves stale until autovacuum comes by: the first
  // searches would read the heads the slow way. (SQLite plans without them.)
  if (dst.dialect === 'postgres') await dst.x.run(rawQuery(dk, sql`ANALYZE`));
  return summary;
}

/** A batch's rows in multi-row INSERTs, each under the parameter limit. */
async function insertRows(
  x: ReturnType<typeof storeConn>['x'],
  k: AnyDb,
  table: string,
  rows: Record<string, unknown>[],
): Promise<void> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, Object.keys(rows[0]).length)));
  for (let i = 0; i < rows.length; i += perStatement)
    await x.run(k.insertInto(table).values(rows.slice(i, i + perStatement)));
}

/** Each version's full-text row: its title, and the hostnames and IPs derived from what was received. */
function versionWords(
  rows: Record<string, unknown>[],
  derive?: DeriveWords,
): [number, string, string, string][] {
  return rows.map((r) => {
    const w = derive?.(textOf(r));
    return [Number(r.seq), String(r.title), (w?.hostnames ?? []).join(' '), (w?.ips ?? []).join(' ')];
  });
}

const textOf = (r: Record<string, unknown>): VersionText => ({
  raw: String(r.raw),
  source: String(r.source),
  instance: String(r.instance),
  createdAt: Number(r.created_at),
});

/**
 * The text of each description in a batch, for the destination's index. The store keeps only a digest:
 * the text comes from a head that points at it (a description no head points at is never searched).
 */
async function descriptionTexts(
  from: Store,
  rows: Record<string, unknown>[],
  derive?: DeriveWords,
): Promise<[number, string][]> {
  if (!derive) return [];
  const { k, x } = storeConn(from);
  const ids = rows.map((r) => Number(r.id));
  const seqs = await x.all(
    k
      .selectFrom('detection_heads')
      .select(['description_id', (eb) => eb.fn.min('seq').as('seq')])
      .where('description_id', 'in', ids)
      .groupBy('description_id'),
  );
  if (!seqs.length) return [];
  const versions = await x.all(
    k
      .selectFrom('detections')
      .select(['seq', 'raw', 'source', 'instance', 'created_at'])
      .where(
        'seq',
        'in',
        seqs.map((s) => Number(s.seq)),
      ),
  );
  const bySeq = new Map(versions.map((v) => [Number(v.seq), v]));
  const out: [number, string][] = [];
  for (const s of seqs) {
    const v = bySeq.get(Number(s.seq));
    const text = v && derive(textOf(v as unknown as Record<string, unknown>))?.description;
    if (text) out.push([Number(s.description_id), text]);
  }
  return out;
}

const maxOf = async (store: Store, table: string, column: string): Promise<number> => {
  const { k, x } = storeConn(store);
  const r = await x.first(
    (k as unknown as AnyDb).selectFrom(table).select((eb) => eb.fn.max(column).as('m')),
  );
  return Number(r?.m ?? 0);
};

/** The last number a table's sequence handed out (at least its largest key). */
async function lastNumber(store: Store, table: string, column: string): Promise<number> {
  const conn = storeConn(store);
  const k = conn.k as unknown as AnyDb;
  let last = 0;
  if (conn.dialect === 'sqlite') {
    // Plain INTEGER PRIMARY KEY tables (descriptions) have no row here: their max is the answer.
    const r = await conn.x.first(k.selectFrom('sqlite_sequence').select('seq').where('name', '=', table));
    last = Number(r?.seq ?? 0);
  } else {
    const seq = sql.raw(await pgSequence(store, table, column));
    const r = await conn.x.first(
      rawQuery(
        k,
        sql<{ last: unknown }>`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS last FROM ${seq}`,
      ),
    );
    last = Number(r?.last ?? 0);
  }
  return Math.max(last, await maxOf(store, table, column));
}

async function pgSequence(store: Store, table: string, column: string): Promise<string> {
  const { k, x } = storeConn(store);
  const r = await x.first(
    rawQuery(
      k as unknown as AnyDb,
      sql<{ name: string | null }>`SELECT pg_get_serial_sequence(${table}, ${column}) AS name`,
    ),
  );
  const name = r?.name;
  if (!name) throw new Error(`no sequence numbers ${table}.${column}`);
  return name;
}

/** The next number handed out will be `last + 1`. */
async function setLastNumber(store: Store, table: string, column: string, last: number): Promise<void> {
  const conn = storeConn(store);
  const k = conn.k as unknown as AnyDb;
  if (conn.dialect === 'postgres') {
    const seq = await pgSequence(store, table, column);
    await conn.x.run(rawQuery(k, sql`SELECT setval(${seq}, ${last}, true)`));
    return;
  }
  const has = await conn.x.first(k.selectFrom('sqlite_sequence').select('seq').where('name', '=', table));
  if (has) {
    await conn.x.run(
      k
        .updateTable('sqlite_sequence')
        .set({ seq: sql`max(seq, ${last})` })
        .where('name', '=', table),
    );
  } else if (table !== 'descriptions') {
    await conn.x.run(k.insertInto('sqlite_sequence').values({ name: table, seq: last }));
  }
}

/** Where the destination will read its secret key, for `checkDestinationKeys`. */
export interface DestinationKeys {
  /** The directory of its key file (secret.key, secret.key.previous); DTC_SECRET_KEY wins over it. */
  keyDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Another way to point at the key, added to the refusal (the command's `--key-dir`). */
  otherwise?: string;
}

export interface KeyCheck {
  /** How many secrets the source holds (private tokens, proxy passwords). */
  secrets: number;
  /** The ids of the keys they are encrypted with (null: a value from before key ids). */
  keyIds: (string | null)[];
  /** The key the destination will encrypt new secrets with; undefined when there is no secret to check. */
  destinationKey?: { id: string; source: string };
}

/**
 * Proves that a store opened with the destination's key (DTC_SECRET_KEY, else the key file in `keyDir`,
 * with the previous keys beside it and the wrapped keys the copy brings along) decrypts every secret of
 * the source. The copy keeps ciphertexts as they are, so anything else would leave tokens nobody can
 * read. Throws CopyRefused naming the key wanted and where the destination would look.
 */
export async function checkDestinationKeys(from: Store, dest: DestinationKeys): Promise<KeyCheck> {
  const { k, x } = storeConn(from);
  const rows = await x.all(
    k.selectFrom('instances').select(['name', 'private_token_enc', 'proxy_password_enc']).orderBy('name'),
  );
  const secrets = rows.flatMap((r) => [
    { value: r.private_token_enc, aad: tokenAad(r.name), what: `the private token of instance ${r.name}` },
    ...(r.proxy_password_enc
      ? [
          {
            value: r.proxy_password_enc,
            aad: proxyAad(r.name),
            what: `the proxy password of instance ${r.name}`,
          },
        ]
      : []),
  ]);
  const keyIds = [...new Set(secrets.map((s) => keyIdOf(s.value) ?? null))];
  if (!secrets.length) return { secrets: 0, keyIds };
  const env = dest.env ?? process.env;
  const where = env[SECRET_KEY_ENV]
    ? SECRET_KEY_ENV
    : dest.keyDir
      ? join(dest.keyDir, 'secret.key')
      : `${SECRET_KEY_ENV} (unset)`;
  let current: RingKey;
  try {
    current = resolveCurrentKey({ keyDir: dest.keyDir, env, create: false });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CopyRefused(
      `the destination would read its secret key from ${where}, ` +
        `${missing ? 'which does not exist' : `which cannot be used (${(err as Error).message})`}; ` +
        `the copied secrets are encrypted with key ${keyIds.join(', ')}: put the source's key file there (mode 0600), ` +
        `or set ${SECRET_KEY_ENV} to that key${dest.otherwise ? `, or ${dest.otherwise}` : ''}`,
    );
  }
  const wrapped = await x.all(k.selectFrom('secret_keys').select(['id', 'wrapped']).orderBy('created_at'));
  const previous = dest.keyDir ? readPreviousKeys(join(dest.keyDir, PREVIOUS_KEYS_FILE_NAME)) : [];
  const ring = new KeyRing(() => ({ current, previous, wrapped }));
  for (const s of secrets) {
    try {
      decryptSecret(ring, s.value, s.aad, s.what, 'copy with the key the source uses');
    } catch (err) {
      if (!(err instanceof SecretError)) throw err;
      throw new CopyRefused(
        `the destination's key (${current.id}, from ${current.source}) cannot decrypt the copied secrets ` +
          `(${s.what} is encrypted with key ${keyIdOf(s.value) ?? '(v1, no id)'}); the copy keeps them encrypted as they are, ` +
          `so the destination must be opened with the source's key: set ${SECRET_KEY_ENV} to it, ` +
          `or put the source's secret.key in ${dest.keyDir ?? 'the data directory'}${dest.otherwise ? `, or ${dest.otherwise}` : ''}`,
        { cause: err },
      );
    }
  }
  return { secrets: secrets.length, keyIds, destinationKey: { id: current.id, source: current.source } };
}
