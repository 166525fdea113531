// The one severity table. Every family lands on the OCSF 0–5 scale with a label; the raw inputs are
// kept beside it in Detection.scores. The table is documented in ./README.md (keep them in step).

import { lookup } from './lookup.ts';
import type { SeverityId, SeverityLabel } from './model.ts';

export const SEVERITY_LABELS: readonly SeverityLabel[] = [
  'Unknown',
  'Informational',
  'Low',
  'Medium',
  'High',
  'Critical',
];

// Darktrace's behaviour categories, as the base level; a high score raises it one step.
const CATEGORY_BASE: Record<string, SeverityId> = lookup({
  critical: 4,
  suspicious: 3,
  compliance: 2,
  informational: 1,
});
const CATEGORY_CAP: Record<string, SeverityId> = lookup({
  critical: 5,
  suspicious: 4,
  compliance: 2, // compliance is policy, not threat: a score never makes it urgent
  informational: 2,
});

function fromCategory(category: string, high: boolean): SeverityId | undefined {
  const base = CATEGORY_BASE[category];
  if (base === undefined) return undefined;
  return high ? CATEGORY_CAP[category] : base;
}

/** Score on 0–100 with no category to go by. */
function fromScore(score: number): SeverityId {
  if (score >= 80) return 4;
  if (score >= 50) return 3;
  if (score >= 20) return 2;
  return 1;
}

/**
 * Model breach: `model.compliance` wins over the category (as in Darktrace); with no category, the
 * model priority stands in for it (5 critical, 4 suspicious, 0–3 informational); with neither, the
 * score alone. "High score" = percentscore ≥ 80 or score ≥ 0.8.
 */
export function breachSeverity(
  category: string | undefined,
  compliance: boolean | undefined,
  priority: number | undefined,
  score: number | undefined,
  percentscore: number | undefined,
): SeverityId {
  const pct = percentscore ?? (score !== undefined ? score * 100 : undefined);
  const high = pct !== undefined && pct >= 80;
  let cat = compliance ? 'compliance' : category;
  if (cat === undefined && priority !== undefined)
    cat = priority >= 5 ? 'critical' : priority >= 4 ? 'suspicious' : 'informational';
  const s = cat !== undefined ? fromCategory(cat, high) : undefined;
  if (s !== undefined) return s;
  return pct !== undefined ? fromScore(pct) : 0;
}

/**
 * AI Analyst event: the event category (or, missing, the incident's groupCategory); raised one step
 * when aiaScore or groupScore is ≥ 80. With no category, the higher of the two scores.
 */
export function aiaSeverity(
  category: string | undefined,
  groupCategory: string | undefined,
  aiaScore: number | undefined,
  groupScore: number | undefined,
): SeverityId {
  const top = Math.max(aiaScore ?? -1, groupScore ?? -1);
  const high = top >= 80;
  const s =
    (category !== undefined ? fromCategory(category, high) : undefined) ??
    (groupCategory !== undefined ? fromCategory(groupCategory, high) : undefined);
  if (s !== undefined) return s;
  return top >= 0 ? fromScore(top) : 0;
}

/**
 * System status: priority_level, else priority 0–100 in Darktrace's own bands (low 0–40, medium
 * 41–60, high 61–80, critical 81–100).
 */
export function statusSeverity(level: string | undefined, priority: number | undefined): SeverityId {
  switch (level) {
    case 'critical':
      return 5;
    case 'high':
      return 4;
    case 'medium':
      return 3;
    case 'low':
      return 2;
  }
  if (priority === undefined) return 0;
  if (priority > 80) return 5;
  if (priority > 60) return 4;
  if (priority > 40) return 3;
  return 2;
}

/** Audit: a failed request (status ≥ 400, or described as failed) is Low, the rest Informational. */
export function auditSeverity(status: number | undefined, failed: boolean): SeverityId {
  return failed || (status !== undefined && status >= 400) ? 2 : 1;
}

/** CEF and LEEF use 0–10. Chosen so ArcSight's bands read right: 3 Low, 5 Medium, 8 High, 10 Very-High. */
export const SEVERITY_TO_10: readonly number[] = [0, 1, 3, 5, 8, 10];

/**
 * RESPOND action: an action that ended (cleared, expired) is Informational; one that is proposed or in
 * force reads the triggering breach's score (0–1) on the score row, never below Low; a manual action
 * (no score) is Low.
 */
export function respondSeverity(ended: boolean, score: number | undefined): SeverityId {
  if (ended) return 1;
  if (score === undefined || score <= 0) return 2;
  const s = fromScore(score * 100);
  return Math.max(s, 2) as SeverityId;
}

/** /EMAIL alert: Darktrace's anomaly score (0–100) on the score row; no score is Unknown. */
export function emailSeverity(score: number | undefined): SeverityId {
  return score === undefined ? 0 : fromScore(score);
}
