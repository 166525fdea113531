// Polls one Darktrace instance: model breaches (windowed on creationTime, so a breach created late is
// never missed), AI Analyst incident events, RESPOND actions and /EMAIL messages. Each stream keeps a
// durable cursor of finished windows;
// a poll fetches the gaps plus a re-read of the recent past (overlap, and a horizon for changes such as
// acknowledgements, comments and group scores), splits them so no response is unbounded, stores each
// window, and only then marks it finished. The store drops what it already has by key and hash.
import type { DarktraceClient, DarktraceError } from '../darktrace/index.ts';
import { FencedError } from '../store/fence.ts';
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
import { prepareRecords } from './ingest.ts';
import type { Ingest, PollLogger, PreparedBatch } from './types.ts';
import { windowsMs } from './windows.ts';

export type StreamName = 'modelbreaches' | 'aianalyst' | 'respond' | 'email';

export interface StreamSpec {
  name: StreamName;
  /** As said in the log line: "model breaches", "AI Analyst events", "RESPOND actions", "e-mail alerts". */
  label: string;
  /** As said in a request: "GET /antigena". */
  request: string;
  /**
   * A product the appliance may not have (RESPOND, /EMAIL): when it answers that it does not serve the
   * stream (404, 403, or neither /EMAIL base path), the stream is unavailable, not failing.
   */
  optional?: boolean;
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
    request: 'GET /modelbreaches',
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
    request: 'GET /aianalyst/incidentevents',
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
  {
    // Every action in force or with a state change in the window, cleared ones and history included.
    // An action is listed again in each window it spans; the store keeps a version only when its state
    // (state, user, reason, expiry, history length) changed. Several changes between two polls arrive as
    // one version, the latest, with every change in its history.
    name: 'respond',
    label: 'RESPOND actions',
    request: 'GET /antigena',
    optional: true,
    fetch: (c, w, _o, signal) => c.respondActions({ starttime: w.start, endtime: w.end - 1 }, { signal }),
  },
  {
    // Messages by arrival (`dtime_unix`, half-open in the SDK). A hold or a release does not move a
    // message's time, so only the update-horizon re-read sees it. The instance's minScore (a breach
    // score, 0–1) does not apply: every message is stored, sinks filter by severity.
    name: 'email',
    label: 'e-mail alerts',
    request: 'POST /agemail/…/emails/search',
    optional: true,
    fetch: (c, w, _o, signal) => c.searchEmails({ starttime: w.start, endtime: w.end }, { signal }),
  },
];

/**
 * Why an optional stream is not served to this token, in plain words, or undefined when the error is a
 * real one. Reads the error's name and status, so an error rebuilt from a worker thread reads the same.
 * `tokenWorks`: another stream of the same appliance answered, so a redirect to /login means the route
 * is not there (neither /EMAIL base path), not that the public token is wrong.
 */
export function notServed(err: unknown, tokenWorks: boolean): string | undefined {
  const e = err as { name?: string; status?: number; message?: string };
  const words = e.message ?? String(err);
  if (e.name === 'DarktraceNotFoundError' || e.status === 404)
    return `the appliance has no such route (${words})`;
  if (e.name === 'DarktracePermissionError' || e.status === 403)
    return `the token's user may not read it (${words})`;
  if (e.name === 'DarktraceAuthError' && e.status === 302 && tokenWorks)
    return `the appliance does not serve it (${words})`;
  return undefined;
}

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
  /**
   * Aim for at most this much record text per response (default 2 MB): a window is held whole while
   * it is parsed and normalised, so this bounds the memory a window takes, whatever a record weighs.
   */
  targetBytesPerWindow?: number;
  /** Stop a poll after this many records; the rest stays a gap for the next poll. */
  maxItemsPerPoll?: number;
  minScore?: number;
  now?: () => number;
  /** Fetches and normalises one window (default: in this thread; `dtc backfill` uses a worker pool). */
  prepare?: PrepareWindow;
  /** Windows in flight at once (default 2). */
  concurrency?: number;
  /** How long an unavailable stream (no RESPOND, no /EMAIL) goes unasked, ms (default 1 h). */
  recheckUnavailableMs?: number;
  /**
   * Asked before each window's request: false stops the poll there (a replica whose lease on the
   * instance can no longer be proven sends nothing more; its windows stay gaps for the next holder).
   */
  mayFetch?: () => boolean;
}

