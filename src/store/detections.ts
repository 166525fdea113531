// The detection append log: each version of a detection once, in seq order, with its heads (the
// latest version of each key, with the filter columns) and the full-text index. Dedupe is one indexed
// lookup of the head; search scans heads, not the log.
//
// The store keeps what was received and the columns it is searched and filtered by; turning a row into
// a canonical detection is the read model's job (src/read/).
//
// Ordering: SQLite has one writer, so seq order is commit order and a sink reading `seq > offset` never
// skips a row that commits later. (A PostgreSQL store must keep that promise another way.)
// The descriptions' digest: a plain 64-bit hash, the one stored digests were made with.

import type { Compilable } from 'kysely';
import { contentHash } from '../normalize/index.ts';
import type { Conn, PreparedQuery } from './conn.ts';
import type { DetectionsTable } from './schema.ts';
import { type DetectionQuery, searchPage } from './search.ts';

export type { DetectionQuery } from './search.ts';

import { param } from './sqlite.ts';

/** Where a record came from: with the raw text and the instance, all a reader needs to derive it. */
export type RecordSource = 'api' | 'syslog' | 'file' | 'stdin' | 'unknown';

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
  /** When it was acknowledged, when the record says (ms): the reports' time to acknowledge. */
  acknowledgedAt?: number;
  /** The main device's name (hostname, label or IP): the reports' top devices. */
  device?: string;
  /** Where the record came from; default `api`. */
  source?: RecordSource;
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

