// Detection search over the heads (the latest version of each key): which heads a query selects, and a
// page of them newest first with how many match. Functions over the store's Kysely handle and
// executor; src/store/README.md ("Search plans") says why each plan is shaped as it is.
import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Conn } from './conn.ts';
import type { DB, DetectionHeadsTable } from './schema.ts';

/** What the search needs of the connection: its builder, its executor and its text-search SQL. */
export type SearchConn = Pick<Conn, 'k' | 'x' | 'text'>;

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

export type Heads = SelectQueryBuilder<DB & { h: DetectionHeadsTable }, 'h', object>;

/** A text search counts its matches up to this many; past it, the total is a lower bound. */
export const COUNT_CAP = 10_000;
/** A term with at most this many candidates (matching versions and description heads) drives the search. */
export const CANDIDATE_CAP = 20_000;

/** The search's filters other than its text, on heads aliased `h`. */
export function withFilters(base: Heads, q: DetectionQuery): Heads {
  let b = base;
  if (q.instance !== undefined) b = b.where('h.instance', '=', q.instance);
  if (q.family !== undefined) b = b.where('h.family', '=', q.family);
  if (Number.isFinite(q.severity)) b = b.where('h.severity', '>=', q.severity!);
  if (Number.isFinite(q.from)) b = b.where('h.event_time', '>=', q.from!);
  if (Number.isFinite(q.to)) b = b.where('h.event_time', '<=', q.to!);
  if (q.acknowledged !== undefined) b = b.where('h.acknowledged', '=', q.acknowledged ? 1 : 0);
  return b;
}

/**
 * Every term matches the head's own version or its description, checked per head. The unary `+` keeps
 * SQLite from answering the ORs from the seq and description indexes (reading every match, then
 * sorting): these checks are for heads read along the time index.
 */
const checkedPerHead = (db: SearchConn, terms: string[]) =>
  sql<SqlBool>`(${sql.join(
    terms.map(
      (t) =>
        sql`(+h.seq IN ${db.text.versionsMatching(t)} OR +h.description_id IN ${db.text.descriptionsMatching(t)})`,
    ),
    sql` AND `,
  )})`;

/**
 * The heads a search selects (paging aside), read along the time index with every term checked per
 * head; undefined when its text can match nothing. Right for filters alone and for common words.
 */
export function headsMatching(db: SearchConn, q: DetectionQuery): Heads | undefined {
  const terms = q.q ? db.text.terms(q.q) : undefined;
  if (q.q && !terms) return undefined; // only punctuation: nothing can match
  let base = db.k.selectFrom('detection_heads as h') as Heads;
  if (terms) base = base.where(checkedPerHead(db, terms));
  return withFilters(base, q);
}

/**
 * Up to `cap + 1` of one term's candidates: seqs of versions whose own text matches (an FTS doclist) and
 * of heads whose description matches (index detection_heads_description). A seq may come twice.
 */
async function candidates(db: SearchConn, term: string, cap: number): Promise<number[]> {
  const { k, x } = db;
  const own = await x.all(
    k
      .selectFrom(db.text.versionsMatching(term).as('f') as never)
      .select(sql<number>`f.seq`.as('seq'))
      .limit(cap + 1),
  );
  const described = await x.all(
    k
      .selectFrom('detection_heads')
      .select('seq')
      .where('description_id', 'in', db.text.descriptionsMatching(term))
      .limit(cap + 1),
  );
  return [...own, ...described].map((r) => Number(r.seq));
}

/** How a text search reads: from one term's candidates, or along the time index. */
export interface TextPlan {
  base: Heads;
  /** True when driven by a term's candidates: every match is then listed and counted. */
  fromCandidates: boolean;
}

/**
 * The cheaper way to find a text search's heads. Each term's candidates are read up to `cap` (an FTS
 * doclist and an index range); when the rarest term has at most `cap`, the search starts from those
 * seqs (each joined to its head, the other terms and filters checked on it; the FTS is not asked
 * again), otherwise along the time index, where common words fill a page within a few thousand heads.
 * Undefined when the query has no text or its text can match nothing (see `headsMatching`).
 */
