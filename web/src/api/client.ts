// The console's calls to its own API: same origin, the session cookie (HttpOnly, set by sign-in) and,
// on every change, the session's CSRF token. An error answer becomes an ApiError carrying the API's own
// words (`message`), which the pages show as they are.
import type { ApiErrorBody } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly parameter?: string,
    /** The whole error body (some carry more than the message, e.g. a failed test's steps). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
/** The session's CSRF token (from sign-in or /api/auth/me), sent as x-csrf-token on every change. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the API says the session has ended (401), so the app can show the sign-in form. */
let onSignedOut: (() => void) | undefined;
export function whenSignedOut(f: () => void): void {
  onSignedOut = f;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (err) {
    throw new ApiError(0, 'network', `the service cannot be reached: ${(err as Error).message}`);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const e = (body ?? {}) as Partial<ApiErrorBody>;
    if (res.status === 401 && !path.startsWith('/api/auth/login')) onSignedOut?.();
    throw new ApiError(
      res.status,
      e.code ?? 'http',
      e.message ?? `the service answered ${res.status} ${res.statusText}`,
      e.parameter,
      body,
    );
  }
  return body as T;
}
