// A poller's durable cursor, kept as the set of finished time windows (the Airbyte/Singer way): a window
// is added only once everything in it is stored, windows merge as they touch, and the gaps between them
// are exactly what is left to fetch. Backfill, live polling and progress all read this one structure,
// and a crash can only leave a gap to refetch, never a hole marked done.

/** A half-open time interval [start, end) in epoch ms. */
export interface TimeWindow {
  start: number;
  end: number;
}

export interface CursorState {
  /** Sorted, disjoint, merged finished windows. */
  windows: TimeWindow[];
}

export const emptyCursor = (): CursorState => ({ windows: [] });

/** Reads a stored cursor defensively: anything malformed counts as nothing finished (refetch, never skip). */
export function parseCursor(value: unknown): CursorState {
  const ws = (value as CursorState | undefined)?.windows;
  if (!Array.isArray(ws)) return emptyCursor();
  const clean = ws.filter(
    (w): w is TimeWindow =>
      !!w &&
      Number.isFinite(w.start) &&
      Number.isFinite(w.end) &&
      (w as TimeWindow).end > (w as TimeWindow).start,
  );
  return clean.reduce((s, w) => markFinished(s, w), emptyCursor());
}

/** Adds a finished window, merging it with any it overlaps or touches. */
export function markFinished(state: CursorState, w: TimeWindow): CursorState {
  if (!(w.end > w.start)) return state;
  const out: TimeWindow[] = [];
  let cur = { ...w };
  let placed = false;
  for (const x of state.windows) {
    if (x.end < cur.start) out.push(x);
    else if (x.start > cur.end) {
      if (!placed) {
        out.push(cur);
        placed = true;
      }
      out.push(x);
    } else cur = { start: Math.min(cur.start, x.start), end: Math.max(cur.end, x.end) };
  }
  if (!placed) out.push(cur);
  return { windows: out };
}

/** The parts of [from, to) not yet finished, oldest first. */
export function gaps(state: CursorState, from: number, to: number): TimeWindow[] {
  const out: TimeWindow[] = [];
  let at = from;
  for (const w of state.windows) {
    if (w.end <= at) continue;
    if (w.start >= to) break;
    if (w.start > at) out.push({ start: at, end: Math.min(w.start, to) });
    at = Math.max(at, w.end);
    if (at >= to) break;
  }
  if (at < to) out.push({ start: at, end: to });
  return out;
}

/** Cuts windows into pieces no longer than `maxSpan` ms, so no single response is unbounded. */
export function split(windows: TimeWindow[], maxSpan: number): TimeWindow[] {
  const out: TimeWindow[] = [];
  for (const w of windows) {
    for (let s = w.start; s < w.end; s += maxSpan) out.push({ start: s, end: Math.min(w.end, s + maxSpan) });
  }
  return out;
}

/** Milliseconds of [from, to) already finished: the progress of a backfill. */
export function covered(state: CursorState, from: number, to: number): number {
  let sum = 0;
  for (const w of state.windows) sum += Math.max(0, Math.min(w.end, to) - Math.max(w.start, from));
  return sum;
}

/**
 * The high-water mark: the end of the finished stretch that reaches back to `from`, or `from` when the
 * stretch has not started. Live polls start from here minus the overlap.
 */
export function highWater(state: CursorState, from: number): number {
  for (const w of state.windows) if (w.start <= from && w.end > from) return w.end;
  return from;
}