export async function textPlan(
  db: SearchConn,
  q: DetectionQuery,
  cap = CANDIDATE_CAP,
): Promise<TextPlan | undefined> {
  const terms = q.q ? db.text.terms(q.q) : undefined;
  if (!terms) return undefined;
  let rarest: { term: string; seqs: number[] } | undefined;
  for (const term of terms) {
    const seqs = await candidates(db, term, cap);
    if (!rarest || seqs.length < rarest.seqs.length) rarest = { term, seqs };
    if (!seqs.length) break; // nothing can match
  }
  if (!rarest || rarest.seqs.length > cap) return { base: headsMatching(db, q)!, fromCandidates: false };
  const others = terms.filter((t) => t !== rarest.term);
  // CROSS JOIN keeps SQLite from reading the heads first (in time order, to skip the sort).
  let base = db.k
    .selectFrom(db.text.seqTable([...new Set(rarest.seqs)]).as('c'))
    .crossJoin('detection_heads as h')
    .whereRef('h.seq', '=', 'c.value') as unknown as Heads;
  if (others.length) base = base.where(checkedPerHead(db, others));
  return { base: withFilters(base, q), fromCandidates: true };
}

export interface SearchPage<R> {
  rows: R[];
  total: number;
  /** Present (true) when `total` is a lower bound: a text search stops counting at COUNT_CAP. */
  totalCapped?: true;
}

/**
 * A page of the heads a search selects, newest event first, each joined to its stored version with
 * `columns`, and how many match. Without text, the total comes from the hourly counts (`count`) and
 * the page from the time index. A text search lists its matches' seqs in order once, all of them when
 * driven by a term's candidates, else the newest COUNT_CAP + 1 (a lower bound past that), and reads the
 * page's rows by seq.
 */
export async function searchPage<R extends { seq: number }>(
  db: SearchConn,
  q: DetectionQuery,
  columns: readonly string[],
  count: (q: DetectionQuery) => Promise<number>,
): Promise<SearchPage<R>> {
  const { k, x } = db;
  const limit = Math.min(Math.max(Math.trunc(Number.isFinite(q.limit) ? q.limit! : 50), 0), 1000);
  const offset = Math.max(Math.trunc(Number.isFinite(q.offset) ? q.offset! : 0), 0);
  const newestFirst = (b: Heads) => b.orderBy('h.event_time', 'desc').orderBy('h.seq', 'desc');

  if (!q.q) {
    const total = await count(q);
    if (!limit || offset >= total) return { rows: [], total };
    const rows = (await x.all(
      newestFirst(headsMatching(db, q)!.innerJoin('detections as d', 'd.seq', 'h.seq'))
        .select(columns as never)
        .limit(limit)
        .offset(offset),
    )) as R[];
    return { rows, total };
  }

  const plan = await textPlan(db, q);
  if (!plan) return { rows: [], total: 0 };
  const upTo = plan.fromCandidates ? undefined : Math.max(COUNT_CAP + 1, offset + limit);
  let listed = newestFirst(plan.base).select('h.seq');
  if (upTo) listed = listed.limit(upTo);
  const seqs = (await x.all(listed)).map((r) => Number(r.seq));
  const capped = !plan.fromCandidates && seqs.length > COUNT_CAP;
  const total = capped ? COUNT_CAP : seqs.length;
  const want = seqs.slice(offset, offset + limit);
  const bySeq = new Map(
    (want.length
      ? ((await x.all(
          k
            .selectFrom('detections as d')
            .select(columns as never)
            .where('d.seq', 'in', want),
        )) as R[])
      : []
    ).map((r) => [Number(r.seq), r]),
  );
  const rows = want.map((seq) => bySeq.get(seq)!).filter(Boolean);
  return capped ? { rows, total, totalCapped: true } : { rows, total };
}
