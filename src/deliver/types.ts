// The sink contract (after Redpanda Connect's batch outputs): a sink gets a batch of rendered items,
// resolves when the destination accepted all of them, throws a SinkError when it accepted none, and a
// BatchError naming the items it refused when it accepted some. The worker owns offsets and retries.
import type { Format } from '../normalize/index.ts';

/** One stored detection version, rendered for one sink. */
export interface SinkItem {
  seq: number;
  /** `instance/family/id`: the idempotency key (Elasticsearch `_id`, NATS `Nats-Msg-Id` with the version). */
  key: string;
  version: number;
  instance: string;
  family: string;
  /** 0–5 (OCSF severity_id). */
  severity: number;
  /** Event time, ms. */
  time: number;
  /** The rendered record (one line of JSON, CEF or LEEF). */
  body: string;
  format: Format;
}

export interface SinkWriter {
  /** Resolves once the destination accepted every item. */
  write(items: SinkItem[]): Promise<void>;
  close(): Promise<void>;
}

export interface SinkContext {
  /** The sink's name, for messages. */
  name: string;
  format: Format;
  /** Where the stdout sink writes (tests swap it). */
  stdout?: NodeJS.WritableStream;
  /** For what the operator should hear about (a file sink cutting a torn line). */
  log?: { warn(msg: string, data?: Record<string, unknown>): void };
}

/** What the worker should do with a failure. */
export type FailureAction = 'retry' | 'dead_letter';

export class SinkError extends Error {
  override name = 'SinkError';
  constructor(
    message: string,
    readonly action: FailureAction = 'retry',
    /** The destination asked to wait this long (HTTP 429 `Retry-After`). */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Some items of a batch were refused: only those are retried (or dead-lettered). */
export class BatchError extends Error {
  override name = 'BatchError';
  constructor(
    message: string,
    /** Index in the written batch → why it failed. */
    readonly failed: Map<number, SinkError>,
  ) {
    super(message);
  }
}

/** A field of a sink's URL options, for docs, `dtc sink list` and redaction. */
export interface SpecField {
  name: string;
  description: string;
  default?: string;
  secret?: boolean;
}

export interface SinkModule {
  /** Registry name, e.g. `splunk`. */
  type: string;
  /** URL schemes this module serves (`syslog+tcp:`...). */
  schemes: string[];
  summary: string;
  example: string;
  /** Query parameters the URL understands. */
  fields: SpecField[];
  /** Whether a replay can duplicate at the destination (documented per sink). */
  idempotent: boolean;
  create(url: URL, ctx: SinkContext): Promise<SinkWriter> | SinkWriter;
}
