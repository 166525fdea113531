// The offset worker: one loop per sink that reads the store's append log after the sink's offset,
// filters, renders, delivers, and moves the offset only after the destination accepted the batch.
// Filtered-out rows move it too. Failures are retried with backoff; the offset never skips a row that
// was neither accepted nor dead-lettered, so delivery is at least once and in sequence order.
// New data wakes an idle worker at once but never a backing-off one: the wait after a failure is the
// larger of the backoff and the destination's Retry-After, and only stop() cuts it short.
// Replicas sharing a PostgreSQL store (src/cluster/) run a sink only while they hold its lease: `work()`
// runs the loop inside the lease's fence (every offset it saves carries the token), stops it when the
// lease ends, and delivers no batch once the lease can no longer be proven.
import type { Registry } from 'prom-client';
import { type SinkMetrics, sinkMetrics } from '../metrics/index.ts';
import { type Detection, type Format, render } from '../normalize/index.ts';
import { type DetectionRow, type ReadableStore, readModel } from '../read/index.ts';
import { StoreIoError } from '../store/errors.ts';
import { type Fence, FencedError, underFence } from '../store/fence.ts';
import type { SinkOffset } from '../store/index.ts';
import {
  type ParsedSink,
  parseSink,
  redactSink,
  scrubSecrets,
  sinkProblems,
  sinkSecretValues,
} from './registry.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_RETRY, type RetryPolicy, retryWaitMs } from './retry.ts';
import { BatchError, SinkError, type SinkItem, type SinkModule, type SinkWriter } from './types.ts';

export interface SinkFilter {
  instances?: string[];
  families?: string[];
  /** 0–5. */
  minSeverity?: number;
}

export interface SinkConfig {
  name: string;
  format: Format;
  url: string;
  /** The sink type's options (see its spec), beside or instead of the URL's query. */
  options?: Record<string, unknown>;
  filter?: SinkFilter;
  batchSize?: number;
  retry?: Partial<RetryPolicy>;
}

/** What the worker needs from the store. */
export type DeliverStore = ReadableStore & {
  sinks: { set(name: string, config: unknown): Promise<unknown> };
  sinkOffsets: {
    get(sink: string): Promise<number>;
    set(sink: string, seq: number): Promise<void>;
    status(sink: string): Promise<SinkOffset | undefined>;
    recordError(sink: string, error: string): Promise<void>;
  };
  deadLetters: {
    add(d: { source: string; instance?: string | null; reason: string; payload: string }): Promise<unknown>;
  };
};

export interface WorkerLog {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
}

/** The Detection a renderer wants, rebuilt from a log row; throws when the row has none. */
export function detectionOf(row: DetectionRow): Detection {
  if (!row.canonical) throw new Error(row.problem ?? 'the row was read without its content');
  return { ...row.canonical, raw: row.raw, activity: row.version > 1 ? 'update' : 'create' };
}

export function passes(row: DetectionRow, f: SinkFilter | undefined): boolean {
  if (!f) return true;
  if (f.instances?.length && !f.instances.includes(row.instance)) return false;
  if (f.families?.length && !f.families.includes(row.family)) return false;
  if (f.minSeverity !== undefined && row.severity < f.minSeverity) return false;
  return true;
}

/**
 * The sink config as shown by `dtc sink list`, the API and the store: credentials in the URL redacted.
 * This is also all the store keeps: a sink's credentials come from the config file or the command line
 * at every start, so the database never needs them (see src/deliver/README.md, "Credentials").
 */
export function publicConfig(c: SinkConfig) {
  const { url, options } = redactSink(c.url, c.options);
  return { ...c, url, ...(c.options ? { options } : {}) };
}

/** The rendered size of items, for the bytes of the metric contract. */
const bytesOf = (items: SinkItem[]) => items.reduce((n, i) => n + Buffer.byteLength(i.body), 0);

/** A replica's lease on a sink (src/cluster/leases.ts). */
export interface SinkLease {
  fence: Fence;
  /** Aborted when the lease ends. */
  signal: AbortSignal;
  /** False once the lease can no longer be proven: no batch goes out after that. */
  valid(): boolean;
}

