// The report's figures computed in plain JS from the seeded plan: the independent side of the tests.
import { ACK_FAMILIES, DAY_MS, REPORT_FAMILIES } from '../../src/store/reports.ts';
import type { Planned } from './seed.ts';

export interface Scope {
  from: number;
  to: number;
  instances?: string[];
}

const inInstances = (p: Planned, s: Scope) => !s.instances || s.instances.includes(p.instance);
const ackable = (p: Planned) => (ACK_FAMILIES as readonly string[]).includes(p.family);

export function inPeriod(plan: Planned[], s: Scope): Planned[] {
  return plan.filter(
    (p) =>
      inInstances(p, s) &&
      (REPORT_FAMILIES as readonly string[]).includes(p.family) &&
      p.eventTime >= s.from &&
      p.eventTime < s.to,
  );
}

/** Counts by a key, most frequent first, ties by name: the report's order. */
export function top(xs: (string | undefined)[], n: number) {
  const m = new Map<string, number>();
  for (const x of xs) if (x !== undefined) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m]
    .map(([name, c]) => ({ name, n: c }))
    .sort((a, b) => b.n - a.n || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n);
}

/** Linear interpolation between closest ranks (PostgreSQL's percentile_cont). */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** When a seeded detection was acknowledged at the latest, as the store can know it. */
const ackedBy = (p: Planned) =>
  p.ack === 'none' ? undefined : p.ack === 'initial' ? p.storedAt : (p.ackAt as number);

export function openAt(plan: Planned[], s: Scope): Planned[] {
  return plan.filter((p) => {
    if (!inInstances(p, s) || !ackable(p) || p.eventTime >= s.to) return false;
    const by = ackedBy(p);
    return by === undefined || by >= s.to;
  });
}

export function expectedHeadline(plan: Planned[], s: Scope) {
  const rows = inPeriod(plan, s);
  const times = rows
    .filter((p) => ackable(p) && (p.ack === 'darktrace' || p.ack === 'observed'))
    .map((p) => (p.ackAt as number) - p.eventTime)
    .sort((a, b) => a - b);
  return {
    detections: rows.length,
    highOrCritical: rows.filter((p) => p.severity >= 4).length,
    incidents: rows.filter((p) => p.family === 'ai_analyst').length,
    respondActions: rows.filter((p) => p.family === 'respond_action').length,
    timeToAck: { count: times.length, medianMs: percentile(times, 0.5), p90Ms: percentile(times, 0.9) },
    open: openAt(plan, s).length,
  };
}

export function expectedPerDay(plan: Planned[], s: Scope) {
  const sev = new Map<string, number>();
  const fam = new Map<string, number>();
  for (const p of inPeriod(plan, s)) {
    const day = Math.floor(p.eventTime / DAY_MS) * DAY_MS;
    sev.set(`${day}/${p.severity}`, (sev.get(`${day}/${p.severity}`) ?? 0) + 1);
    fam.set(`${day}/${p.family}`, (fam.get(`${day}/${p.family}`) ?? 0) + 1);
  }
  return { sev, fam };
}