/** A stored version: its columns and, unless the read asked for columns only, the text received. */
export interface StoredDetection {
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
  /** The record exactly as received (a syslog line, or an API record's JSON text); absent when the read asked for columns only. */
  raw?: string;
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

/** A sink's filter over the indexed columns: rows it refuses are never read whole. */
export interface LogFilter {
  instances?: string[];
  families?: string[];
  /** 0–5. */
  minSeverity?: number;
}

/** Rows of the log a scan returned, and the last seq it examined (past rows the filter refused). */
export interface LogScan {
  rows: StoredDetection[];
  through: number;
}

export interface Detections {
  /** One transaction. Same key and hash as the head: duplicate, dropped. New key: version 1. Changed hash: next version. */
  append(batch: DetectionInput[]): Promise<AppendResult>;
  /** Latest version of each key, newest event first; `content: true` adds the text received. */
  search(
    q: DetectionQuery,
    /** How many heads match a query without text (detection-stats.ts counts them from the hourly roll-up). */
    count: (q: DetectionQuery) => Promise<number>,
    content?: boolean,
  ): Promise<{ items: StoredDetection[]; total: number; totalCapped?: true }>;
  /** By seq (any version; a string of digits counts as a seq) or by key (the latest version), with all versions of that key. */
  get(idOrKey: number | string): Promise<(StoredDetection & { versions: DetectionVersion[] }) | undefined>;
  /** The log after `afterSeq`, in seq order; `content: false` leaves `raw` out (cheap, for seeking by time). */
  readLog(afterSeq: number, limit: number, opts?: { content?: boolean }): Promise<StoredDetection[]>;
  /**
   * Up to `limit` rows after `afterSeq` that pass `filter`, in seq order, looking at most `window` seqs
   * ahead. `through` is the last seq examined: a reader that is done with the rows may move its offset
   * there, past the rows the filter refused.
   */
  scanLog(afterSeq: number, limit: number, filter?: LogFilter, window?: number): Promise<LogScan>;
  maxSeq(): Promise<number>;
  count(): Promise<number>;
  countKeys(): Promise<number>;
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

const toStored = (r: DetectionDbRow): StoredDetection => {
  const row: StoredDetection = {
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
  if (r.raw !== undefined) row.raw = r.raw;
  return row;
};

/** Keys looked up per statement: well under SQLite's limit of bound parameters. */
const HEAD_LOOKUP = 1000;

const DETECTION_INSERT = [
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

const HEAD_COLUMNS = [
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
  'device',
  'acknowledged_at',
] as const;

/**
 * Rows in by multi-row statements of up to `conn.rowsPerStatement` rows, each compiled once per row count (from the
 * Kysely builder `build` makes) and bound by position: a batch of 500 costs a handful of statements per
 * table instead of one per row. Returns the last row's rowid.
 */
function multiRow<C extends string>(
  { x, rowsPerStatement }: Conn,
  cols: readonly C[],
  build: (rows: Record<C, unknown>[]) => Compilable<unknown>,
): (rows: Record<C, unknown>[]) => Promise<number> {
  const byCount = new Map<
    number,
    { q: PreparedQuery<Record<string, unknown>, unknown>; at: [number, C][] }
  >();
  return async (rows) => {
    let last = 0;
    for (let i = 0; i < rows.length; i += rowsPerStatement) {
      const chunk = rows.slice(i, i + rowsPerStatement);
      let s = byCount.get(chunk.length);
      if (!s) {
        const named = chunk.map((_, r) => Object.fromEntries(cols.map((c) => [c, param(`${r}:${c}`)])));
        const q = x.prepare(build(named as Record<C, unknown>[]));
        const at = q.slots.map((name): [number, C] => {
          const colon = name.indexOf(':');
          return [Number(name.slice(0, colon)), name.slice(colon + 1) as C];
        });
        s = { q, at };
        byCount.set(chunk.length, s);
      }
      const args = new Array(s.at.length);
      for (let j = 0; j < s.at.length; j++) args[j] = chunk[s.at[j][0]][s.at[j][1]];
      last = (await s.q.runArgs(args)).lastInsertRowid;
    }
    return last;
  };
}

export function detections(conn: Conn): Detections {
  const { k, x, fts } = conn;
  // The hot path: compiled once from Kysely builders, then run as prepared statements.
  /**
   * The current head of each key, in one statement per HEAD_LOOKUP keys: on PostgreSQL every statement is
   * a round trip, and one per row cost most of an append.
   */
  const headsOf = async (keys: string[]) => {
    const heads = new Map<string, { version: number; hash: string }>();
    const distinct = [...new Set(keys)];
    for (let i = 0; i < distinct.length; i += HEAD_LOOKUP) {
      const rows = await x.all(
        k
          .selectFrom('detection_heads')
          .select(['key', 'version', 'hash'])
          .where(conn.text.oneOf('key', distinct.slice(i, i + HEAD_LOOKUP))),
      );
      for (const r of rows) heads.set(r.key, { version: r.version, hash: r.hash });
    }
    return heads;
  };
  // RETURNING: PostgreSQL has no last-insert rowid; the executor reads the last returned seq instead.
  const insertRows = multiRow(conn, DETECTION_INSERT, (rows) =>
    k
      .insertInto('detections')
      .values(rows as any)
      .returning('seq'),
  );
  const upsertHeads = multiRow(conn, HEAD_COLUMNS, (rows) =>
    k
      .insertInto('detection_heads')
      .values(rows as any)
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet((eb) =>
            Object.fromEntries(
              HEAD_COLUMNS.filter((c) => c !== 'key').map((c) => [c, eb.ref(`excluded.${c}`)]),
            ),
          ),
      ),
  );
  const findDescription = x.prepare<{ digest: string }, { id: number }>(
    k.selectFrom('descriptions').select('id').where('digest', '=', param('digest')),
  );
  const addDescription = x.prepare(
    k
      .insertInto('descriptions')
      .values({ digest: param('digest') })
      .returning('id'),
  );
  /** Description text → id: descriptions repeat (one per model), so most lookups end here. */
  const descriptions = new Map<string, number>();
  const remember = (text: string, id: number): void => {
    // Bounded: AI Analyst summaries are one per incident, unlike model descriptions.
    if (descriptions.size >= 10_000) descriptions.clear();
    descriptions.set(text, id);
  };

  const maxSeq = async () =>
    Number((await x.first(k.selectFrom('detections').select((eb) => eb.fn.max('seq').as('m'))))?.m ?? 0);

  const count = async (table: 'detections' | 'detection_heads') =>
    Number((await x.first(k.selectFrom(table).select((eb) => eb.fn.countAll().as('n'))))?.n ?? 0);

  return {
    async append(batch) {
      const result: AppendResult = { inserted: [], duplicates: 0, newKeys: 0, updated: 0 };
      if (!batch.length) return result;
      const now = Date.now();
      // Descriptions first added in this batch: cached only once the batch has committed.
      const added = new Map<string, number>();
      const descriptionId = async (text: string | undefined): Promise<number | null> => {
        if (!text) return null;
        let id = descriptions.get(text) ?? added.get(text);
        if (id !== undefined) return id;
        const digest = contentHash([text]);
        id = (await findDescription.first({ digest }))?.id;
        if (id === undefined) {
          id = (await addDescription.run({ digest })).lastInsertRowid;
          await fts.insertDescription(id, text);
          added.set(text, id);
        } else remember(text, id);
        return id;
      };
      await x.transaction(async () => {
        await conn.appendLock();
        // Versions first, in JS: a key met twice in the batch compares with its version from this batch.
        const keys = batch.map((d) => `${d.instance}/${d.family}/${d.nativeId}`);
        const heads = await headsOf(keys);
        const rows: Record<(typeof DETECTION_INSERT)[number], unknown>[] = [];
        const kept: DetectionInput[] = [];
        for (const [i, d] of batch.entries()) {
          const key = keys[i];
          const h = heads.get(key);
          if (h && h.hash === d.hash) {
            result.duplicates++;
            continue;
          }
          const version = h ? h.version + 1 : 1;
          heads.set(key, { version, hash: d.hash });
          if (h) result.updated++;
          else result.newKeys++;
          kept.push(d);
          rows.push({
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
          });
        }
        if (!rows.length) return;
        // One writer and AUTOINCREMENT: the rows of the batch get consecutive seqs ending at the last one.
        const first = (await insertRows(rows)) - rows.length + 1;
        const latest = new Map<string, Record<(typeof HEAD_COLUMNS)[number], unknown>>();
        const words: [number, string, string, string][] = [];
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i];
          const d = kept[i];
          const seq = first + i;
          result.inserted.push({ seq, key: r.key as string, version: r.version as number });
          latest.set(r.key as string, {
            ...r,
            seq,
            // Most descriptions are known (one per model): no await for those, 500 of them a batch.
            description_id: !d.description
              ? null
              : (descriptions.get(d.description) ??
                added.get(d.description) ??
                (await descriptionId(d.description))),
            device: d.device ?? null,
            acknowledged_at: d.acknowledged && d.acknowledgedAt ? Math.trunc(d.acknowledgedAt) : null,
          });
          // Insert-only: older versions stay in the full-text index but search joins matches to the heads,
          // so they never surface. Deleting them here cost 2–3× the whole append (FTS5 deletes are slow).
          words.push([seq, d.title, (d.hostnames ?? []).join(' '), (d.ips ?? []).join(' ')]);
        }
        // Each key's head once, at its latest version in the batch.
        await upsertHeads([...latest.values()]);
        await fts.insertMany(words);
      });
      for (const [text, id] of added) remember(text, id);
      return result;
    },

    async search(q, count, content = false) {
      const { rows, ...total } = await searchPage<DetectionDbRow>(
        conn,
        q,
        content ? WITH_RAW : DETECTION_COLUMNS,
        count,
      );
      return { items: rows.map(toStored), ...total };
    },

    async get(idOrKey) {
      const bySeq = typeof idOrKey === 'number' || /^\d+$/.test(idOrKey);
      const sel = k.selectFrom('detections as d').select(WITH_RAW);
      const row = bySeq
        ? await x.first(sel.where('d.seq', '=', Number(idOrKey)))
        : await x.first(
            sel.where('d.seq', '=', (eb) =>
              eb.selectFrom('detection_heads').select('seq').where('key', '=', String(idOrKey)),
            ),
          );
      if (!row) return undefined;
      const versions = (
        await x.all(
          k
            .selectFrom('detections')
            .select(['seq', 'version', 'hash', 'created_at', 'severity', 'acknowledged', 'title'])
            .where('key', '=', row.key)
            .orderBy('version'),
        )
      ).map((v) => ({
        seq: v.seq,
        version: v.version,
        hash: v.hash,
        createdAt: v.created_at,
        severity: v.severity,
        acknowledged: v.acknowledged === 1,
        title: v.title,
      }));
      return { ...toStored(row), versions };
    },

    async readLog(afterSeq, limit, opts = {}) {
      const cols = opts.content === false ? DETECTION_COLUMNS : WITH_RAW;
      const rows = await x.all(
        k
          .selectFrom('detections as d')
          .select(cols)
          .where('d.seq', '>', afterSeq)
          .orderBy('d.seq')
          .limit(Math.max(Math.trunc(limit), 0)),
      );
      return rows.map(toStored);
    },

    async scanLog(afterSeq, limit, filter = {}, window = Math.max(limit * 50, 10_000)) {
      const n = Math.max(Math.trunc(limit), 0);
      // Bounded by the newest seq read first: every row up to it has committed (one writer), so a scan
      // that returns fewer than `n` rows has examined all of (afterSeq, hi] and may say so.
      const hi = Math.min(await maxSeq(), afterSeq + Math.max(window, n));
      if (!n || hi <= afterSeq) return { rows: [], through: afterSeq };
      let q = k
        .selectFrom('detections as d')
        .select(WITH_RAW)
        .where('d.seq', '>', afterSeq)
        .where('d.seq', '<=', hi);
      if (filter.instances?.length) q = q.where('d.instance', 'in', filter.instances);
      if (filter.families?.length) q = q.where('d.family', 'in', filter.families);
      if (filter.minSeverity !== undefined) q = q.where('d.severity', '>=', filter.minSeverity);
      const rows = (await x.all(q.orderBy('d.seq').limit(n))).map(toStored);
      return { rows, through: rows.length === n ? rows[n - 1].seq : hi };
    },

    maxSeq,
    count: () => count('detections'),
    countKeys: () => count('detection_heads'),
  };
}
