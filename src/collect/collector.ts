// Runs one poller per enabled instance on its own schedule, keeps each instance's status in plain words,
// backs off on errors, and stops cleanly: on stop, no new poll starts and the polls in flight end after
// their current window (an unfinished window is simply fetched again next time).
// Replicas sharing a PostgreSQL store (src/cluster/) build it `leased`: it then polls an instance only
// while `lease()` runs for it, each poll inside the lease's fence, so every store write the poll makes
// (detections, cursors, dead letters, connection checks) is refused once another replica took over.
// It then also hands each held instance's status to `onStatus` after every poll and connection check,
// under the same fence, for the store to share with the replicas that do not poll it.
import { setMaxListeners } from 'node:events';
import { DarktraceClient, type DarktraceClientOptions, DarktraceError } from '../darktrace/index.ts';
import { type Fence, FencedError, underFence } from '../store/fence.ts';
import { type ConnectionCheckResult, checkConnection } from './health.ts';
import type { InstanceRecord } from './instance.ts';
import { InstancePoller, type PollReport, STREAMS, type StreamName } from './poller.ts';
import type { Ingest, PollLogger } from './types.ts';

export type InstanceState = 'starting' | 'ok' | 'degraded' | 'failing' | 'disabled';

/** One stream of an instance after its last poll. */
export interface StreamStatus {
  /**
   * `ok`: polled; `failing`: the last poll of it failed (the instance is degraded or failing);
   * `unavailable`: the appliance does not serve it to this token (no RESPOND, no /EMAIL): not polled,
   * not an error, asked again at `checkAgainAt`.
   */
  state: 'ok' | 'failing' | 'unavailable';
  /** The error, or why it is unavailable, in plain words. */
  reason?: string;
  checkAgainAt?: string;
}

export interface InstanceStatus {
  name: string;
  state: InstanceState;
  simulated: boolean;
  lastPollAt?: string;
  lastSuccessAt?: string;
  lastError?: string;
  lastErrorAt?: string;
  /** The last poll errors in plain words, newest first (at most RECENT_ERRORS). */
  recentErrors?: { at: string; error: string }[];
  consecutiveFailures: number;
  nextPollAt?: string;
  /** The last scheduled connection check, when the instance has a schedule. */
  lastCheck?: ConnectionCheckResult;
  /** Per stream (modelbreaches, aianalyst, respond, email), after the first poll. */
  streams: Partial<Record<StreamName, StreamStatus>>;
  totals: {
    modelBreaches: number;
    aiAnalyst: number;
    respondActions: number;
    emails: number;
    new: number;
    updated: number;
    rejected: number;
  };
}

export interface CollectorOptions {
  ingest: Ingest;
  log: PollLogger;
  overlapMs?: number;
  updateHorizonMs?: number;
  maxWindowMs?: number;
  /** How long a stream the appliance does not serve goes unasked (default 1 h). */
  recheckUnavailableMs?: number;
  /** First retry delay after a failed poll (default 15 s); doubles up to the poll interval. */
  backoffBaseMs?: number;
  clientOptions?: Partial<DarktraceClientOptions>;
  onPoll?: (instance: string, report: PollReport) => void;
  /** Called after each scheduled connection check (the service records it in the store). */
  onCheck?: (instance: string, result: ConnectionCheckResult) => void;
  /** Poll an instance only while `lease()` runs for it (replicas sharing the instances); default false. */
  leased?: boolean;
  /**
   * Leased mode: the status of an instance this replica holds, after each poll and connection check,
   * called inside the lease's fence (a write refused there stops the lease like a poll's would).
   */
  onStatus?: (status: InstanceStatus) => Promise<void>;
}

/** A replica's lease on one instance (src/cluster/leases.ts): its fence, and a signal that ends it. */
export interface PollLease {
  fence: Fence;
  signal: AbortSignal;
  /**
   * False once the lease can no longer be proven. Asked before each request to the appliance: a replica
   * that wakes from a pause may have answers to handle before its lease's signal fires.
   */
  valid?: () => boolean;
}

interface Held {
  fence: Fence;
  /** The lease's signal and the collector's own: either stops the polls. */
  signal: AbortSignal;
  /** Set when a write was refused because another replica took the instance over. */
  fenced?: FencedError;
  valid(): boolean;
  end(): void;
}

