// AI Analyst incidents: the stored incident events grouped by their incident group, highest score first.
// Pure (web/test/incidents.test.ts).
import type { Canonical, DetectionRow } from '../api/types.ts';

export interface IncidentGroup {
  /** The group id (`g…` or a uuid), or the event's own key when the record names no group. */
  id: string;
  /** The group's score (0–100): the group score Darktrace gives, else the highest event score. */
  score: number;
  /** Its events, newest first. */
  events: { row: DetectionRow; score?: number }[];
  latest: number;
  acknowledged: boolean;
}

export function groupIncidents(rows: readonly DetectionRow[]): IncidentGroup[] {
  const groups = new Map<string, IncidentGroup>();
  for (const row of rows) {
    const c = row.canonical as Canonical | null | undefined;
    const id = c?.related?.group ?? row.key;
    const eventScore = c?.scores?.aiaScore;
    let g = groups.get(id);
    if (!g) {
      g = { id, score: 0, events: [], latest: 0, acknowledged: true };
      groups.set(id, g);
    }
    g.events.push({ row, score: eventScore });
    g.score = Math.max(g.score, c?.scores?.groupScore ?? 0, eventScore ?? 0);
    g.latest = Math.max(g.latest, row.eventTime);
    g.acknowledged &&= row.acknowledged;
  }
  for (const g of groups.values()) g.events.sort((a, b) => b.row.eventTime - a.row.eventTime);
  return [...groups.values()].sort((a, b) => b.score - a.score || b.latest - a.latest);
}
