// The detection append log: each version of a detection once, in seq order, with its heads (the
// latest version of each key, with the filter columns) and the full-text index. Dedupe is one indexed
// lookup of the head; search scans heads, not the log.
//
// Ordering: SQLite has one writer, so seq order is commit order and a sink reading `seq > offset` never
// skips a row that commits later. (A PostgreSQL store must keep that promise another way.)
import { contentHash, type Detection, normalize, type Origin } from '../normalize/index.ts';
import type { Conn } from './conn.ts';
import { type DetectionStats, headsMatching } from './detection-stats.ts';
import type { DetectionsTable } from './schema.ts';
import { param } from './sqlite.ts';
import { finite } from './values.ts';

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

export interface Detections {
  /** One transaction. Same key and hash as the head: duplicate, dropped. New key: version 1. Changed hash: next version. */
  append(batch: DetectionInput[]): AppendResult;
  /** Latest version of each key, newest event first. */
  search(q: DetectionQuery, stats: DetectionStats): { items: DetectionRow[]; total: number };
  /** By seq (any version; a string of digits counts as a seq) or by key (the latest version), with all versions of that key. */
  get(idOrKey: number | string): (DetectionRow & { versions: DetectionVersion[] }) | undefined;
  readLog(
    afterSeq: number,
    limit: number,
    opts?: { content?: boolean | ((row: DetectionRow) => boolean) },
  ): DetectionRow[];
  maxSeq(): number;
  count(): number;
  countKeys(): number;
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

export function detections(conn: Conn): Detections {
  const { k, x, fts } = conn;
  // The hot path: compiled once from Kysely builders, then run as prepared statements.
  const head = x.prepare<{ key: string }, { seq: number; version: number; hash: string }>(
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
  const insert = x.prepare(
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
  const upsertHead = x.prepare(
    k
      .insertInto('detection_heads')
      .values(Object.fromEntries(headCols.map((c) => [c, param(c)])) as any)
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet((eb) =>
            Object.fromEntries(headCols.filter((c) => c !== 'key').map((c) => [c, eb.ref(`excluded.${c}`)])),
          ),
      ),
  );
  const findDescription = x.prepare<{ digest: string }, { id: number }>(
    k.selectFrom('descriptions').select('id').where('digest', '=', param('digest')),
  );
  const addDescription = x.prepare(k.insertInto('descriptions').values({ digest: param('digest') }));
  /** Description text → id: descriptions repeat (one per model), so most lookups end here. */
  const descriptions = new Map<string, number>();
  const remember = (text: string, id: number): void => {
    // Bounded: AI Analyst summaries are one per incident, unlike model descriptions.
    if (descriptions.size >= 10_000) descriptions.clear();
    descriptions.set(text, id);
  };

  /** Instance name → its URL, read once per call: links for records that carry none. */
  const urls = (): ((instance: string) => string | undefined) => {
    let byName: Map<string, string> | undefined;
    return (name) => {
      byName ??= new Map(
        x.all(k.selectFrom('instances').select(['name', 'url'])).map((i) => [i.name, i.url]),
      );
      return byName.get(name);
    };
  };

  const count = (table: 'detections' | 'detection_heads') =>
    Number(x.first(k.selectFrom(table).select((eb) => eb.fn.countAll().as('n')))?.n ?? 0);

  return {
    append(batch) {
      const result: AppendResult = { inserted: [], duplicates: 0, newKeys: 0, updated: 0 };
      if (!batch.length) return result;
      const now = Date.now();
      // Descriptions first added in this batch: cached only once the batch has committed.
      const added = new Map<string, number>();
      const descriptionId = (text: string | undefined): number | null => {
        if (!text) return null;
        let id = descriptions.get(text) ?? added.get(text);
        if (id !== undefined) return id;
        const digest = contentHash([text]);
        id = findDescription.first({ digest })?.id;
        if (id === undefined) {
          id = addDescription.run({ digest }).lastInsertRowid;
          fts.insertDescription(id, text);
          added.set(text, id);
        } else remember(text, id);
        return id;
      };
      x.transaction(() => {
        for (const d of batch) {
          const key = `${d.instance}/${d.family}/${d.nativeId}`;
          const h = head.first({ key });
          if (h && h.hash === d.hash) {
            result.duplicates++;
            continue;
          }
          const version = h ? h.version + 1 : 1;
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
          const seq = insert.run(row).lastInsertRowid;
          row.seq = seq;
          row.description_id = descriptionId(d.description);
          upsertHead.run(row);
          // Insert-only: older versions stay in the full-text index but search joins matches to the heads,
          // so they never surface. Deleting them here cost 2–3× the whole append (FTS5 deletes are slow).
          fts.insert(seq, d.title, (d.hostnames ?? []).join(' '), (d.ips ?? []).join(' '));
          if (h) result.updated++;
          else result.newKeys++;
          result.inserted.push({ seq, key, version });
        }
      });
      for (const [text, id] of added) remember(text, id);
      return result;
    },

    search(q, stats) {
      const limit = Math.min(Math.max(Math.trunc(finite(q.limit, 50)), 0), 1000);
      const offset = Math.max(Math.trunc(finite(q.offset, 0)), 0);
      const base = headsMatching(k, q);
      if (!base) return { items: [], total: 0 };
      const total = stats.count(q);
      if (!limit || offset >= total) return { items: [], total };
      const rows = x.all(
        base
          .innerJoin('detections as d', 'd.seq', 'h.seq')
          .select(WITH_RAW)
          .orderBy('h.event_time', 'desc')
          .orderBy('h.seq', 'desc')
          .limit(limit)
          .offset(offset),
      );
      const urlOf = urls();
      return { items: rows.map((r) => toDetection(r, { raw: false, urlOf })), total };
    },

    get(idOrKey) {
      const bySeq = typeof idOrKey === 'number' || /^\d+$/.test(idOrKey);
      const sel = k.selectFrom('detections as d').select(WITH_RAW);
      const row = bySeq
        ? x.first(sel.where('d.seq', '=', Number(idOrKey)))
        : x.first(
            sel.where('d.seq', '=', (eb) =>
              eb.selectFrom('detection_heads').select('seq').where('key', '=', String(idOrKey)),
            ),
          );
      if (!row) return undefined;
      const versions = x
        .all(
          k
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
      return { ...toDetection(row, { raw: true, urlOf: urls() }), versions };
    },

    readLog(afterSeq, limit, opts = {}) {
      const cols = opts.content === false ? DETECTION_COLUMNS : WITH_RAW;
      const content = typeof opts.content === 'function' ? opts.content : undefined;
      const rows = x.all(
        k
          .selectFrom('detections as d')
          .select(cols)
          .where('d.seq', '>', afterSeq)
          .orderBy('d.seq')
          .limit(Math.max(Math.trunc(limit), 0)),
      );
      const urlOf = urls();
      return rows.map((r) => toDetection(r, { raw: true, urlOf, content }));
    },

    maxSeq() {
      const r = x.first(k.selectFrom('detections').select((eb) => eb.fn.max('seq').as('m')));
      return Number(r?.m ?? 0);
    },
    count: () => count('detections'),
    countKeys: () => count('detection_heads'),
  };
}
