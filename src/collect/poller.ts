// Polls one Darktrace instance: model breaches (windowed on creationTime, so a breach created late is
// never missed) and AI Analyst incident events. Each stream keeps a durable cursor of finished windows;
// a poll fetches the gaps plus a re-read of the recent past (overlap, and a horizon for changes such as
// acknowledgements, comments and group scores), splits them so no response is unbounded, stores each
// window, and only then marks it finished. The store drops what it already has by key and hash.
import type { DarktraceClient, DarktraceError } from '../darktrace/index.ts';
import {
  type CursorState,
  covered,
  emptyCursor,
  gaps,
  markFinished,
  parseCursor,
  split,
  type TimeWindow,
} from './cursor.ts';
import { type PreparedBatch, prepareRecords } from './ingest.ts';
import type { Ingest, PollLogger } from './types.ts';

export interface StreamSpec {
  name: 'modelbreaches' | 'aianalyst';
  /** As said in the log line: "model breaches", "AI Analyst events". */
  label: string;
  fetch(
    client: DarktraceClient,
    w: TimeWindow,
    opts: { minScore: number },
    signal?: AbortSignal,
  ): Promise<unknown[]>;
}

// Darktrace's starttime/endtime are inclusive; our windows are half-open, hence `end - 1`.
export const STREAMS: readonly StreamSpec[] = [
  {
    name: 'modelbreaches',
    label: 'model breaches',
    fetch: (c, w, o, signal) =>
      c.modelBreaches.list(
        {
          starttime: w.start,
          endtime: w.end - 1,
          creationtime: true,
          includeacknowledged: true,
          minscore: o.minScore > 0 ? o.minScore : undefined,
          deviceattop: true,
          historicmodelonly: true,
          includebreachurl: true,
          expandenums: true,
        },
        { signal },
      ),
  },
  {
    name: 'aianalyst',
    label: 'AI Analyst events',
    fetch: (c, w, _o, signal) =>
      c.aiAnalyst.incidentEvents(
        {
          starttime: w.start,
          endtime: w.end - 1,
          includeacknowledged: true,
          includeallpinned: false,
          includeincidenteventurl: true,
        },
        { signal },
      ),
  },
];

export interface PollerOptions {
  instance: string;
  client: DarktraceClient;
  /** Where fetched records go (normalise + store) and where cursors live. */
  ingest: Ingest;
  log: PollLogger;
  /** First-fetch look-back, ms. */
  lookbackMs: number;
  /** Re-read this much before the high-water mark on every poll, ms (default 10 min). */
  overlapMs?: number;
  /** Re-read this much of the recent past on every poll to catch changes, ms (default 24 h). */
  updateHorizonMs?: number;
  /** Largest window asked for in one request, ms (default 1 h; shrinks when answers are large). */
  maxWindowMs?: number;
  /** Aim for at most this many records per response (default 5,000). */
  targetItemsPerWindow?: number;
  /** Stop a poll after this many records; the rest stays a gap for the next poll. */
  maxItemsPerPoll?: number;
  minScore?: number;
  now?: () => number;
  /** Fetches and normalises one window (default: in this thread; `dtc backfill` uses a worker pool). */
  prepare?: PrepareWindow;
  /** Windows in flight at once (default 2). */
  concurrency?: number;
}

export interface Prepared {
  fetched: number;
  batch: PreparedBatch;
}

export type PrepareWindow = (stream: StreamSpec, w: TimeWindow, signal?: AbortSignal) => Promise<Prepared>;

export interface StreamReport {
  fetched: number;
  new: number;
  updated: number;
  duplicates: number;
  rejected: number;
  error?: DarktraceError | Error;
}

export interface PollReport {
  startedAt: number;
  finishedAt: number;
  streams: Record<StreamSpec['name'], StreamReport>;
}

interface StoredCursor extends CursorState {
  /** Start of everything this stream is meant to hold (first poll's look-back, or an older backfill). */
  origin?: number;
}

const blank = (): StreamReport => ({ fetched: 0, new: 0, updated: 0, duplicates: 0, rejected: 0 });

export class InstancePoller {
  readonly instance: string;
  #o: Required<Omit<PollerOptions, 'minScore' | 'prepare'>> & { minScore: number; prepare: PrepareWindow };
  /** Current window span per stream, adapted to how much each response holds. */
  #span = new Map<string, number>();

