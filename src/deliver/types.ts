// The sink contract (after Redpanda Connect's batch outputs): a sink gets a batch of rendered items,
// resolves when the destination accepted all of them, throws a SinkError when it accepted none, and a
// BatchError naming the items it refused when it accepted some. The worker owns offsets and retries.
import type { z } from 'zod';
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

/**
 * A sink type: what it is, its options (one zod object: defaults, descriptions, secrets marked with
 * `secret()`), and its factory. Options come from the URL's query (`?token=…`) or the config file's
 * `options:`; the registry parses both against `options` before `create` sees them.
 */
export interface SinkModule<O extends z.ZodObject = z.ZodObject> {
  /** Registry name, e.g. `splunk`. */
  type: string;
  /** URL schemes this module serves (`syslog+tcp:`...). */
  schemes: string[];
  /** One line for `dtc sink types` and the README. */
  summary: string;
  example: string;
  /** Whether a replay rewrites the same records at the destination rather than adding copies. */
  idempotent: boolean;
  options: O;
  /**
   * The URL's query parameters other than the options belong to the destination (a webhook's own
   * parameters); otherwise an unknown parameter is refused.
   */
  keepsQuery?: boolean;
  /** `url` has the options taken off its query. */
  create(url: URL, options: z.output<O>, ctx: SinkContext): Promise<SinkWriter> | SinkWriter;
}

/** Declares a sink module with its options' type flowing into `create`. */
export const defineSink = <O extends z.ZodObject>(m: SinkModule<O>): SinkModule<O> => m;
