// The store's failures of the disk or the file itself, as opposed to a bad request (StoreError). Each
// names the database file and says what to do; `retryable` says whether waiting can fix it (a full disk,
// a lock held by another process, a transient I/O error) or a person must act (corrupt, read-only).

export type StoreIoCode = 'disk_full' | 'read_only' | 'corrupt' | 'cannot_open' | 'busy' | 'io';

export class StoreIoError extends Error {
  override name = 'StoreIoError';
  constructor(
    readonly code: StoreIoCode,
    /** The database file. */
    readonly path: string,
    message: string,
    /** Waiting can fix it: the caller keeps what it wanted to write and tries again. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether the store can write now, and if not, why (the first failure since it last wrote). */
export interface StoreHealth {
  writable: boolean;
  code?: StoreIoCode;
  reason?: string;
  /** When writes started failing (ms). */
  since?: number;
}

export const isRetryableStoreError = (err: unknown): err is StoreIoError =>
  err instanceof StoreIoError && err.retryable;

export type StoreErrorCode = 'exists' | 'not_found' | 'invalid';

/** A request the store cannot satisfy (duplicate name, unknown instance, bad value): the caller's 4xx. */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}