  constructor(o: PollerOptions) {
    this.instance = o.instance;
    this.#o = {
      overlapMs: 10 * 60_000,
      updateHorizonMs: 24 * 3_600_000,
      maxWindowMs: 3_600_000,
      targetItemsPerWindow: 5_000,
      maxItemsPerPoll: Number.POSITIVE_INFINITY,
      now: Date.now,
      minScore: 0,
      concurrency: 2,
      ...o,
      prepare:
        o.prepare ??
        (async (stream, w, signal) => {
          const items = await stream.fetch(o.client, w, { minScore: o.minScore ?? 0 }, signal);
          return {
            fetched: items.length,
            batch: prepareRecords(
              o.instance,
              `poll:${o.instance}:${stream.name}`,
              items,
              'api',
              o.client.url,
            ),
          };
        }),
    };
  }

  /** One poll of every stream. A failing stream does not stop the others; its error is in the report. */
  async pollOnce(signal?: AbortSignal): Promise<PollReport> {
    const startedAt = this.#o.now();
    const streams = {} as PollReport['streams'];
    for (const stream of STREAMS) {
      const report = blank();
      streams[stream.name] = report;
      try {
        const cursor = this.#cursor(stream.name);
        const origin = cursor.origin ?? startedAt - this.#o.lookbackMs;
        // New data first: what was never fetched plus the overlap, oldest first. Then the update
        // horizon, newest first, so a per-poll cap never starves the newest detections.
        const fresh = union(gaps(cursor, origin, startedAt), {
          start: Math.max(origin, startedAt - this.#o.overlapMs),
          end: startedAt,
        });
        await this.#fetchWindows(stream, fresh, origin, report, signal);
        const horizonStart = Math.max(origin, startedAt - this.#o.updateHorizonMs);
        const reread = split(
          gaps({ windows: fresh }, horizonStart, startedAt),
          this.#o.maxWindowMs,
        ).reverse();
        if (!signal?.aborted && report.fetched < this.#o.maxItemsPerPoll) {
          await this.#fetchWindows(stream, reread, origin, report, signal);
        }
      } catch (err) {
        report.error = err as Error;
      }
      if (signal?.aborted) break;
    }
    const b = streams.modelbreaches ?? blank();
    const a = streams.aianalyst ?? blank();
    this.#o.log.info(
      `darktrace[${this.instance}]: fetched ${b.fetched} model breaches, ${a.fetched} AI Analyst events ` +
        `(${b.new + a.new} new, ${b.updated + a.updated} updated)`,
      { instance: this.instance, breaches: b, aianalyst: a },
    );
    return { startedAt, finishedAt: this.#o.now(), streams };
  }

  /**
   * Fetches every unfinished window in [since, now) for one stream (or all), oldest first, calling
   * `progress` after each window. Restarting resumes from the cursor.
   */
  async backfill(
    since: number,
    opts: {
      streams?: StreamSpec['name'][];
      signal?: AbortSignal;
      progress?: (p: { stream: string; done: number; total: number; items: number }) => void;
    } = {},
  ): Promise<Record<string, StreamReport>> {
    const until = this.#o.now();
    const out: Record<string, StreamReport> = {};
    for (const stream of STREAMS.filter((s) => !opts.streams || opts.streams.includes(s.name))) {
      const report = blank();
      out[stream.name] = report;
      const cursor = this.#cursor(stream.name);
      const origin = Math.min(cursor.origin ?? since, since);
      const total = until - since;
      const tick = () =>
        opts.progress?.({
          stream: stream.name,
          done: covered(this.#cursor(stream.name), since, until),
          total,
          items: report.fetched,
        });
      tick();
      await this.#fetchWindows(stream, gaps(cursor, since, until), origin, report, opts.signal, tick, true);
      if (opts.signal?.aborted) break;
    }
    return out;
  }

  /** Progress of a stream over [since, now): finished ms out of the total. */
  progress(stream: StreamSpec['name'], since: number): { done: number; total: number } {
    const now = this.#o.now();
    return { done: covered(this.#cursor(stream), since, now), total: now - since };
  }

  #cursor(stream: string): StoredCursor {
    const raw = this.#o.ingest.getCursor(this.instance, stream) as StoredCursor | undefined;
    const c: StoredCursor = raw ? parseCursor(raw) : emptyCursor();
    if (raw && Number.isFinite(raw.origin)) c.origin = raw.origin;
    return c;
  }

  async #fetchWindows(
    stream: StreamSpec,
    windows: TimeWindow[],
    origin: number,
    report: StreamReport,
    signal?: AbortSignal,
    afterWindow?: () => void,
    unlimited = false,
  ): Promise<void> {
    const queue = [...windows];
    const take = (): TimeWindow | undefined => {
      const w = queue.shift();
      if (!w) return undefined;
      const span = this.#span.get(stream.name) ?? this.#o.maxWindowMs;
      if (w.end - w.start > span) {
        queue.unshift({ start: w.start + span, end: w.end });
        return { start: w.start, end: w.start + span };
      }
      return w;
    };
    // Several windows in flight: while one is stored, the next ones are fetched and normalised (in a
    // worker pool when one is given). Results are stored in window order.
    const inFlight: { w: TimeWindow; p: Promise<Prepared> }[] = [];
    const fill = () => {
      while (inFlight.length < this.#o.concurrency) {
        const w = take();
        if (!w) return;
        const p = this.#o.prepare(stream, w, signal);
        p.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
        inFlight.push({ w, p });
      }
    };
    fill();
    while (inFlight.length) {
      const { w, p } = inFlight.shift()!;
      const { fetched, batch } = await p;
      if (signal?.aborted) return; // windows in flight are dropped unfinished: they will be fetched again
      this.#adapt(stream.name, w, fetched);
      fill();
      const result = this.#o.ingest.storePrepared(this.instance, stream.name, batch, fetched);
      report.fetched += fetched;
      report.new += result.new;
      report.updated += result.updated;
      report.duplicates += result.duplicates;
      report.rejected += result.rejected;
      const done = markFinished(this.#cursor(stream.name), w);
      this.#o.ingest.setCursor(this.instance, stream.name, { origin, windows: done.windows });
      afterWindow?.();
      if (!unlimited && report.fetched >= this.#o.maxItemsPerPoll) return;
    }
  }

  #adapt(stream: string, w: TimeWindow, n: number) {
    const span = w.end - w.start;
    const target = this.#o.targetItemsPerWindow;
    const current = this.#span.get(stream) ?? this.#o.maxWindowMs;
    if (n > target) this.#span.set(stream, Math.max(1000, Math.floor((span * target) / n / 2)));
    else if (n < target / 4 && current < this.#o.maxWindowMs)
      this.#span.set(stream, Math.min(this.#o.maxWindowMs, current * 2));
  }
}

/** Adds one window to a sorted list of disjoint windows, merging overlaps. */
function union(windows: TimeWindow[], extra: TimeWindow): TimeWindow[] {
  if (!(extra.end > extra.start)) return windows;
  let state = emptyCursor();
  for (const w of [...windows, extra]) state = markFinished(state, w);
  return state.windows;
}