const IDLE_MS = 500;
const STOP_TIMEOUT_MS = 15_000;
/** While the store cannot write (its offset), a sink looks again this often. */
const STORE_RETRY_MS = 2000;

export class SinkWorker {
  readonly config: SinkConfig;
  readonly module: SinkModule<any>;
  #parsed: ParsedSink;
  #store: DeliverStore;
  #log: WorkerLog;
  #m: SinkMetrics;
  #writer?: SinkWriter;
  #stopping = false;
  /** Ends the current sleep: set while idle (notify() may call it) or backing off (only stop() may). */
  #wake?: () => void;
  /** The current sleep is a backoff: new data must not end it. */
  #backingOff = false;
  /** Failed attempts at the batch in flight (0 when the last attempt succeeded). */
  #failedAttempts = 0;
  /** When the next attempt at a failed batch is due (epoch ms), or null when not backing off. */
  #nextAttemptAt: number | null = null;
  #done?: Promise<void>;
  /** stop() gave up waiting: the loop must not touch the store again (it may be closed by now). */
  #abandoned = false;
  #retry: RetryPolicy;
  #batchSize: number;
  /** The credentials in the sink URL: scrubbed from every message this worker logs or stores. */
  #secrets: string[];
  /** The lease this worker runs under (replicas), and the refusal that ended it, if one did. */
  #lease?: SinkLease;
  #fenced?: FencedError;
  inFlight = false;

  constructor(store: DeliverStore, config: SinkConfig, deps: { log: WorkerLog; registry: Registry }) {
    const parsed = parseSink(config.url, config.options);
    if (Array.isArray(parsed)) {
      const scrub = sinkSecretValues(config.url, config.options);
      throw new Error(scrubSecrets(`sink "${config.name}": ${sinkProblems(parsed)}`, scrub));
    }
    this.#parsed = parsed;
    this.module = parsed.module;
    this.config = config;
    this.#store = store;
    this.#log = deps.log;
    this.#m = sinkMetrics(deps.registry, parsed.module.type, config.name);
    this.#retry = { ...DEFAULT_RETRY, ...config.retry };
    this.#batchSize = config.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#secrets = sinkSecretValues(config.url, config.options);
  }

  /** A message with the sink's credentials taken out (a server may echo a token, a library a URL). */
  #scrub(msg: string): string {
    return scrubSecrets(msg, this.#secrets);
  }

  /**
   * Runs the sink under a lease until its signal aborts (then finishes the batch in flight, as stop()
   * does). Rejects with the FencedError when a write was refused because another replica took it over.
   */
  async work(lease: SinkLease): Promise<void> {
    this.#lease = lease;
    this.#fenced = undefined;
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= this.stop();
    };
    try {
      await underFence(lease.fence, () => this.start());
      lease.signal.addEventListener('abort', stop, { once: true });
      if (lease.signal.aborted) stop();
      await this.#done;
    } finally {
      lease.signal.removeEventListener('abort', stop);
      stop();
      await stopping;
      this.#lease = undefined;
    }
    if (this.#fenced) throw this.#fenced;
  }