export interface Prepared {
  fetched: number;
  /** The text of the records fetched, in bytes (as serialised for the store). */
  bytes: number;
  /**
   * The window's records, normalised, in pages the poller stores one by one. A preparer may hold a
   * page until it is asked for (a worker does), so memory holds a page, not a window, on this side.
   */
  pages: AsyncIterable<PreparedBatch>;
  /** Lets go of pages not taken (a window dropped on abort or error). */
  discard?(): void;
}

/**
 * A preparer rejects a window with an error marked `tooLarge` when the window's records do not fit
 * its memory (a worker's capped heap): the poller asks for the window again in smaller pieces.
 */
export const isTooLarge = (err: unknown) => (err as { tooLarge?: boolean } | undefined)?.tooLarge === true;

export type PrepareWindow = (stream: StreamSpec, w: TimeWindow, signal?: AbortSignal) => Promise<Prepared>;

export interface StreamReport {
  fetched: number;
  new: number;
  updated: number;
  duplicates: number;
  rejected: number;
  /** The text of the records fetched, in bytes; of those understood and handed to the store. */
  bytes: number;
  storedBytes: number;
  error?: DarktraceError | Error;
  /** The appliance does not serve this stream to this token: not polled, and not an error. */
  unavailable?: Unavailable;
}

export interface Unavailable {
  /** Why, in plain words. */
  reason: string;
  /** When it was first found unavailable (ms). */
  since: number;
  /** When a poll asks again (ms). */
  checkAgainAt: number;
}

export interface PollReport {
  startedAt: number;
  finishedAt: number;
  /** Every stream, unless the poll was stopped before it came. */
  streams: Record<StreamName, StreamReport>;
}

interface StoredCursor extends CursorState {
  /** Start of everything this stream is meant to hold (first poll's look-back, or an older backfill). */
  origin?: number;
}

const blank = (): StreamReport => ({
  fetched: 0,
  new: 0,
  updated: 0,
  duplicates: 0,
  rejected: 0,
  bytes: 0,
  storedBytes: 0,
});

