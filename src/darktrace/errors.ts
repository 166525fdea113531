// One error hierarchy for everything the appliance (or the network in between) can say. Each class maps
// a cause to what the user must do; every instance carries the HTTP status, Darktrace's own message and
// the request path. Tokens never appear: the path is kept without the query of form bodies, and no
// header is stored.

export interface ErrorContext {
  method: string;
  /** Request path without host (and with the query), e.g. `/modelbreaches?starttime=...`. */
  path: string;
  /** HTTP status, 0 when no answer came back. */
  status: number;
  /** Darktrace's own words from the body (`API SIGNATURE ERROR`, `{"error": ...}` text, ...). */
  darktraceMessage?: string;
  cause?: unknown;
}

export type ErrorCode =
  | 'config'
  | 'signature'
  | 'clock'
  | 'auth'
  | 'permission'
  | 'not_found'
  | 'bad_request'
  | 'conflict'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  | 'tls'
  | 'network'
  | 'bad_response';

export class DarktraceError extends Error {
  override name = 'DarktraceError';
  readonly code: ErrorCode = 'server';
  /** Whether the fault is on the caller's side (fix the request or the setup) or the appliance's. */
  readonly fault: 'client' | 'server' = 'server';
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly darktraceMessage?: string;

  constructor(message: string, ctx: ErrorContext) {
    super(message, ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.method = ctx.method;
    this.path = ctx.path;
    this.status = ctx.status;
    this.darktraceMessage = ctx.darktraceMessage;
  }

  /** `Acknowledge failed: 400 API SIGNATURE ERROR`-style one-liner for command outputs. */
  summary(): string {
    return [this.status || undefined, this.darktraceMessage ?? this.message].filter(Boolean).join(' ');
  }

  toJSON() {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      method: this.method,
      path: this.path,
      darktraceMessage: this.darktraceMessage,
    };
  }
}

/** Bad client configuration (URL, tokens, TLS files). Thrown before any request is made. */
export class DarktraceConfigError extends DarktraceError {
  override name = 'DarktraceConfigError';
  override readonly code = 'config';
  override readonly fault = 'client';
  constructor(message: string) {
    super(message, { method: '', path: '', status: 0 });
  }
}

export class DarktraceSignatureError extends DarktraceError {
  override name = 'DarktraceSignatureError';
  override readonly code = 'signature';
  override readonly fault = 'client';
}

export class DarktraceClockError extends DarktraceError {
  override name = 'DarktraceClockError';
  override readonly code = 'clock';
  override readonly fault = 'client';
  /** The appliance's time from its Date header, when it sent one (used to correct our clock). */
  serverTimeMs?: number;
}

/** 302 to /login: the URL is not a Threat Visualizer API, the route is not served, or the token is unknown. */
export class DarktraceAuthError extends DarktraceError {
  override name = 'DarktraceAuthError';
  override readonly code = 'auth';
  override readonly fault = 'client';
}

export class DarktracePermissionError extends DarktraceError {
  override name = 'DarktracePermissionError';
  override readonly code = 'permission';
  override readonly fault = 'client';
}

export class DarktraceNotFoundError extends DarktraceError {
  override name = 'DarktraceNotFoundError';
  override readonly code = 'not_found';
  override readonly fault = 'client';
}

export class DarktraceBadRequestError extends DarktraceError {
  override name = 'DarktraceBadRequestError';
  override readonly code = 'bad_request';
  override readonly fault = 'client';
}

/** 409: the record's state forbids the change (an e-mail already held or released, §4). */
export class DarktraceConflictError extends DarktraceError {
  override name = 'DarktraceConflictError';
  override readonly code = 'conflict';
  override readonly fault = 'client';
}

export class DarktraceRateLimitError extends DarktraceError {
  override name = 'DarktraceRateLimitError';
  override readonly code = 'rate_limited';
  readonly retryAfterMs?: number;
  constructor(message: string, ctx: ErrorContext & { retryAfterMs?: number }) {
    super(message, ctx);
    this.retryAfterMs = ctx.retryAfterMs;
  }
}

export class DarktraceServerError extends DarktraceError {
  override name = 'DarktraceServerError';
  override readonly code = 'server';
}

export class DarktraceTimeoutError extends DarktraceError {
  override name = 'DarktraceTimeoutError';
  override readonly code = 'timeout';
}

export type TlsProblem = 'self-signed' | 'expired' | 'wrong-host' | 'untrusted' | 'other';

export class DarktraceTlsError extends DarktraceError {
  override name = 'DarktraceTlsError';
  override readonly code = 'tls';
  override readonly fault = 'client';
  readonly problem: TlsProblem;
  constructor(message: string, ctx: ErrorContext & { problem: TlsProblem }) {
    super(message, ctx);
    this.problem = ctx.problem;
  }
}

/** The appliance could not be reached (refused, DNS, reset) or a proxy failed. */
export class DarktraceNetworkError extends DarktraceError {
  override name = 'DarktraceNetworkError';
  override readonly code = 'network';
}

/** A 2xx answer that is not what the API returns: HTML (a login page), truncated or non-JSON text. */
export class DarktraceResponseError extends DarktraceError {
  override name = 'DarktraceResponseError';
  override readonly code = 'bad_response';
}

/** Whether a failed call may succeed if simply tried again later. */
export function isRetryable(err: unknown): boolean {
  return (
    err instanceof DarktraceRateLimitError ||
    err instanceof DarktraceServerError ||
    err instanceof DarktraceTimeoutError ||
    err instanceof DarktraceNetworkError ||
    (err instanceof DarktraceResponseError && err.status >= 200 && err.status < 300)
  );
}
