// JSON over HTTP for the case systems: basic or bearer auth, a timeout, and errors that say what the
// system answered (RT `{message}`, Jira `{errorMessages, errors}`, ServiceNow `{error: {message, detail}}`)
// and whether a retry can help (the sinks' status table, src/deliver/retry.ts).
import { httpAction } from '../deliver/retry.ts';
import { CaseError } from './types.ts';

export interface JsonClientOptions {
  /** The system's base URL. */
  baseUrl: string;
  /** What the system is called in messages: `rt[soc]`. */
  what: string;
  headers: Record<string, string>;
  timeoutMs?: number;
}

export const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The system's own words from an error body, whatever its shape. */
export function errorText(body: unknown): string {
  if (!body || typeof body !== 'object') return typeof body === 'string' ? body.slice(0, 300) : '';
  const b = body as Record<string, any>;
  const parts: string[] = [];
  if (typeof b.message === 'string') parts.push(b.message);
  if (Array.isArray(b.errorMessages)) parts.push(...b.errorMessages.map(String));
  if (b.errors && typeof b.errors === 'object')
    parts.push(...Object.entries(b.errors).map(([k, v]) => `${k}: ${String(v)}`));
  if (b.error && typeof b.error === 'object')
    parts.push([b.error.message, b.error.detail].filter(Boolean).join(': '));
  return parts.join('; ').slice(0, 300);
}

export class JsonClient {
  readonly #o: JsonClientOptions;
  constructor(o: JsonClientOptions) {
    this.#o = o;
  }

  /** The parsed answer of a 2xx; a CaseError otherwise. */
  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(
      path.replace(/^\//, ''),
      this.#o.baseUrl.endsWith('/') ? this.#o.baseUrl : `${this.#o.baseUrl}/`,
    );
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...this.#o.headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 30_000),
        redirect: 'manual',
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      throw new CaseError(
        `${this.#o.what}: cannot reach ${url.origin} (${e.cause?.code ?? e.name}: ${e.message})`,
        true,
      );
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the text itself says what went wrong
    }
    if (res.status >= 200 && res.status < 300) return parsed as T;
    const why =
      errorText(parsed) ||
      (res.status >= 300 && res.status < 400
        ? `redirected to ${res.headers.get('location')} (the URL or the credentials are wrong)`
        : '');
    const action = httpAction(res.status);
    throw new CaseError(
      `${this.#o.what}: ${method} ${url.pathname} answered ${res.status}${why ? `: ${why}` : ''}`,
      action === 'retry' || res.status < 400,
      res.status,
    );
  }
}
