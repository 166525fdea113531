// The Detections chart's data: the API's histogram (buckets × severity) as stacked layers, critical at
// the bottom. Pure, so the stacking is unit-tested without a browser (web/test/chart.test.ts).
import type { Histogram } from '../api/types.ts';
import { SEVERITY_LABELS } from './format.ts';

/** Severities from the bottom of the stack up: critical first, unknown last. */
export const STACK_ORDER = [5, 4, 3, 2, 1, 0] as const;

export interface Stacked {
  /** Bucket starts in seconds (uPlot's time unit), plus the end of the last bucket. */
  x: number[];
  /** One layer per STACK_ORDER entry: the running total up to and including that severity. */
  layers: { severity: number; label: string; top: number[] }[];
  total: number;
}

/**
 * Cumulative layers: layer i is the sum of the severities STACK_ORDER[0..i], so drawing them from the
 * last (the total) to the first, each filled down to zero, shows every severity as its own band.
 * A closing point (zero) after the last bucket lets a stepped area draw that bucket's full width.
 */
export function stackHistogram(h: Histogram): Stacked {
  const x = h.buckets.map((b) => b.start / 1000);
  const last = h.buckets.at(-1);
  x.push(((last?.start ?? h.from) + h.bucketMs) / 1000);
  let total = 0;
  const running = new Array<number>(h.buckets.length).fill(0);
  const layers = STACK_ORDER.map((severity) => {
    const top = h.buckets.map((b, i) => {
      const n = b.counts[severity] ?? 0;
      total += n;
      running[i] += n;
      return running[i];
    });
    top.push(0);
    return { severity, label: SEVERITY_LABELS[severity] ?? 'Unknown', top };
  });
  return { x, layers, total };
}

/** The chart's text alternative: what it shows, in one sentence. */
export function describeHistogram(h: Histogram): string {
  const total = h.buckets.reduce((n, b) => n + b.counts.reduce((a, c) => a + c, 0), 0);
  const peak = h.buckets.reduce(
    (best, b) => {
      const n = b.counts.reduce((a, c) => a + c, 0);
      return n > best.n ? { n, start: b.start } : best;
    },
    { n: 0, start: h.from },
  );
  const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  return (
    `${total.toLocaleString('en')} detections from ${iso(h.from)} to ${iso(h.to)} UTC by severity` +
    (peak.n ? `; the most, ${peak.n.toLocaleString('en')}, in the bucket from ${iso(peak.start)}` : '')
  );
}