  /** Without a lease, always; under one, while it can still be proven. */
  #mayDeliver(): boolean {
    return !this.#lease || this.#lease.valid();
  }

  async start(): Promise<void> {
    // A worker is started again when its lease comes back to this replica.
    this.#stopping = false;
    this.#abandoned = false;
    try {
      this.#writer = await this.module.create(new URL(this.#parsed.url.href), this.#parsed.options, {
        name: this.config.name,
        format: this.config.format,
        log: this.#log,
      });
    } catch (err) {
      const e = err as Error;
      if (e.message) e.message = this.#scrub(e.message);
      throw e;
    }
    await this.#store.sinks.set(this.config.name, publicConfig(this.config));
    this.#setRetryState(0, null);
    // The store cannot write (full disk, read-only): wait and go on from the saved offset, which
    // replays the batch in flight (at least once). Anything else stops this sink, loudly.
    let warned = false;
    const run = async (): Promise<void> => {
      try {
        await this.#run();
      } catch (err) {
        if (err instanceof FencedError) {
          // Said once, by the lease manager, which hands the sink to its new holder.
          this.#fenced = err;
          return;
        }
        if (!(err instanceof StoreIoError) || this.#stopping) throw err;
        if (!warned)
          this.#log.warn(`sink[${this.config.name}]: waiting for the store: ${this.#scrub(err.message)}`);
        warned = true;
        await this.#sleep(STORE_RETRY_MS, true);
        return run();
      }
    };
    this.#done = run().catch((err) => {
      this.#log.warn(
        `sink[${this.config.name}]: stopped on an unexpected error: ${this.#scrub((err as Error).message)}`,
      );
    });
  }

  /**
   * New rows were stored: look now instead of at the next idle tick. A worker backing off after a
   * failure keeps waiting: the destination said it cannot take data, and more data does not change that.
   */
  notify(): void {
    if (!this.#backingOff) this.#wake?.();
  }

  /** Finishes the batch in flight (its offset is saved if accepted), then stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    // A destination that never answers must not hold the shutdown: the batch then replays after restart.
    let t: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      (this.#done ?? Promise.resolve()).then(() => true),
      new Promise<false>((r) => (t = setTimeout(() => r(false), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(t);
    if (!finished) this.#abandoned = true;
    const writer = this.#writer;
    this.#writer = undefined;
    await writer?.close().catch(() => {});
  }

  #sleep(ms: number, backoff = false): Promise<void> {
    this.#backingOff = backoff;
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    }).then(() => {
      this.#wake = undefined;
      this.#backingOff = false;
    });
  }

  #setRetryState(failedAttempts: number, nextAttemptAt: number | null): void {
    this.#failedAttempts = failedAttempts;
    this.#nextAttemptAt = nextAttemptAt;
    this.#m.retry(failedAttempts, nextAttemptAt);
  }

  async #gauges(offset: number): Promise<void> {
    this.#m.position(offset, Math.max(0, (await this.#store.maxSeq()) - offset));
  }

  async #deadLetter(item: SinkItem | DetectionRow, reason: string): Promise<void> {
    const name = this.config.name;
    this.#m.discarded('refused', 1);
    await this.#store.deadLetters.add({
      source: `sink:${name}`,
      instance: item.instance,
      reason: this.#scrub(`refused by the destination: ${reason}`).slice(0, 2000),
      payload: JSON.stringify({ seq: item.seq, key: item.key }),
    });
  }

  async #run(): Promise<void> {
    const name = this.config.name;
    while (!this.#stopping && this.#mayDeliver()) {
      const offset = await this.#store.sinkOffsets.get(name);
      // The store filters on its indexed columns: only rows the sink keeps are read whole and derived,
      // and `through` (the last seq it examined) moves the offset past the others.
      const { rows, through } = await readModel(this.#store).scanLog(
        offset,
        this.#batchSize,
        this.config.filter,
      );
      await this.#gauges(offset);
      if (through <= offset) {
        await this.#sleep(IDLE_MS);
        continue;
      }
      const lastSeq = through;
      let pending: SinkItem[] = [];
      // Seqs have no gaps (AUTOINCREMENT, nothing deleted): the examined ones not returned were filtered.
      const skipped = Math.max(0, through - offset - rows.length);
      for (const row of rows) {
        try {
          pending.push({
            seq: row.seq,
            key: row.key,
            version: row.version,
            instance: row.instance,
            family: row.family,
            severity: row.severity,
            time: row.eventTime,
            body: render(detectionOf(row), this.config.format),
            format: this.config.format,
          });
        } catch (err) {
          this.#m.error('render_failed');
          await this.#deadLetter(row, `render ${this.config.format} failed: ${(err as Error).message}`);
        }
      }
      this.#m.received(rows.length, bytesOf(pending));
      this.#m.discarded('filtered', skipped);
      this.inFlight = true;
      let attempt = 0;
      while (pending.length) {
        // The lease ran out while this batch was read: its new holder delivers it.
        if (!this.#mayDeliver()) break;
        try {
          await this.#writer!.write(pending);
          if (this.#abandoned) return; // accepted after stop() gave up: it replays after restart
          this.#m.sent(pending.length, bytesOf(pending));
          pending = [];
          if (attempt) this.#setRetryState(0, null);
        } catch (err) {
          if (this.#abandoned) return;
          this.#m.error('write_failed');
          let wait: number | undefined;
          if (err instanceof BatchError) {
            const next: SinkItem[] = [];
            for (const [i, item] of pending.entries()) {
              const f = err.failed.get(i);
              if (!f) continue;
              if (f.action === 'dead_letter') await this.#deadLetter(item, f.message);
              else {
                next.push(item);
                if (f.retryAfterMs !== undefined) wait = Math.max(wait ?? 0, f.retryAfterMs);
              }
            }
            const accepted = pending.filter((_, i) => !err.failed.has(i));
            this.#m.sent(accepted.length, bytesOf(accepted));
            pending = next;
          } else if (err instanceof SinkError && err.action === 'dead_letter') {
            for (const item of pending) await this.#deadLetter(item, err.message);
            pending = [];
          } else if (err instanceof SinkError) {
            wait = err.retryAfterMs;
          }
          const msg = this.#scrub((err as Error).message);
          await this.#store.sinkOffsets.recordError(name, msg);
          if (!pending.length) {
            if (attempt) this.#setRetryState(0, null);
            break;
          }
          attempt++;
          wait = retryWaitMs(this.#retry, attempt, wait);
          this.#setRetryState(attempt, Date.now() + wait);
          if (attempt === 1 || attempt % 10 === 0)
            this.#log.warn(
              `sink[${name}]: delivery failed (attempt ${attempt}), retrying in ${wait} ms: ${msg}`,
              {
                sink: name,
              },
            );
          if (this.#stopping) break; // the in-flight batch failed: keep the offset, replay after restart
          await this.#sleep(wait, true);
          if (this.#stopping) break;
        }
      }
      this.inFlight = false;
      if (pending.length) continue; // stopping with undelivered items: the offset stays
      // Someone ran `dtc sink reset` meanwhile: their offset wins over ours.
      if ((await this.#store.sinkOffsets.get(name)) === offset)
        await this.#store.sinkOffsets.set(name, lastSeq);
      await this.#gauges(lastSeq);
    }
  }

  async status(): Promise<SinkStatus> {
    const s = await this.#store.sinkOffsets.status(this.config.name);
    const offset = s?.seq ?? 0;
    return {
      name: this.config.name,
      type: this.module.type,
      format: this.config.format,
      url: publicConfig(this.config).url,
      offset,
      lag: Math.max(0, (await this.#store.maxSeq()) - offset),
      lastError: s?.lastError ?? null,
      lastErrorAt: s?.lastErrorAt ?? null,
      updatedAt: s?.updatedAt ?? null,
      /** Consecutive failed attempts at the batch in flight; 0 when delivering normally. */
      failedAttempts: this.#failedAttempts,
      /** When the next attempt at a failed batch is due (epoch ms); null when not backing off. */
      nextAttemptAt: this.#nextAttemptAt,
    };
  }
}

export interface SinkStatus {
  name: string;
  type: string;
  format: Format;
  /** The destination with credentials redacted. */
  url: string;
  offset: number;
  lag: number;
  lastError: string | null;
  lastErrorAt: number | null;
  updatedAt: number | null;
  /** Failed attempts in a row (0 when the last one succeeded). */
  failedAttempts: number;
  /** When the next attempt after a failure is due, epoch ms; null when none is waiting. */
  nextAttemptAt: number | null;
}

/** All sinks of a service. */
export class Deliverer {
  readonly workers: SinkWorker[];
  constructor(store: DeliverStore, configs: SinkConfig[], deps: { log: WorkerLog; registry: Registry }) {
    this.workers = configs.map((c) => new SinkWorker(store, c, deps));
  }
  /** Starts every sink (one process owns them all; replicas start each under its lease instead). */
  async start(): Promise<void> {
    for (const w of this.workers) await w.start();
  }
  worker(name: string): SinkWorker | undefined {
    return this.workers.find((w) => w.config.name === name);
  }
  notify(): void {
    for (const w of this.workers) w.notify();
  }
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
  status() {
    return Promise.all(this.workers.map((w) => w.status()));
  }
}