export class InstancePoller {
  readonly instance: string;
  #o: Required<Omit<PollerOptions, 'minScore' | 'prepare' | 'mayFetch'>> & {
    minScore: number;
    prepare: PrepareWindow;
    mayFetch?: () => boolean;
  };
  /** Current window span per stream, adapted to how much each response holds. */
  #span = new Map<string, number>();
  /** Optional streams this appliance does not serve, until they are asked again. */
  #unavailable = new Map<StreamName, Unavailable>();

  constructor(o: PollerOptions) {
    this.instance = o.instance;
    this.#o = {
      ...windowsMs(),
      targetItemsPerWindow: 5_000,
      targetBytesPerWindow: 2_000_000,
      maxItemsPerPoll: Number.POSITIVE_INFINITY,
      now: Date.now,
      minScore: 0,
      concurrency: 2,
      recheckUnavailableMs: 3_600_000,
      // An option given as undefined takes its default.
      ...(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as PollerOptions),
      prepare:
        o.prepare ??
        (async (stream, w, signal) => {
          const items = await stream.fetch(o.client, w, { minScore: o.minScore ?? 0 }, signal);
          const batch = prepareRecords(
            o.instance,
            `poll:${o.instance}:${stream.name}`,
            items,
            'api',
            o.client.url,
          );
          return { fetched: items.length, bytes: batchBytes(batch), pages: onePage(batch) };
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
      const off = this.#unavailable.get(stream.name);
      if (off && startedAt < off.checkAgainAt) {
        report.unavailable = { ...off };
        continue;
      }
      try {
        const cursor = await this.#cursor(stream.name);
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
        if (off && !signal?.aborted) this.#available(stream);
      } catch (err) {
        if (err instanceof FencedError) {
          // Another replica took the instance over: the other streams are theirs too.
          report.error = err;
          break;
        }
        const tokenWorks = Object.values(streams).some((r) => r !== report && !r.error && !r.unavailable);
        const why = stream.optional ? notServed(err, tokenWorks) : undefined;
        if (why) report.unavailable = this.#markUnavailable(stream, why, startedAt);
        else report.error = err as Error;
      }
      if (signal?.aborted) break;
    }
    const polled = STREAMS.filter((s) => streams[s.name] && !streams[s.name].unavailable);
    const missing = STREAMS.filter((s) => streams[s.name]?.unavailable).map((s) => s.label);
    const sum = (k: 'new' | 'updated') => polled.reduce((n, s) => n + (streams[s.name]?.[k] ?? 0), 0);
    this.#o.log.info(
      `darktrace[${this.instance}]: fetched ${polled.map((s) => `${streams[s.name]?.fetched} ${s.label}`).join(', ')} ` +
        `(${sum('new')} new, ${sum('updated')} updated${missing.length ? `; not available here: ${missing.join(', ')}` : ''})`,
      {
        instance: this.instance,
        breaches: streams.modelbreaches,
        aianalyst: streams.aianalyst,
        respond: streams.respond,
        email: streams.email,
      },
    );
    return { startedAt, finishedAt: this.#o.now(), streams };
  }

  /** The optional streams this appliance does not serve, with why and when they are asked again. */
  unavailable(): Partial<Record<StreamName, Unavailable>> {
    return Object.fromEntries([...this.#unavailable].map(([k, v]) => [k, { ...v }]));
  }

  #markUnavailable(stream: StreamSpec, reason: string, at: number): Unavailable {
    const before = this.#unavailable.get(stream.name);
    const u: Unavailable = {
      reason,
      since: before?.since ?? at,
      checkAgainAt: at + this.#o.recheckUnavailableMs,
    };
    this.#unavailable.set(stream.name, u);
    // Said once; asking again later and finding it still missing is not news.
    if (!before)
      this.#o.log.warn(
        `darktrace[${this.instance}]: ${stream.label} are not available here, so they are not polled: ${reason}. ` +
          `Asking again every ${duration(this.#o.recheckUnavailableMs)}`,
        { instance: this.instance, stream: stream.name },
      );
    return { ...u };
  }

  #available(stream: StreamSpec) {
    this.#unavailable.delete(stream.name);
    this.#o.log.info(`darktrace[${this.instance}]: ${stream.label} are available now and polled again`, {
      instance: this.instance,
      stream: stream.name,
    });
  }

  /**
   * Fetches every unfinished window in [since, now) for one stream (or all), oldest first, calling
   * `progress` after each window. Restarting resumes from the cursor.
   */
  async backfill(
    since: number,
    opts: {
      streams?: StreamName[];
      signal?: AbortSignal;
      progress?: (p: { stream: string; done: number; total: number; items: number }) => void;
    } = {},
  ): Promise<Record<string, StreamReport>> {
    const until = this.#o.now();
    const out: Record<string, StreamReport> = {};
    for (const stream of STREAMS.filter((s) => !opts.streams || opts.streams.includes(s.name))) {
      const report = blank();
      out[stream.name] = report;
      const cursor = await this.#cursor(stream.name);
      const origin = Math.min(cursor.origin ?? since, since);
      const total = until - since;
      const tick = async () =>
        opts.progress?.({
          stream: stream.name,
          done: covered(await this.#cursor(stream.name), since, until),
          total,
          items: report.fetched,
        });
      await tick();
      try {
        await this.#fetchWindows(stream, gaps(cursor, since, until), origin, report, opts.signal, tick, true);
      } catch (err) {
        // A product the appliance lacks is skipped (and said); any other error stops the backfill.
        const tokenWorks = Object.values(out).some((r) => r !== report && !r.unavailable);
        const why = stream.optional ? notServed(err, tokenWorks) : undefined;
        if (!why) throw err;
        report.unavailable = this.#markUnavailable(stream, why, this.#o.now());
      }
      if (opts.signal?.aborted) break;
    }
    return out;
  }

  /** Progress of a stream over [since, now): finished ms out of the total. */
  async progress(stream: StreamName, since: number): Promise<{ done: number; total: number }> {
    const now = this.#o.now();
    return { done: covered(await this.#cursor(stream), since, now), total: now - since };
  }

  async #cursor(stream: string): Promise<StoredCursor> {
    const raw = (await this.#o.ingest.getCursor(this.instance, stream)) as StoredCursor | undefined;
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
    afterWindow?: () => void | Promise<void>,
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
        if (this.#o.mayFetch && !this.#o.mayFetch()) return;
        const w = take();
        if (!w) return;
        const p = this.#o.prepare(stream, w, signal);
        p.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
        inFlight.push({ w, p });
      }
    };
    fill();
    try {
      while (inFlight.length) {
        const { w, p } = inFlight.shift()!;
        let prepared: Prepared;
        try {
          prepared = await p;
        } catch (err) {
          const span = w.end - w.start;
          if (!isTooLarge(err) || span <= 1000) throw err;
          // Too large to prepare whole: this window and those after it go back to the queue in
          // order, and are taken again in pieces a quarter of its span.
          this.#span.set(stream.name, Math.max(1000, Math.floor(span / 4)));
          const rest = inFlight.splice(0);
          for (const r of rest)
            r.p.then(
              (x) => x.discard?.(),
              () => {},
            );
          queue.unshift(w, ...rest.map((r) => r.w));
          fill();
          continue;
        }
        if (signal?.aborted) {
          prepared.discard?.();
          return; // windows in flight are dropped unfinished: they will be fetched again
        }
        this.#adapt(stream.name, w, prepared.fetched, prepared.bytes);
        fill();
        // Page by page: each page is stored, then let go, before the next is taken. The cursor moves
        // past the window only once every page is stored; a crash before that fetches the window
        // again and the store drops the pages it already has (by key and hash).
        for await (const page of prepared.pages) {
          const n = page.rows.length + page.rejects.length;
          const result = await this.#o.ingest.storePrepared(this.instance, stream.name, page, n);
          report.new += result.new;
          report.updated += result.updated;
          report.duplicates += result.duplicates;
          report.rejected += result.rejected;
          const stored = page.rows.reduce((k, r) => k + Buffer.byteLength(r.raw), 0);
          report.storedBytes += stored;
          report.bytes += page.rejects.reduce((k, r) => k + Buffer.byteLength(r.payload), stored);
        }
        if (signal?.aborted) return; // stored, but not marked: fetched again, and dropped as known
        report.fetched += prepared.fetched;
        const done = markFinished(await this.#cursor(stream.name), w);
        await this.#o.ingest.setCursor(this.instance, stream.name, { origin, windows: done.windows });
        await afterWindow?.();
        if (!unlimited && report.fetched >= this.#o.maxItemsPerPoll) return;
      }
    } finally {
      // Windows prepared but not stored (stopped, failed or capped) let go of what they hold.
      for (const { p } of inFlight.splice(0))
        p.then(
          (x) => x.discard?.(),
          () => {},
        );
    }
  }

  #adapt(stream: string, w: TimeWindow, n: number, bytes: number) {
    const span = w.end - w.start;
    const current = this.#span.get(stream) ?? this.#o.maxWindowMs;
    // How far over its target the window was, by count or by weight, whichever is further.
    const over = Math.max(n / this.#o.targetItemsPerWindow, bytes / this.#o.targetBytesPerWindow);
    if (over > 1) this.#span.set(stream, Math.max(1000, Math.floor(span / over / 2)));
    else if (over < 1 / 4 && current < this.#o.maxWindowMs)
      this.#span.set(stream, Math.min(this.#o.maxWindowMs, current * 2));
  }
}

/** The record text of a prepared batch, in bytes: rows as stored, rejects as kept. */
export function batchBytes(batch: PreparedBatch): number {
  let n = 0;
  for (const r of batch.rows) n += Buffer.byteLength(r.raw);
  for (const r of batch.rejects) n += Buffer.byteLength(r.payload);
  return n;
}

/** A batch prepared in this thread, as one page. */
async function* onePage(batch: PreparedBatch): AsyncIterable<PreparedBatch> {
  yield batch;
}

/** "60 min", "90 s". */
function duration(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/** Adds one window to a sorted list of disjoint windows, merging overlaps. */
function union(windows: TimeWindow[], extra: TimeWindow): TimeWindow[] {
  if (!(extra.end > extra.start)) return windows;
  let state = emptyCursor();
  for (const w of [...windows, extra]) state = markFinished(state, w);
  return state.windows;
}
