// How the console words and colours things: severities, instance states, times, scores. Pure functions,
// unit-tested (web/test/format.test.ts).
import { SEVERITY_LABELS } from '../../../src/normalize/severity.ts';
import type { Instance, InstanceState } from '../api/types.ts';

export { SEVERITY_LABELS };

/** 0–5 → Unknown…Critical; out of range → Unknown. */
export function severityLabel(id: number): string {
  return SEVERITY_LABELS[id] ?? 'Unknown';
}

/** The CSS class of a severity (sev-0 … sev-5). */
export function severityClass(id: number): string {
  return `sev-${id >= 0 && id <= 5 ? Math.trunc(id) : 0}`;
}

const STATE_WORDS: Record<InstanceState, string> = {
  ok: 'ok',
  degraded: 'degraded',
  failing: 'failing',
  disabled: 'disabled',
  starting: 'starting',
};

/** An instance's state in words, and a sentence saying what it means. */
export function stateWords(i: Pick<Instance, 'enabled' | 'status'>): { word: string; meaning: string } {
  const state = i.enabled ? i.status.state : 'disabled';
  const word = STATE_WORDS[state] ?? state;
  const meaning =
    state === 'ok'
      ? 'polling normally'
      : state === 'degraded'
        ? 'the last poll failed; earlier ones worked'
        : state === 'failing'
          ? 'polls keep failing'
          : state === 'starting'
            ? 'waiting for its first poll'
            : 'not polled: enable it to start';
  return { word, meaning };
}

const UNITS: [number, Intl.RelativeTimeFormatUnit][] = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [7, 'day'],
  [4.35, 'week'],
  [12, 'month'],
  [Number.POSITIVE_INFINITY, 'year'],
];

/** How long ago (or until) a time is, in words: "3 minutes ago", "just now". */
export function ago(time: number | string | undefined, now = Date.now()): string {
  if (time === undefined || time === '') return 'never';
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(t)) return 'never';
  let delta = (t - now) / 1000;
  if (Math.abs(delta) < 10) return 'just now';
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [size, unit] of UNITS) {
    if (Math.abs(delta) < size) return rtf.format(Math.round(delta), unit);
    delta /= size;
  }
  return rtf.format(Math.round(delta), 'year');
}

/** A time as ISO 8601 to the second, in UTC: `2026-11-01 14:03:07Z`. */
export function isoTime(time: number | string | undefined): string {
  if (time === undefined || time === '') return '';
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(t)) return '';
  return new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** A 0–1 model breach score as a percentage, a 0–100 score as it is; missing → "–". */
export function score(value: number | undefined, scale: 1 | 100 = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const pct = scale === 1 ? value * 100 : value;
  return `${Math.round(pct)}%`;
}

/** A number of seconds as words: 30 s, 5 min, 2 h. */
export function interval(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
