// Aggregates over the detection heads for the console: the search's filters as one query builder (the
// search, the histogram and the counts share it), detections over time by severity, and detections per
// instance since a time. Functions over the store's Kysely handle and synchronous executor.
import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { DetectionQuery } from './index.ts';
import type { DB, DetectionHeadsTable } from './schema.ts';
import { ftsMatch, ftsQuery, type SyncExecutor } from './sqlite.ts';

type Heads = SelectQueryBuilder<DB & { h: DetectionHeadsTable }, 'h', object>;

/** The heads a search's filters select (paging aside); undefined when its text can match nothing. */
export function headsMatching(k: Kysely<DB>, q: DetectionQuery): Heads | undefined {
  const match = q.q ? ftsQuery(q.q) : undefined;
  if (q.q && !match) return undefined; // only punctuation: nothing can match
  let base = k.selectFrom('detection_heads as h');
  if (match) base = base.where(ftsMatch('h.seq', 'h.description_id', match));
  if (q.instance !== undefined) base = base.where('h.instance', '=', q.instance);
  if (q.family !== undefined) base = base.where('h.family', '=', q.family);
  if (Number.isFinite(q.severity)) base = base.where('h.severity', '>=', q.severity!);
  if (Number.isFinite(q.from)) base = base.where('h.event_time', '>=', q.from!);
  if (Number.isFinite(q.to)) base = base.where('h.event_time', '<=', q.to!);
  if (q.acknowledged !== undefined) base = base.where('h.acknowledged', '=', q.acknowledged ? 1 : 0);
  return base;
}

/** Severities 0–5 (OCSF severity_id); a higher id (6, fatal) is counted as 5. */
export const SEVERITY_COUNT = 6;

export interface HistogramBucket {
  /** The bucket's start, epoch ms; it ends where the next one starts. */
  start: number;
  /** Detections in the bucket by severity: counts[0] unknown … counts[5] critical. */
  counts: number[];
}

export interface Histogram {
  /** The range the buckets cover, epoch ms (from inclusive, to exclusive). */
  from: number;
  to: number;
  bucketMs: number;
  buckets: HistogramBucket[];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bucket widths a person reads at a glance, smallest first. */
export const BUCKET_WIDTHS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  7 * DAY,
  30 * DAY,
] as const;

/** The smallest readable width that covers `spanMs` in at most `target` buckets (the widest if none does). */
export function bucketWidth(spanMs: number, target: number): number {
  const want = Math.max(spanMs, 1) / Math.max(Math.trunc(target), 1);
  return BUCKET_WIDTHS.find((w) => w >= want) ?? BUCKET_WIDTHS[BUCKET_WIDTHS.length - 1];
}

/**
 * Every bucket of [from, to) aligned to its width (UTC), zeros included, with the counts filled in
 * from `(bucket index, severity, n)` rows.
 */
export function fillBuckets(
  from: number,
  to: number,
  bucketMs: number,
  rows: readonly { b: number; s: number; n: number }[],
): HistogramBucket[] {
  const first = Math.floor(from / bucketMs) * bucketMs;
  const count = Math.max(1, Math.ceil((to - first) / bucketMs));
  const buckets = Array.from({ length: count }, (_, i) => ({
    start: first + i * bucketMs,
    counts: new Array<number>(SEVERITY_COUNT).fill(0),
  }));
  for (const r of rows) {
    const bucket = buckets[r.b];
    if (bucket) bucket.counts[Math.min(Math.max(r.s, 0), SEVERITY_COUNT - 1)] += r.n;
  }
  return buckets;
}

export interface DetectionStats {
  /**
   * Detections (latest versions) matching the search's filters over time, by severity, in about
   * `target` buckets. Without from/to, the range runs from the oldest match to the newest (or now).
   */
  histogram(q: DetectionQuery, target?: number): Histogram;
  /** Detections (latest versions) per instance whose event time is at or after `since` (epoch ms). */
  countsSince(since: number): Record<string, number>;
}

export function detectionStats(k: Kysely<DB>, x: SyncExecutor): DetectionStats {
  /** The event time of the oldest or newest match: one step along the time index, not a scan. */
  const edge = (base: Heads, dir: 'asc' | 'desc') =>
    x.first(base.select('h.event_time as t').orderBy('h.event_time', dir).limit(1))?.t as number | undefined;

  return {
    histogram(q, target = 60) {
      const now = Date.now();
      const base = headsMatching(k, q);
      const from = Number.isFinite(q.from) ? q.from! : ((base && edge(base, 'asc')) ?? now - DAY);
      const to = Number.isFinite(q.to) ? q.to! + 1 : Math.max(now, ((base && edge(base, 'desc')) ?? 0) + 1);
      const bucketMs = bucketWidth(to - from, target);
      const start = Math.floor(from / bucketMs) * bucketMs;
      const rows = base
        ? x.all(
            base
              .where('h.event_time', '>=', from)
              .where('h.event_time', '<', to)
              .select([
                sql<number>`CAST((h.event_time - ${start}) / ${bucketMs} AS INTEGER)`.as('b'),
                'h.severity as s',
                (eb) => eb.fn.countAll<number>().as('n'),
              ])
              .groupBy(['b', 's']),
          )
        : [];
      return { from, to, bucketMs, buckets: fillBuckets(from, to, bucketMs, rows) };
    },

    countsSince(since) {
      const rows = x.all(
        k
          .selectFrom('detection_heads')
          .select(['instance', (eb) => eb.fn.countAll<number>().as('n')])
          .where('event_time', '>=', since)
          .groupBy('instance'),
      );
      return Object.fromEntries(rows.map((r) => [r.instance, Number(r.n)]));
    },
  };
}
