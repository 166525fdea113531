// buildReport: the executive report of a period (issue 18) as one typed object, from the store's
// aggregates (src/store/reports.ts) for the period and for the period of the same length before it.
// Nothing here reads detections in bulk: the only rows read whole are the few listed (incidents, open),
// whose summaries the normaliser derives from the text received, as the read model does.
import { normalize, type Origin } from '../normalize/index.ts';
import { SEVERITY_LABELS } from '../normalize/severity.ts';
import {
  DAY_MS,
  type Headline,
  type ReportFigures,
  type ReportItem,
  type ReportLimits,
  type Reports,
} from '../store/reports.ts';

export interface ReportOptions {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Only these instances (what a tenant resolves to); undefined: every instance. */
  instances?: string[];
  /** A title for the cover; default "Executive threat report". */
  title?: string;
  limits?: ReportLimits;
  /** The build time (tests pin it). */
  now?: number;
}

export interface Change {
  current: number | null;
  previous: number | null;
  /** current − previous; null when either is unknown. */
  delta: number | null;
  /** The change relative to the previous value, as a fraction; null when there was none to compare. */
  ratio: number | null;
}

export interface ReportListItem {
  key: string;
  instance: string;
  family: string;
  title: string;
  /** An AI Analyst incident's summary, when the record has one. */
  summary?: string;
  severity: number;
  severityLabel: string;
  eventTime: number;
  acknowledged: boolean;
}

export interface Report {
  title: string;
  generatedAt: number;
  period: { from: number; to: number };
  previousPeriod: { from: number; to: number };
  /** The instances reported on; null: all of them. */
  instances: string[] | null;
  headline: Headline;
  previous: Headline;
  changes: Record<
    | 'detections'
    | 'highOrCritical'
    | 'incidents'
    | 'respondActions'
    | 'medianTimeToAck'
    | 'p90TimeToAck'
    | 'open',
    Change
  >;
  /** One entry per UTC day of the period, zeros included: counts[0] unknown … counts[5] critical. */
  severityByDay: { day: number; counts: number[] }[];
  /** Per family over the period, most first. */
  byFamily: { family: string; label: string; n: number }[];
  /** One entry per UTC day: each family's count. */
  familyByDay: { day: number; counts: Record<string, number> }[];
  topModels: { name: string; n: number }[];
  topDevices: { name: string; n: number }[];
  incidents: { total: number; items: ReportListItem[] };
  respond: { total: number; byAction: { name: string; n: number }[] };
  timeToAck: { count: number; medianMs: number | null; p90Ms: number | null; unknown: number };
  open: { total: number; fromPeriod: number; bySeverity: number[]; items: ReportListItem[] };
}

export const FAMILY_LABELS: Record<string, string> = {
  model_breach: 'Model breaches',
  ai_analyst: 'AI Analyst incidents',
  respond_action: 'RESPOND actions',
  email_alert: 'Email alerts',
};

export function change(current: number | null, previous: number | null): Change {
  const delta = current === null || previous === null ? null : current - previous;
  const ratio = delta === null || !previous ? null : delta / previous;
  return { current, previous, delta, ratio };
}

/** The UTC days that [from, to) touches, as their start times. */
export function daysOf(from: number, to: number): number[] {
  const out: number[] = [];
  for (let d = Math.floor(from / DAY_MS) * DAY_MS; d < to; d += DAY_MS) out.push(d);
  return out;
}

/** The last full week, Monday 00:00 UTC to the next Monday, before `now`. */
export function lastFullWeek(now = Date.now()): { from: number; to: number } {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  // 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
  const sinceMonday = (Math.floor(today / DAY_MS) + 3) % 7;
  const to = today - sinceMonday * DAY_MS;
  return { from: to - 7 * DAY_MS, to };
}

/** The most a report spans: a year of daily bars is as much as a page shows. */
export const MAX_REPORT_DAYS = 366;