interface Entry {
  record: InstanceRecord;
  client?: DarktraceClient;
  poller?: InstancePoller;
  status: InstanceStatus;
  running?: Promise<unknown>;
  timer?: NodeJS.Timeout;
  checkTimer?: NodeJS.Timeout;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class Collector {
  #o: CollectorOptions;
  #entries = new Map<string, Entry>();
  #abort = new AbortController();
  #started = false;
  /** Instances this replica holds a lease on (leased mode only). */
  #held = new Map<string, Held>();
  /** Each instance's last lease, until its polls have stopped: a new lease waits for it. */
  #leaseDone = new Map<string, Promise<unknown>>();

  constructor(o: CollectorOptions) {
    // One signal stops every poll in flight: each request of each instance listens to it.
    setMaxListeners(10_000, this.#abort.signal);
    this.#o = o;
  }

  /** Replaces the set of instances; pollers of removed or changed instances stop. */
  async setInstances(records: InstanceRecord[]): Promise<void> {
    const keep = new Set(records.map((r) => r.name));
    for (const [name, e] of this.#entries) {
      if (!keep.has(name)) {
        await this.#stopEntry(e);
        this.#entries.delete(name);
      }
    }
    for (const record of records) {
      const old = this.#entries.get(record.name);
      if (old && JSON.stringify(old.record) === JSON.stringify(record)) continue;
      if (old) await this.#stopEntry(old);
      const entry = this.#makeEntry(record, old?.status);
      this.#entries.set(record.name, entry);
      if (this.#started) this.#schedule(entry, 0);
    }
  }

  start(): void {
    this.#started = true;
    for (const e of this.#entries.values()) this.#schedule(e, 0);
  }

  /**
   * Polls `name` (leased mode) until the lease's signal aborts, every poll under its fence; resolves
   * once the poll in flight has ended. Rejects with the FencedError when a write was refused because
   * another replica took the instance over: the polls have stopped and nothing of that write landed.
   */
  lease(name: string, lease: PollLease): Promise<void> {
    const before = this.#leaseDone.get(name) ?? Promise.resolve();
    const done = before.catch(() => {}).then(() => this.#holdLease(name, lease));
    this.#leaseDone.set(name, done);
    return done;
  }

  async #holdLease(name: string, lease: PollLease): Promise<void> {
    const signal = AbortSignal.any([this.#abort.signal, lease.signal]);
    setMaxListeners(10_000, signal); // every request of every poll listens to it
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const held: Held = {
      fence: lease.fence,
      signal,
      end,
      valid: () => !signal.aborted && (lease.valid?.() ?? true),
    };
    if (signal.aborted) return;
    signal.addEventListener('abort', end, { once: true });
    this.#held.set(name, held);
    const e = this.#entries.get(name);
    if (e && this.#started) this.#schedule(e, 0);
    try {
      await ended;
    } finally {
      signal.removeEventListener('abort', end);
      this.#held.delete(name);
      const cur = this.#entries.get(name);
      if (cur) {
        this.#clearTimers(cur);
        if (cur.running) await cur.running.catch(() => {});
      }
    }
    if (held.fenced) throw held.fenced;
  }

  /** Runs a connection check of an instance now, records it, and returns it. */
  async check(name: string): Promise<ConnectionCheckResult | undefined> {
    const e = this.#entries.get(name);
    if (!e) return undefined;
    const held = this.#held.get(name);
    const run = async () => {
      const result = await checkConnection({ ...e.record, userAgent: this.#o.clientOptions?.userAgent });
      e.status.lastCheck = result;
      // The holder records it under its fence; a replica asked through the API without the lease, plainly.
      this.#o.onCheck?.(name, result);
      await this.#share(e, held);
      return result;
    };
    return held ? underFence(held.fence, run) : run();
  }

  /** Stops scheduling and waits for polls in flight to end after their current window. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#abort.abort();
    await Promise.all([...this.#entries.values()].map((e) => this.#stopEntry(e)));
  }

  status(): InstanceStatus[] {
    return [...this.#entries.values()].map((e) => snapshot(e.status));
  }

  /** Whether this replica polls the instance: always, unless leased and another replica holds it. */
  polls(name: string): boolean {
    return !this.#o.leased || this.#held.has(name);
  }

  /**
   * The instance's SDK client, the one its poller uses: commands run over HTTP and MCP share it (and its
   * connection pool). A change of the instance's settings or token makes a new one.
   */
  client(name: string): DarktraceClient | undefined {
    return this.#entries.get(name)?.client;
  }

  /** Polls an instance now (or as soon as its current poll ends) and resolves with the report. */
  async pollNow(name: string): Promise<PollReport | undefined> {
    const e = this.#entries.get(name);
    if (!e?.poller) return undefined;
    if (e.running) await e.running.catch(() => {});
    return this.#run(e);
  }

  #makeEntry(record: InstanceRecord, previous?: InstanceStatus): Entry {
    const status: InstanceStatus = {
      name: record.name,
      state: record.enabled ? 'starting' : 'disabled',
      simulated: !!record.simulated,
      consecutiveFailures: 0,
      streams: {},
      totals: previous?.totals ?? {
        modelBreaches: 0,
        aiAnalyst: 0,
        respondActions: 0,
        emails: 0,
        new: 0,
        updated: 0,
        rejected: 0,
      },
    };
    const entry: Entry = { record, status };
    // Every instance has its client (and connection pool), disabled or not: commands share it.
    try {
      entry.client = new DarktraceClient({
        url: record.url,
        publicToken: record.publicToken,
        privateToken: record.privateToken,
        tls: record.tls,
        proxy: record.proxy,
        logger: { debug: () => {}, info: this.#o.log.info, warn: this.#o.log.warn, error: this.#o.log.error },
        ...this.#o.clientOptions,
      });
    } catch (err) {
      status.state = 'failing';
      status.lastError = (err as Error).message;
      status.lastErrorAt = iso(Date.now());
      return entry;
    }
    if (!record.enabled) return entry;
    entry.poller = new InstancePoller({
      instance: record.name,
      client: entry.client,
      ingest: this.#o.ingest,
      log: this.#o.log,
      lookbackMs: record.lookbackHours * 3_600_000,
      overlapMs: this.#o.overlapMs,
      updateHorizonMs: this.#o.updateHorizonMs,
      maxWindowMs: this.#o.maxWindowMs,
      maxItemsPerPoll: record.maxItemsPerPoll,
      minScore: record.minScore,
      recheckUnavailableMs: this.#o.recheckUnavailableMs,
      // Shared by lease: no request once this replica cannot prove it still holds the instance.
      mayFetch: this.#o.leased ? () => !!this.#held.get(record.name)?.valid() : undefined,
    });
    return entry;
  }

  /** Whether this replica polls the instance now: always, unless the instances are shared by lease. */
  #mine(e: Entry): boolean {
    return !this.#o.leased || this.#held.has(e.record.name);
  }

  #schedule(e: Entry, delayMs: number) {
    if (!this.#mine(e)) return;
    const every = e.record.checkIntervalMinutes;
    if (this.#started && every && !e.checkTimer && e.record.enabled) {
      e.checkTimer = setInterval(() => void this.check(e.record.name), every * 60_000);
      e.checkTimer.unref?.();
    }
    if (!this.#started || !e.poller) return;
    e.status.nextPollAt = iso(Date.now() + delayMs);
    // One pending poll per instance, whoever asks (a lease taken again while the last poll ends).
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(async () => {
      e.timer = undefined;
      if (e.running) await e.running.catch(() => {});
      await this.#run(e);
      const interval = e.record.pollIntervalSeconds * 1000;
      const f = e.status.consecutiveFailures;
      const base = this.#o.backoffBaseMs ?? 15_000;
      this.#schedule(e, f > 0 ? Math.min(interval, base * 2 ** (f - 1)) : interval);
    }, delayMs);
    e.timer.unref?.();
  }

  async #run(e: Entry): Promise<PollReport | undefined> {
    const held = this.#held.get(e.record.name);
    if (this.#o.leased && !held) return undefined;
    const signal = held?.signal ?? this.#abort.signal;
    if (!e.poller || signal.aborted) return undefined;
    const poller = e.poller;
    // Under the lease's fence: every store write of this poll, awaited or not, carries its token.
    const p = held ? underFence(held.fence, () => poller.pollOnce(signal)) : poller.pollOnce(signal);
    e.running = p;
    try {
      const report = await p;
      const fenced = Object.values(report.streams).find((r) => r.error instanceof FencedError)?.error;
      if (held && fenced) {
        // Another replica holds the instance now: stop polling it, without calling that a failure.
        held.fenced ??= fenced as FencedError;
        held.end();
        return report;
      }
      // The lease ended during the poll: what it did not fetch is its next holder's to fetch.
      if (held && !held.valid()) return report;
      this.#record(e, report);
      this.#o.onPoll?.(e.record.name, report);
      await this.#share(e, held);
      return report;
    } finally {
      e.running = undefined;
    }
  }

  #record(e: Entry, report: PollReport) {
    const s = e.status;
    const streams = Object.values(report.streams);
    // A stream the appliance does not serve is neither a success nor a failure: it is left out.
    const polled = streams.filter((r) => !r.unavailable);
    const errors = polled.map((r) => r.error).filter((x): x is Error => !!x);
    s.lastPollAt = iso(report.finishedAt);
    s.totals.modelBreaches += report.streams.modelbreaches?.fetched ?? 0;
    s.totals.aiAnalyst += report.streams.aianalyst?.fetched ?? 0;
    s.totals.respondActions += report.streams.respond?.fetched ?? 0;
    s.totals.emails += report.streams.email?.fetched ?? 0;
    for (const r of streams) {
      s.totals.new += r.new;
      s.totals.updated += r.updated;
      s.totals.rejected += r.rejected;
    }
    for (const spec of STREAMS) {
      const r = report.streams[spec.name];
      if (!r) continue;
      s.streams[spec.name] = r.unavailable
        ? {
            state: 'unavailable',
            reason: r.unavailable.reason,
            checkAgainAt: iso(r.unavailable.checkAgainAt),
          }
        : r.error
          ? { state: 'failing', reason: plainWords(r.error) }
          : { state: 'ok' };
    }
    if (errors.length === 0) {
      s.state = 'ok';
      s.lastSuccessAt = s.lastPollAt;
      s.consecutiveFailures = 0;
      return;
    }
    s.lastError = plainWords(errors[0]);
    s.lastErrorAt = s.lastPollAt;
    s.recentErrors = [{ at: s.lastPollAt, error: s.lastError }, ...(s.recentErrors ?? [])].slice(0, 20);
    if (errors.length === polled.length) {
      s.state = 'failing';
      s.consecutiveFailures++;
    } else {
      s.state = 'degraded';
      s.lastSuccessAt = s.lastPollAt;
      s.consecutiveFailures = 0;
    }
    this.#o.log.warn(`darktrace[${e.record.name}]: poll ${s.state}: ${s.lastError}`, {
      instance: e.record.name,
    });
  }

  /** Hands a held instance's status to `onStatus`, in the lease's fence: a stale holder writes nothing. */
  async #share(e: Entry, held: Held | undefined): Promise<void> {
    const onStatus = this.#o.onStatus;
    if (!held || !onStatus || !held.valid()) return;
    try {
      await underFence(held.fence, () => onStatus(snapshot(e.status)));
    } catch (err) {
      if (err instanceof FencedError) {
        held.fenced ??= err;
        held.end();
        return;
      }
      this.#o.log.warn(`darktrace[${e.record.name}]: status not shared: ${(err as Error).message}`, {
        instance: e.record.name,
      });
    }
  }

  #clearTimers(e: Entry) {
    if (e.checkTimer) clearInterval(e.checkTimer);
    e.checkTimer = undefined;
    if (e.timer) clearTimeout(e.timer);
    e.timer = undefined;
  }

  async #stopEntry(e: Entry) {
    this.#clearTimers(e);
    if (e.running) await e.running.catch(() => {});
    await e.client?.close();
  }
}

/** A copy the caller may keep or change without touching the live status. */
function snapshot(s: InstanceStatus): InstanceStatus {
  return { ...s, streams: structuredClone(s.streams), totals: { ...s.totals } };
}

function plainWords(err: Error): string {
  return err instanceof DarktraceError ? err.message : `unexpected error: ${err.message}`;
}
