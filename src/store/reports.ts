// The executive report's figures (issue 18), computed by the database: every figure is an aggregate
// over the detection heads (the latest version of each key) whose event time is in the period, so a
// report over a million detections moves a few hundred rows into JS, never the detections.
//
// Async from the start: the queries run on Kysely's own executor (`conn.k`), not the store's
// synchronous one, so nothing here changes when the store goes async or moves to PostgreSQL. The SQL is
// Kysely's builder throughout; the one hand-written expression, the UTC day of an event time, is
// integer division, which SQLite and PostgreSQL both truncate (see `dayOf`).
//
// Scope: a period [from, to) and optionally a set of instance names (a tenant resolves to one). An
// empty set means no instance: every figure is zero.
import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { Conn } from './conn.ts';
import type { DB } from './schema.ts';

/** The families a report counts: threats and responses (system status and audit records are not). */
export const REPORT_FAMILIES = ['model_breach', 'ai_analyst', 'respond_action', 'email_alert'] as const;
/** The families an analyst acknowledges: time to acknowledge and what is open are over these. */
export const ACK_FAMILIES = ['model_breach', 'ai_analyst'] as const;

export const DAY_MS = 86_400_000;

export interface ReportScope {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Only these instances (a tenant's); undefined: all of them. */
  instances?: string[];
}

export interface DayCount {
  /** The UTC day's start, epoch ms. */
  day: number;
  n: number;
}

export interface Percentiles {
  /** How many acknowledged detections had a known acknowledgement time. */
  count: number;
  /** Milliseconds; null when count is 0. */
  medianMs: number | null;
  p90Ms: number | null;
}

/** The figures compared with the previous period. */
export interface Headline {
  detections: number;
  /** Severity 4 (high) and 5 (critical). */
  highOrCritical: number;
  incidents: number;
  respondActions: number;
  timeToAck: Percentiles;
  /** Unacknowledged at the end of the period (detected before it ended). */
  open: number;
}

export interface ReportItem {
  seq: number;
  key: string;
  instance: string;
  family: string;
  title: string;
  severity: number;
  eventTime: number;
  acknowledged: boolean;
  /** What the normaliser needs to derive the canonical detection (for an incident's summary). */
  source: string;
  raw: string;
}

export interface ReportFigures extends Headline {
  /** Per UTC day and severity (0–5; a higher id counts as 5). */
  severityByDay: (DayCount & { severity: number })[];
  /** Per UTC day and family. */
  familyByDay: (DayCount & { family: string })[];
  topModels: { name: string; n: number }[];
  topDevices: { name: string; n: number }[];
  /** The period's AI Analyst incident events, most severe and newest first. */
  incidentItems: ReportItem[];
  /** RESPOND actions by kind and state (their title), most frequent first. */
  respondByAction: { name: string; n: number }[];
  /** Acknowledged, but when is not known (already acknowledged when first stored, and not said). */
  ackTimeUnknown: number;
  /** Open at the end of the period, by severity 0–5, and how many of them were detected in it. */
  openBySeverity: number[];
  openFromPeriod: number;
  /** The most severe open detections, newest first. */
  openItems: ReportItem[];
}

export interface ReportLimits {
  topModels?: number;
  topDevices?: number;
  incidents?: number;
  respond?: number;
  open?: number;
}

export interface Reports {
  /** Every figure of the period. */
  figures(scope: ReportScope, limits?: ReportLimits): Promise<ReportFigures>;
  /** The headline figures only (for the previous period). */
  headline(scope: ReportScope): Promise<Headline>;
}

type H = ExpressionBuilder<DB & { h: DB['detection_heads'] }, 'h'>;

/** `h.event_time`'s UTC day start: integer division (both databases truncate bigint / bigint). */
const dayOf = () => sql<number>`(h.event_time / ${sql.lit(DAY_MS)}) * ${sql.lit(DAY_MS)}`;

const num = (v: unknown): number => Number(v ?? 0);

export function reports(conn: Conn): Reports {
  const k: Kysely<DB> = conn.k;

  /** Heads in scope: the instances, and when `period` the event time in [from, to). */
  const heads = (scope: ReportScope, families: readonly string[], period = true) => {
    let q = k.selectFrom('detection_heads as h').where('h.family', 'in', [...families]);
    if (period) q = q.where('h.event_time', '>=', scope.from).where('h.event_time', '<', scope.to);
    else q = q.where('h.event_time', '<', scope.to);
    if (scope.instances) {
      q = scope.instances.length
        ? q.where('h.instance', 'in', scope.instances)
        : q.where(sql<boolean>`1 = 0`);
    }
    return q;
  };

  /**
   * When a head was acknowledged at the latest: Darktrace's own time when the record said, otherwise
   * the storing of the first version that showed it acknowledged. `observedOnly` drops a first version
   * already acknowledged (stored late, say by a backfill): its store time says nothing about when.
   */
  const ackedBy = (eb: H, observedOnly: boolean) => {
    let first = eb
      .selectFrom('detections as d')
      .select((e) => e.fn.min('d.created_at').as('t'))
      .whereRef('d.key', '=', 'h.key')
      .where('d.acknowledged', '=', 1);
    if (observedOnly) first = first.where('d.version', '>', 1);
    return eb.fn.coalesce('h.acknowledged_at', first.$asScalar());
  };

  const ITEM_COLUMNS = [
    'd.seq',
    'd.key',
    'd.instance',
    'd.family',
    'd.title',
    'h.severity',
    'h.event_time',
    'h.acknowledged',
    'd.source',
    'd.raw',
  ] as const;
  const toItem = (r: {
    seq: number;
    key: string;
    instance: string;
    family: string;
    title: string;
    severity: number;
    event_time: number;
    acknowledged: number;
    source: string;
    raw: string;
  }): ReportItem => ({
    seq: num(r.seq),
    key: r.key,
    instance: r.instance,
    family: r.family,
    title: r.title,
    severity: num(r.severity),
    eventTime: num(r.event_time),
    acknowledged: num(r.acknowledged) === 1,
    source: r.source,
    raw: r.raw,
  });

  const count = async <O>(q: SelectQueryBuilder<any, any, O>): Promise<number> =>
    num(
      (
        (await q
          .clearSelect()
          .select((eb: ExpressionBuilder<any, any>) => eb.fn.countAll().as('n'))
          .executeTakeFirst()) as { n?: unknown } | undefined
      )?.n,
    );

  /** Titles (model names, RESPOND actions) of a family's heads in the period, most frequent first. */
  const topTitles = async (scope: ReportScope, family: string, limit: number) =>
    (
      await heads(scope, [family])
        .innerJoin('detections as d', 'd.seq', 'h.seq')
        .select(['d.title as name', (eb) => eb.fn.countAll().as('n')])
        .groupBy('d.title')
        .orderBy('n', 'desc')
        .orderBy('d.title')
        .limit(limit)
        .execute()
    ).map((r) => ({ name: r.name, n: num(r.n) }));

  /** Median and 90th percentile of the time from detection to acknowledgement, interpolated. */
  const timeToAck = async (scope: ReportScope): Promise<Percentiles & { unknown: number }> => {
    const acked = heads(scope, ACK_FAMILIES).where('h.acknowledged', '=', 1);
    const times = k
      .with('t', () =>
        acked.select((eb) => eb(ackedBy(eb as unknown as H, true), '-', eb.ref('h.event_time')).as('ms')),
      )
      .selectFrom('t');
    const [known, all] = await Promise.all([
      count(times.select('ms').where('ms', 'is not', null)),
      count(acked),
    ]);
    const at = async (p: number): Promise<number | null> => {
      if (!known) return null;
      const pos = p * (known - 1);
      const lo = Math.floor(pos);
      const rows = await times
        .select('ms')
        .where('ms', 'is not', null)
        .orderBy('ms')
        .limit(2)
        .offset(lo)
        .execute();
      const a = num(rows[0]?.ms);
      const b = rows.length > 1 ? num(rows[1].ms) : a;
      return a + (b - a) * (pos - lo);
    };
    const [medianMs, p90Ms] = await Promise.all([at(0.5), at(0.9)]);
    return { count: known, medianMs, p90Ms, unknown: all - known };
  };

  /** Ack-able heads detected before the period ended and not acknowledged by then. */
  const openHeads = (scope: ReportScope) =>
    heads(scope, ACK_FAMILIES, false).where((eb) =>
      eb.or([
        eb('h.acknowledged', '=', 0),
        eb(ackedBy(eb as unknown as H, false), '>=', scope.to),
        eb(ackedBy(eb as unknown as H, false), 'is', null),
      ]),
    );

  const headline = async (scope: ReportScope): Promise<Headline> => {
    const [bySev, byFamily, tta, open] = await Promise.all([
      heads(scope, REPORT_FAMILIES)
        .select(['h.severity as s', (eb) => eb.fn.countAll().as('n')])
        .groupBy('h.severity')
        .execute(),
      heads(scope, REPORT_FAMILIES)
        .select(['h.family as f', (eb) => eb.fn.countAll().as('n')])
        .groupBy('h.family')
        .execute(),
      timeToAck(scope),
      count(openHeads(scope).select('h.key')),
    ]);
    const fam = (f: string) => num(byFamily.find((r) => r.f === f)?.n);
    const { unknown: _, ...timeToAckFigures } = tta;
    return {
      detections: bySev.reduce((n, r) => n + num(r.n), 0),
      highOrCritical: bySev.filter((r) => num(r.s) >= 4).reduce((n, r) => n + num(r.n), 0),
      incidents: fam('ai_analyst'),
      respondActions: fam('respond_action'),
      timeToAck: timeToAckFigures,
      open,
    };
  };

  return {
    headline,

    async figures(scope, limits = {}) {
      const lim = { topModels: 10, topDevices: 10, incidents: 15, respond: 10, open: 10, ...limits };
      // One pass over the period's heads for both per-day breakdowns (a few hundred rows at most).
      const perDay = heads(scope, REPORT_FAMILIES)
        .select([
          dayOf().as('day'),
          'h.family as family',
          'h.severity as severity',
          (eb) => eb.fn.countAll().as('n'),
        ])
        .groupBy([dayOf(), 'h.family', 'h.severity'])
        .execute();
      const devices = heads(scope, REPORT_FAMILIES)
        .where('h.device', 'is not', null)
        .select(['h.device as name', (eb) => eb.fn.countAll().as('n')])
        .groupBy('h.device')
        .orderBy('n', 'desc')
        .orderBy('h.device')
        .limit(lim.topDevices)
        .execute();
      const incidents = heads(scope, ['ai_analyst'])
        .innerJoin('detections as d', 'd.seq', 'h.seq')
        .select(ITEM_COLUMNS)
        .orderBy('h.severity', 'desc')
        .orderBy('h.event_time', 'desc')
        .orderBy('d.seq', 'desc')
        .limit(lim.incidents)
        .execute();
      const open = openHeads(scope);
      const openBySev = open
        .select(['h.severity as s', (eb) => eb.fn.countAll().as('n')])
        .groupBy('h.severity')
        .execute();
      const openFromPeriod = count(open.select('h.key').where('h.event_time', '>=', scope.from));
      const openItems = open
        .innerJoin('detections as d', 'd.seq', 'h.seq')
        .select(ITEM_COLUMNS)
        .orderBy('h.severity', 'desc')
        .orderBy('h.event_time', 'desc')
        .orderBy('d.seq', 'desc')
        .limit(lim.open)
        .execute();
      const [days, models, devs, inc, respond, tta, openSev, openInPeriod, openList] = await Promise.all([
        perDay,
        topTitles(scope, 'model_breach', lim.topModels),
        devices,
        incidents,
        topTitles(scope, 'respond_action', lim.respond),
        timeToAck(scope),
        openBySev,
        openFromPeriod,
        openItems,
      ]);

      const sev = new Map<string, DayCount & { severity: number }>();
      const fam = new Map<string, DayCount & { family: string }>();
      const byFamily = new Map<string, number>();
      let detections = 0;
      let highOrCritical = 0;
      for (const r of days) {
        const day = num(r.day);
        const n = num(r.n);
        const s = Math.min(Math.max(num(r.severity), 0), 5);
        const sk = `${day}/${s}`;
        sev.set(sk, { day, severity: s, n: (sev.get(sk)?.n ?? 0) + n });
        const fk = `${day}/${r.family}`;
        fam.set(fk, { day, family: r.family, n: (fam.get(fk)?.n ?? 0) + n });
        byFamily.set(r.family, (byFamily.get(r.family) ?? 0) + n);
        detections += n;
        if (s >= 4) highOrCritical += n;
      }
      const openBySeverity = new Array<number>(6).fill(0);
      for (const r of openSev) openBySeverity[Math.min(Math.max(num(r.s), 0), 5)] += num(r.n);
      const { unknown, ...timeToAckFigures } = tta;
      return {
        detections,
        highOrCritical,
        incidents: byFamily.get('ai_analyst') ?? 0,
        respondActions: byFamily.get('respond_action') ?? 0,
        timeToAck: timeToAckFigures,
        ackTimeUnknown: unknown,
        open: openBySeverity.reduce((a, b) => a + b, 0),
        openBySeverity,
        openFromPeriod: openInPeriod,
        openItems: openList.map(toItem),
        severityByDay: [...sev.values()].sort((a, b) => a.day - b.day || a.severity - b.severity),
        familyByDay: [...fam.values()].sort((a, b) => a.day - b.day || a.family.localeCompare(b.family)),
        topModels: models,
        topDevices: devs.map((r) => ({ name: String(r.name), n: num(r.n) })),
        incidentItems: inc.map(toItem),
        respondByAction: respond,
      };
    },
  };
}