export function checkPeriod(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to))
    throw new RangeError('report: from and to must be times');
  if (to <= from) throw new RangeError('report: "to" must be after "from"');
  if (to - from > MAX_REPORT_DAYS * DAY_MS)
    throw new RangeError(`report: a report spans at most ${MAX_REPORT_DAYS} days`);
}

function listItem(r: ReportItem): ReportListItem {
  let summary: string | undefined;
  if (r.family === 'ai_analyst') {
    try {
      summary = normalize(r.raw, { instance: r.instance, source: r.source as Origin['source'] }).description;
    } catch {
      // A record the current normaliser refuses still lists, with its title only.
    }
  }
  return {
    key: r.key,
    instance: r.instance,
    family: r.family,
    title: r.title,
    summary,
    severity: r.severity,
    severityLabel: SEVERITY_LABELS[Math.min(Math.max(r.severity, 0), 5)],
    eventTime: r.eventTime,
    acknowledged: r.acknowledged,
  };
}

export async function buildReport(store: { reports: Reports }, opts: ReportOptions): Promise<Report> {
  const { from, to } = opts;
  checkPeriod(from, to);
  const instances = opts.instances ? [...new Set(opts.instances)].sort() : undefined;
  const previousPeriod = { from: from - (to - from), to: from };
  const [f, previous]: [ReportFigures, Headline] = await Promise.all([
    store.reports.figures({ from, to, instances }, opts.limits),
    store.reports.headline({ ...previousPeriod, instances }),
  ]);
  const days = daysOf(from, to);
  const sevByDay = new Map(days.map((d) => [d, new Array<number>(6).fill(0)]));
  for (const r of f.severityByDay) {
    const c = sevByDay.get(r.day);
    if (c) c[r.severity] += r.n;
  }
  const families = Object.keys(FAMILY_LABELS);
  const famByDay = new Map(days.map((d) => [d, Object.fromEntries(families.map((x) => [x, 0]))]));
  const famTotals = new Map<string, number>();
  for (const r of f.familyByDay) {
    const c = famByDay.get(r.day);
    if (c) c[r.family] = (c[r.family] ?? 0) + r.n;
    famTotals.set(r.family, (famTotals.get(r.family) ?? 0) + r.n);
  }
  const { severityByDay: _s, familyByDay: _f, ...rest } = f;
  return {
    title: opts.title ?? 'Executive threat report',
    generatedAt: opts.now ?? Date.now(),
    period: { from, to },
    previousPeriod,
    instances: instances ?? null,
    headline: {
      detections: rest.detections,
      highOrCritical: rest.highOrCritical,
      incidents: rest.incidents,
      respondActions: rest.respondActions,
      timeToAck: rest.timeToAck,
      open: rest.open,
    },
    previous,
    changes: {
      detections: change(f.detections, previous.detections),
      highOrCritical: change(f.highOrCritical, previous.highOrCritical),
      incidents: change(f.incidents, previous.incidents),
      respondActions: change(f.respondActions, previous.respondActions),
      medianTimeToAck: change(f.timeToAck.medianMs, previous.timeToAck.medianMs),
      p90TimeToAck: change(f.timeToAck.p90Ms, previous.timeToAck.p90Ms),
      open: change(f.open, previous.open),
    },
    severityByDay: days.map((day) => ({ day, counts: sevByDay.get(day)! })),
    byFamily: families
      .map((family) => ({ family, label: FAMILY_LABELS[family], n: famTotals.get(family) ?? 0 }))
      .sort((a, b) => b.n - a.n),
    familyByDay: days.map((day) => ({ day, counts: famByDay.get(day)! })),
    topModels: f.topModels,
    topDevices: f.topDevices,
    incidents: { total: f.incidents, items: f.incidentItems.map(listItem) },
    respond: { total: f.respondActions, byAction: f.respondByAction },
    timeToAck: { ...f.timeToAck, unknown: f.ackTimeUnknown },
    open: {
      total: f.open,
      fromPeriod: f.openFromPeriod,
      bySeverity: f.openBySeverity,
      items: f.openItems.map(listItem),
    },
  };
}
