// Retry policy: exponential backoff with full jitter, capped; and the HTTP status table every HTTP
// sink shares (after Vector's elasticsearch/retry.rs): 429 and 5xx retry, 401/403/404/408 retry too
// (a fixed token or route makes them pass, and the offset must not skip past them), other 4xx mean
// the destination will never take the item: it goes to the dead-letter table.
import { z } from 'zod';
import { retryAfterMs } from '../util/time.ts';
import { type FailureAction, SinkError } from './types.ts';

/** A sink's `retry:` (the config file's), with its defaults: the one place they are written. */
export const retrySpec = z.strictObject({
  initialBackoffSeconds: z
    .number()
    .min(0.01)
    .max(3600)
    .default(0.5)
    .describe('first wait after a failure, s'),
  maxBackoffSeconds: z
    .number()
    .min(0.01)
    .max(86_400)
    .default(30)
    .describe('longest wait between attempts, s'),
  multiplier: z
    .number()
    .min(1)
    .max(10)
    .default(2)
    .describe('each wait is this times the one before, up to the max'),
});

export type RetryPolicy = z.infer<typeof retrySpec>;

export const DEFAULT_RETRY: RetryPolicy = retrySpec.parse({});

/** Detections a sink reads and sends at a time (the config file's `batchSize`). */
export const batchSizeSpec = z.number().int().min(1).max(10_000).default(500);

export const DEFAULT_BATCH_SIZE: number = batchSizeSpec.parse(undefined);

/** Wait before attempt `attempt` (1 = first retry): the exponential cap with ±50 % jitter. */
export function backoffMs(p: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(p.maxBackoffSeconds, p.initialBackoffSeconds * p.multiplier ** (attempt - 1)) * 1000;
  return Math.round(cap * (0.5 + random() / 2));
}

/** The longest a `Retry-After` is obeyed, unless the policy's maximum backoff is longer. */
export const RETRY_AFTER_CAP_MS = 300_000;

/**
 * How long to wait before retry `attempt` (1 = first retry): the jittered backoff, or the destination's
 * `Retry-After` when that is longer. A `Retry-After` never shortens the backoff (`Retry-After: 0` from a
 * target that is down would otherwise mean a request per failure), and is capped at
 * max(RETRY_AFTER_CAP_MS, maxBackoffSeconds) so a misconfigured header cannot stall a sink for days.
 */
export function retryWaitMs(
  p: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const backoff = backoffMs(p, attempt, random);
  if (retryAfterMs === undefined) return backoff;
  const cap = Math.max(RETRY_AFTER_CAP_MS, p.maxBackoffSeconds * 1000);
  return Math.max(backoff, Math.min(Math.ceil(retryAfterMs), cap));
}

/** What to do with an HTTP status (the table is the policy; tests read it). */
export function httpAction(status: number): FailureAction | 'ok' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429 || status >= 500) return 'retry';
  if ([401, 403, 404, 408, 409, 425].includes(status)) return 'retry';
  return 'dead_letter';
}

/** A SinkError for a non-2xx answer, with a short piece of the body so the status says why. */
export function httpError(what: string, status: number, body: string, retryAfter?: string | null): SinkError {
  const action = httpAction(status);
  return new SinkError(
    `${what} answered ${status}${body ? `: ${body.slice(0, 300)}` : ''}`,
    action === 'ok' ? 'retry' : action,
    retryAfterMs(retryAfter),
  );
}
