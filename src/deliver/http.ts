// http(s)://: a webhook that receives each batch as one JSON array (JSON formats as objects, CEF and
// LEEF as strings). Any 2xx accepts the whole batch; see retry.ts for the rest. Also the HTTP pieces
// the Splunk and Elasticsearch sinks share: POST, TLS options, redaction.
import { Agent, type Dispatcher, fetch } from 'undici';
import { z } from 'zod';
import { redactUrl } from '../util/redact.ts';
import { httpError } from './retry.ts';
import { sinkTls, TLS_OPTIONS } from './tls.ts';
import { defineSink, SinkError, type SinkItem } from './types.ts';

export const isJsonFormat = (f: string) => f === 'ecs' || f === 'ocsf' || f === 'json';

/** A rendered item as a JSON value: the object for JSON formats, the string for CEF and LEEF. */
export const asJson = (i: SinkItem) => (isJsonFormat(i.format) ? i.body : JSON.stringify(i.body));

export const TIMEOUT_MS = 30_000;

/** The connection pool that applies the sink's TLS options (see tls.ts), or undefined for the defaults. */
export function tlsDispatcher(o: { ca?: string; insecure?: boolean }, what: string): Dispatcher | undefined {
  const tls = sinkTls(o, what);
  return tls && new Agent({ connect: { ca: tls.ca, rejectUnauthorized: !tls.insecure } });
}

/** POST and read the answer; network and TLS failures become retryable SinkErrors. */
export async function post(
  what: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  dispatcher?: Dispatcher,
  /** Aborts the request early (the sink is closing). */
  signal?: AbortSignal,
): Promise<{ status: number; text: string; retryAfter: string | null }> {
  try {
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      dispatcher,
    });
    const text = await res.text(); // always consume the body (undici keeps the socket otherwise)
    return { status: res.status, text, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    const e = err as Error & { cause?: Error & { code?: string } };
    const code = e.cause?.code ?? '';
    // A certificate problem will not fix itself on retry, but the operator can fix it: say how.
    const hint = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)
      ? ' (trust the server with ?ca=/path/to/ca.pem on the sink URL)'
      : '';
    throw new SinkError(`${what}: ${e.cause?.message ?? e.message}${hint}`, 'retry', undefined, {
      cause: err,
    });
  }
}

/** `Authorization: Basic …` from the user and password in a URL. */
export function basicAuth(url: URL): string {
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

export const webhookSink = defineSink({
  type: 'webhook',
  schemes: ['http:', 'https:'],
  summary: 'POSTs each batch as one JSON array',
  example: 'json:https://siem.example/hook',
  idempotent: false,
  options: z.object(TLS_OPTIONS),
  keepsQuery: true,
  create(url, options) {
    const dispatcher = tlsDispatcher(options, `webhook ${redactUrl(url)}`);
    const target = url.href;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (url.username || url.password) {
      headers.authorization = basicAuth(url);
      const u = new URL(url.href);
      u.username = '';
      u.password = '';
      return mk(u.href);
    }
    return mk(target);
    function mk(to: string) {
      const what = `webhook ${redactUrl(new URL(to))}`;
      return {
        async write(items: SinkItem[]) {
          const r = await post(what, to, `[${items.map(asJson).join(',')}]`, headers, dispatcher);
          if (r.status < 200 || r.status >= 300) throw httpError(what, r.status, r.text, r.retryAfter);
        },
        async close() {
          await dispatcher?.close();
        },
      };
    }
  },
});
