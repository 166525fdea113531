// The Darktrace client: signing as a hook around one undici transport, retries with backoff, clock-skew
// self-correction, and the typed methods derived from the endpoint catalog (endpoints.ts).
import { readFileSync } from 'node:fs';
import { Agent, type Dispatcher, ProxyAgent, request } from 'undici';
import { retryAfterMs } from '../util/time.ts';
import { type Catalog, type Endpoint, type EndpointSpec, endpoints, type Params } from './endpoints.ts';
import {
  DarktraceAuthError,
  DarktraceBadRequestError,
  DarktraceClockError,
  DarktraceConfigError,
  DarktraceConflictError,
  DarktraceError,
  DarktraceNetworkError,
  DarktraceNotFoundError,
  DarktracePermissionError,
  DarktraceRateLimitError,
  DarktraceResponseError,
  DarktraceServerError,
  DarktraceSignatureError,
  DarktraceTimeoutError,
  DarktraceTlsError,
  type ErrorContext,
  isRetryable,
  type TlsProblem,
} from './errors.ts';
import { buildRequest, toPairs, type WireRequest } from './request.ts';
import { type SearchQueryInput, searchDocument, searchHash } from './search.ts';
import { formatDtapiDate, signature, signedTarget } from './signing.ts';
import type {
  AdvancedSearchOperation,
  AntigenaAction,
  Email,
  EmailActionResponse,
  EmailSearchBody,
} from './types.ts';

export interface Logger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
  error(msg: string, data?: Record<string, unknown>): void;
}

const noop = () => {};
/** Quiet by default, like octokit: a library never writes to stdout; warnings go to stderr. */
export const defaultLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (m) => process.stderr.write(`warn: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};

export interface DarktraceClientOptions {
  /** Base URL of the appliance or cloud master, e.g. `https://dt.example.com`. */
  url: string;
  publicToken: string;
  privateToken: string;
  /** Whole-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first try for 429, 5xx, timeouts and network errors (default 3). */
  retries?: number;
  /** First backoff step in ms (default 500); doubles per try with full jitter, capped at `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  tls?: {
    /** Skip certificate verification (self-signed appliances). */
    insecure?: boolean;
    /** A CA bundle (PEM text) to trust instead of skipping verification. */
    ca?: string | Buffer;
    /** Path of a PEM CA bundle. */
    caFile?: string;
  };
  /** HTTP(S) proxy URL, e.g. `http://proxy:3128`. */
  proxy?: string;
  userAgent?: string;
  logger?: Logger;
  /** Initial correction added to the local clock when signing, in ms. */
  clockOffsetMs?: number;
  /** Transport override (tests, connection pools shared between clients). */
  dispatcher?: Dispatcher;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Override the client's retry count for this call. */
  retries?: number;
}

type ParamsOf<E> = E extends { readonly __types?: { params: infer P } } ? P : never;
type ResponseOf<E> = E extends { readonly __types?: { response: infer R } } ? R : never;
type MethodOf<E> =
  Partial<ParamsOf<E>> extends ParamsOf<E>
    ? (params?: ParamsOf<E>, options?: RequestOptions) => Promise<ResponseOf<E>>
    : (params: ParamsOf<E>, options?: RequestOptions) => Promise<ResponseOf<E>>;
/** The client's typed methods: `client.modelBreaches.list({...})`, one per catalog entry. */
export type CatalogMethods = {
  readonly [F in keyof Catalog]: { readonly [O in keyof Catalog[F]]: MethodOf<Catalog[F][O]> };
};

const VERSION = '0.1.0';
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface DarktraceClient extends CatalogMethods {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the catalog methods are attached in the constructor
export class DarktraceClient {
  readonly url: string;
  readonly publicToken: string;
  readonly #privateToken: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #opts: Required<
    Pick<DarktraceClientOptions, 'timeoutMs' | 'retries' | 'retryBaseMs' | 'retryMaxMs'>
  >;
  readonly #userAgent: string;
  readonly log: Logger;
  /** Per catalog path with alternatives: the path this appliance answered on. */
  readonly #pathChoice = new Map<string, string>();
  /** Milliseconds added to the local clock when signing; learnt from the appliance on API DATE ERROR. */
  clockOffsetMs: number;

  constructor(options: DarktraceClientOptions) {
    const { url, publicToken, privateToken } = options ?? ({} as DarktraceClientOptions);
    this.url = validateUrl(url);
    if (typeof publicToken !== 'string' || publicToken.trim() === '') {
      throw new DarktraceConfigError(
        'the public token is empty: copy it from Threat Visualizer › System Config › API Token',
      );
    }
    if (typeof privateToken !== 'string' || privateToken.trim() === '') {
      throw new DarktraceConfigError(
        'the private token is empty: it is shown once when the token pair is created; create a new pair if it was lost',
      );
    }
    this.publicToken = publicToken.trim();
    this.#privateToken = privateToken.trim();
    this.#opts = {
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 3,
      retryBaseMs: options.retryBaseMs ?? 500,
      retryMaxMs: options.retryMaxMs ?? 30_000,
    };
    this.#userAgent = options.userAgent ?? `darktrace-hub/${VERSION} (node ${process.version})`;
    this.log = options.logger ?? defaultLogger;
    this.clockOffsetMs = options.clockOffsetMs ?? 0;
    this.#ownsDispatcher = !options.dispatcher;
    this.#dispatcher = options.dispatcher ?? makeDispatcher(options);

    for (const [family, ops] of Object.entries(endpoints)) {
      const methods: Record<string, unknown> = {};
      for (const [op, spec] of Object.entries(ops)) {
        methods[op] = (params?: Params, opts?: RequestOptions) =>
          this.request(spec as EndpointSpec, params, opts);
      }
      (this as Record<string, unknown>)[family] = Object.freeze(methods);
    }
  }

  /** Calls any catalog entry: `client.request(endpoints.modelBreaches.list, {...})`. */
  async request<E extends Endpoint>(
    ep: E,
    params?: ParamsOf<E>,
    options?: RequestOptions,
  ): Promise<ResponseOf<E>>;
  async request(ep: EndpointSpec, params?: Params, options?: RequestOptions): Promise<unknown>;
  async request(ep: EndpointSpec, params: Params = {}, options: RequestOptions = {}): Promise<unknown> {
    // A call with other base paths (the two /EMAIL bases, §15) tries them in turn while the appliance
    // answers 302 /login (route not served), then keeps the one that answered.
    const chosen = this.#pathChoice.get(ep.path);
    const paths = chosen ? [chosen] : [ep.path, ...(ep.altPaths ?? [])];
    for (let i = 0; ; i++) {
      const wire = buildRequest(paths[i] === ep.path ? ep : { ...ep, path: paths[i] }, params);
      let answer: Answer;
      try {
        answer = await this.#withRetries(wire, options);
      } catch (err) {
        const notServed = err instanceof DarktraceAuthError && err.status === 302 && i + 1 < paths.length;
        if (!notServed) throw err;
        this.log.debug(`${ep.method} ${paths[i]} is not served here; trying ${paths[i + 1]}`);
        continue;
      }
      if (ep.altPaths?.length && !chosen) this.#pathChoice.set(ep.path, paths[i]);
      if (ep.returns === 'binary') return new Uint8Array(answer.body);
      return parseJson(wire, answer);
    }
  }

  /**
   * A raw call by method and path (the `dtc call` debugging tool). `query` is sent in the given order;
   * `form` or `json` makes the POST body. Answers parsed JSON, or text when the appliance sent no JSON.
   */
  async raw(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    input: { query?: Params; form?: Params; json?: unknown } = {},
    options: RequestOptions = {},
  ): Promise<unknown> {
    if (!path.startsWith('/')) throw new DarktraceConfigError(`the path must start with "/", got "${path}"`);
    const query = toPairs(input.query ?? {}, false);
    let wire: WireRequest;
    if (method === 'POST') {
      const json = input.json !== undefined;
      const body = json ? JSON.stringify(input.json) : toPairs(input.form ?? {}, false);
      const contentType = json ? 'application/json' : 'application/x-www-form-urlencoded; charset=UTF-8';
      // A POST signs only its body (API doc §3.2); a URL query rides along unsigned.
      wire = { method, path, query, body, contentType, target: signedTarget(method, path, query, body) };
    } else {
      wire = {
        method,
        path,
        query,
        target: signedTarget(method, path, toPairs(input.query ?? {}, true), undefined),
      };
    }
    const answer = await this.#withRetries(wire, options);
    const type = String(answer.headers['content-type'] ?? '');
    if (!type.includes('json') && !looksLikeJson(answer.body)) return answer.body.toString('utf8');
    return parseJson(wire, answer);
  }

  /** Activates a RESPOND action that needs confirming (or reactivates an expired/cleared one). */
  activateAction(codeid: number, reason?: string, durationSeconds?: number, options?: RequestOptions) {
    return this.antigena.update({ codeid, activate: true, reason, duration: durationSeconds }, options);
  }

  /** Sets the remaining duration of a RESPOND action (a new length, not an increment). */
  extendAction(codeid: number, durationSeconds: number, reason?: string, options?: RequestOptions) {
    return this.antigena.update({ codeid, duration: durationSeconds, reason }, options);
  }

  /** Clears (stops) a RESPOND action. */
  clearAction(codeid: number, reason?: string, options?: RequestOptions) {
    return this.antigena.update({ codeid, clear: true, reason }, options);
  }

  /**
   * Runs an Advanced Search query (§14). `query` is the search text and its window (`starttime`/`endtime`
   * ms, or `timeframe` seconds back); by default POST with the base64 document in `hash` (6.1+), or
   * `get: true` for the older GET with URL-safe base64 in the path (signed as transmitted, §3.2).
   */
  advancedSearchQuery(query: SearchQueryInput, options?: RequestOptions & { get?: boolean }) {
    const doc = searchDocument(query);
    return options?.get
      ? this.advancedSearch.searchGet({ hash: searchHash(doc, 'path') }, options)
      : this.advancedSearch.search({ hash: searchHash(doc, 'body') }, options);
  }

  /** Analyzes `field` over an Advanced Search query: `terms`, `mean`, `trend` or `score` (§14). */
  advancedSearchAnalyze(
    field: string,
    operation: AdvancedSearchOperation,
    query: SearchQueryInput,
    options?: RequestOptions,
  ) {
    const hash = searchHash(searchDocument(query), 'path');
    return this.advancedSearch.analyze({ field, operation, hash }, options);
  }

  /** A histogram of an Advanced Search query: `count` (or `mean`) per `intervalMs` (§14). */
  advancedSearchGraph(
    mode: 'count' | 'mean',
    intervalMs: number,
    query: SearchQueryInput,
    options?: RequestOptions,
  ) {
    const hash = searchHash(searchDocument(query), 'path');
    return this.advancedSearch.graph({ mode, interval: intervalMs, hash }, options);
  }

  /**
   * Every RESPOND action with a state change or activity in [starttime, endtime) (ms), cleared ones
   * included, each with its `history` (created, activated/confirmed, extended, cleared, expired, with the
   * time and the user): what a poller reads, keyed on `codeid`, a new version for each history entry.
   */
  async respondActions(
    window: { starttime: number; endtime: number },
    options?: RequestOptions,
  ): Promise<AntigenaAction[]> {
    const r = await this.antigena.list({ ...window, includehistory: true, includecleared: true }, options);
    return Array.isArray(r) ? r : r.actions;
  }

  /**
   * Every Darktrace /EMAIL message with `dtime_unix` in [starttime, endtime) (ms), newest first: pages
   * `POST …/emails/search` (epoch seconds, 20 a page by default) until a short page, then keeps exactly
   * the window, so adjacent poll windows never overlap. `minScore` (0–100) filters on the anomaly score.
   */
  async searchEmails(
    o: {
      starttime: number;
      endtime: number;
      minScore?: number;
      direction?: 'inbound' | 'outbound' | 'internal';
      actioned?: boolean;
      itemsPerPage?: number;
      maxPages?: number;
    },
    options?: RequestOptions,
  ): Promise<Email[]> {
    const itemsPerPage = o.itemsPerPage ?? 20;
    const criteriaList: NonNullable<EmailSearchBody['query']>['criteriaList'] = [];
    if (o.minScore !== undefined)
      criteriaList.push({
        apiFilter: 'Email.Antigena Email Anomaly',
        value: String(o.minScore),
        operator: '>',
      });
    if (o.direction)
      criteriaList.push({ apiFilter: 'Connection.Direction', value: o.direction, operator: '=' });
    if (o.actioned !== undefined)
      criteriaList.push({ apiFilter: 'Action.Action Taken', value: String(o.actioned), operator: '=' });
    const out: Email[] = [];
    for (let page = 0; page < (o.maxPages ?? 10_000); page++) {
      const batch = await this.email.search(
        {
          page,
          itemsPerPage,
          timeFrom: Math.floor(o.starttime / 1000),
          timeTo: Math.ceil(o.endtime / 1000),
          query: { criteriaList, mode: 'and' },
        },
        options,
      );
      out.push(...batch.filter((e) => e.dtime_unix >= o.starttime && e.dtime_unix < o.endtime));
      if (batch.length < itemsPerPage) break;
    }
    return out;
  }

  /**
   * Holds or releases a message. Without `recipients`, for every recipient the message has (read first).
   * Answers the appliance's words with the recipients acted on and their status before.
   */
  async emailAction(
    uuid: string,
    action: 'hold' | 'release',
    recipients?: readonly string[],
    options?: RequestOptions,
  ): Promise<{
    uuid: string;
    action: 'hold' | 'release';
    recipients: string[];
    previousStatus: Record<string, string>;
    response: EmailActionResponse;
  }> {
    const email = await this.email.get({ uuid }, options);
    const to = recipients?.length ? [...recipients] : email.rcpts.map((r) => r.rcpt_to);
    const previousStatus = Object.fromEntries(
      email.rcpts.filter((r) => to.includes(r.rcpt_to)).map((r) => [r.rcpt_to, r.rcpt_status]),
    );
    const response = await this.email.action({ uuid, action, recipients: to }, options);
    return { uuid, action, recipients: to, previousStatus, response };
  }

  /** Releases pooled connections. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #withRetries(wire: WireRequest, options: RequestOptions): Promise<Answer> {
    const retries = options.retries ?? this.#opts.retries;
    let clockCorrected = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#send(wire, options.signal);
      } catch (err) {
        if (err instanceof DarktraceClockError && !clockCorrected && err.serverTimeMs !== undefined) {
          // The appliance says our date is off: learn its clock from the Date header and retry once.
          clockCorrected = true;
          const offset = err.serverTimeMs - Date.now();
          this.clockOffsetMs = offset;
          this.log.warn(
            `the local clock is off by ${Math.round(-offset / 1000)} s from the appliance ${this.url}; ` +
              'signing with the appliance time from now on. Fix NTP on this host.',
            { clockOffsetSeconds: Math.round(offset / 1000) },
          );
          attempt--;
          continue;
        }
        if (attempt >= retries || !retryAllowed(wire.method, err) || options.signal?.aborted) throw err;
        const backoff = Math.min(this.#opts.retryMaxMs, this.#opts.retryBaseMs * 2 ** attempt);
        const retryAfter = err instanceof DarktraceRateLimitError ? err.retryAfterMs : undefined;
        const delay =
          retryAfter !== undefined ? Math.min(retryAfter, this.#opts.retryMaxMs) : Math.random() * backoff;
        this.log.debug(`retrying ${wire.method} ${wire.path} in ${Math.round(delay)} ms`, {
          attempt: attempt + 1,
          reason: (err as Error).message,
        });
        await sleep(delay, options.signal);
      }
    }
  }

  async #send(wire: WireRequest, signal?: AbortSignal): Promise<Answer> {
    const date = formatDtapiDate(new Date(Date.now() + this.clockOffsetMs));
    const headers: Record<string, string> = {
      'DTAPI-Token': this.publicToken,
      'DTAPI-Date': date,
      'DTAPI-Signature': signature({
        target: wire.target,
        publicToken: this.publicToken,
        privateToken: this.#privateToken,
        date,
      }),
      'User-Agent': this.#userAgent,
      Accept: 'application/json',
    };
    if (wire.contentType) headers['Content-Type'] = wire.contentType;
    const pathAndQuery = wire.query ? `${wire.path}?${wire.query}` : wire.path;
    const ctx = { method: wire.method, path: pathAndQuery };
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Dispatcher.ResponseData;
    let body: Buffer;
    try {
      res = await request(this.url + pathAndQuery, {
        method: wire.method as Dispatcher.HttpMethod,
        headers,
        body: wire.body,
        dispatcher: this.#dispatcher,
        signal: combined,
      });
      body = Buffer.from(await res.body.arrayBuffer());
    } catch (err) {
      throw transportError(err, ctx, this.url, this.#opts.timeoutMs, timeout.aborted);
    }
    const answer = { status: res.statusCode, headers: res.headers, body };
    if (res.statusCode >= 200 && res.statusCode < 300) return answer;
    throw httpError(answer, ctx);
  }
}

function validateUrl(url: unknown): string {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new DarktraceConfigError(
      'the appliance URL is empty: give its base URL, e.g. https://dt.example.com',
    );
  }
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new DarktraceConfigError(
      `"${url}" is not a valid URL: give the appliance base URL, e.g. https://dt.example.com`,
    );
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new DarktraceConfigError(
      `the appliance URL must start with https:// (or http://), got "${u.protocol}"`,
    );
  }
  if (u.username || u.password) {
    throw new DarktraceConfigError(
      'the appliance URL must not carry a user name or password: use the API tokens',
    );
  }
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) {
    throw new DarktraceConfigError(
      `the appliance URL must be its base URL without a path or query (e.g. ${u.origin}), got "${url}"`,
    );
  }
  return u.origin;
}

function makeDispatcher(o: DarktraceClientOptions): Dispatcher {
  let ca: string | Buffer | undefined = o.tls?.ca;
  if (o.tls?.caFile) {
    try {
      ca = readFileSync(o.tls.caFile);
    } catch (err) {
      throw new DarktraceConfigError(
        `cannot read the CA bundle "${o.tls.caFile}": ${(err as Error).message}`,
      );
    }
  }
  const tls = { rejectUnauthorized: !o.tls?.insecure, ...(ca ? { ca } : {}) };
  if (o.proxy) {
    try {
      new URL(o.proxy);
    } catch {
      throw new DarktraceConfigError(
        `the proxy "${o.proxy}" is not a valid URL, e.g. http://proxy.example.com:3128`,
      );
    }
    return new ProxyAgent({ uri: o.proxy, requestTls: tls, keepAliveTimeout: 10_000 });
  }
  return new Agent({ connect: tls, keepAliveTimeout: 10_000 });
}

function retryAllowed(method: string, err: unknown): boolean {
  if (!isRetryable(err)) return false;
  if (method !== 'POST') return true;
  // A POST changes state: retry only when the appliance cannot have acted on it.
  if (err instanceof DarktraceRateLimitError) return true;
  if (err instanceof DarktraceServerError) return err.status === 503;
  if (err instanceof DarktraceNetworkError)
    return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(String(err.message));
  return false;
}

function looksLikeJson(body: Buffer): boolean {
  const c = body.toString('utf8', 0, 64).trimStart()[0];
  return c === '{' || c === '[';
}

function parseJson(wire: WireRequest, answer: Answer): unknown {
  const text = answer.body.toString('utf8');
  const ctx = {
    method: wire.method,
    path: wire.query ? `${wire.path}?${wire.query}` : wire.path,
    status: answer.status,
  };
  if (/^\s*</.test(text)) {
    const login = /Log In \| Darktrace/i.test(text);
    throw new DarktraceResponseError(
      `${ctx.method} ${ctx.path}: the appliance answered an HTML page${login ? ' (its login page)' : ''} instead of JSON: ` +
        'check that the URL is the Threat Visualizer API and that the token has API access',
      { ...ctx, darktraceMessage: snippet(text) },
    );
  }
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DarktraceResponseError(
      `${ctx.method} ${ctx.path}: the answer is not valid JSON (${(err as Error).message}; ${answer.body.length} bytes, ` +
        'possibly cut off by a proxy or a dropped connection); the call is retried',
      { ...ctx, darktraceMessage: snippet(text), cause: err },
    );
  }
}

const snippet = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s).trim();

/** Darktrace's own words: the values of a JSON error body, or its text. */
function darktraceWords(body: Buffer): string | undefined {
  const text = body.toString('utf8').trim();
  if (!text) return undefined;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object') {
      const vals = Object.values(v).filter((x) => typeof x === 'string' || typeof x === 'number');
      if (vals.length) return vals.join('; ');
    }
  } catch {}
  return snippet(text);
}

function header(h: Answer['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function httpError(answer: Answer, base: { method: string; path: string }): DarktraceError {
  const { status } = answer;
  const words = darktraceWords(answer.body);
  const ctx: ErrorContext = { ...base, status, darktraceMessage: words };
  const where = `${base.method} ${base.path.split('?')[0]}`;
  if (status >= 300 && status < 400) {
    const location = header(answer.headers, 'location') ?? '';
    if (location.includes('/403')) {
      return new DarktracePermissionError(
        `${where}: the token is valid but its user lacks the permission for this call (redirected to /403): ` +
          'grant the API user this permission in Threat Visualizer, or use another token',
        ctx,
      );
    }
    return new DarktraceAuthError(
      `${where}: the appliance redirected to ${location || 'a login page'}: the URL is not a Threat Visualizer API, ` +
        'this route is not served for API tokens, or the public token is unknown. Check the URL and the public token',
      ctx,
    );
  }
  if (status === 400 || status === 401) {
    if (words?.includes('API SIGNATURE ERROR')) {
      return new DarktraceSignatureError(
        `${where}: ${status} API SIGNATURE ERROR: the signature did not match. The private token is wrong for this ` +
          'public token, or something between us and the appliance changed the request',
        ctx,
      );
    }
    if (words?.includes('API DATE ERROR')) {
      const serverDate = header(answer.headers, 'date');
      const serverTimeMs = serverDate ? Date.parse(serverDate) : Number.NaN;
      const err = new DarktraceClockError(
        `${where}: ${status} API DATE ERROR: this host's clock differs from the appliance's by more than 30 minutes` +
          (Number.isNaN(serverTimeMs) ? '' : ` (about ${Math.round((Date.now() - serverTimeMs) / 1000)} s)`) +
          ': synchronise it with NTP',
        ctx,
      );
      if (!Number.isNaN(serverTimeMs)) err.serverTimeMs = serverTimeMs;
      return err;
    }
    if (status === 401) {
      return new DarktraceAuthError(
        `${where}: 401 ${words ?? 'Unauthorized'}: check the API token pair`,
        ctx,
      );
    }
    return new DarktraceBadRequestError(
      `${where}: 400 ${words ?? 'Bad Request'}: the appliance refused a parameter`,
      ctx,
    );
  }
  if (status === 403) {
    return new DarktracePermissionError(
      `${where}: 403 ${words ?? 'Forbidden'}: the token's user lacks the permission for this call`,
      ctx,
    );
  }
  if (status === 404)
    return new DarktraceNotFoundError(`${where}: 404 ${words ?? 'Not Found'}: no such record`, ctx);
  if (status === 409) {
    return new DarktraceConflictError(
      `${where}: 409 ${words ?? 'Conflict'}: the record's current state does not allow this change`,
      ctx,
    );
  }
  if (status === 429) {
    const wait = retryAfterMs(header(answer.headers, 'retry-after'));
    return new DarktraceRateLimitError(
      `${where}: 429 rate limited by the appliance${wait !== undefined ? ` (retry after ${Math.round(wait / 1000)} s)` : ''}`,
      { ...ctx, retryAfterMs: wait },
    );
  }
  if (status >= 500) {
    const unknown = base.method === 'DELETE' || base.method === 'POST';
    return new DarktraceServerError(
      `${where}: ${status} ${words ?? 'server error'} from the appliance` +
        (unknown ? ': the change may or may not have been applied; verify with a read' : ''),
      ctx,
    );
  }
  return new DarktraceBadRequestError(`${where}: ${status} ${words ?? 'unexpected answer'}`, ctx);
}

const TLS_CODES: Record<string, TlsProblem> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'wrong-host',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
};

const TLS_ADVICE: Record<TlsProblem, string> = {
  'self-signed':
    'the appliance uses a self-signed certificate: give its CA bundle (tls.caFile) or skip verification (tls.insecure)',
  expired: 'the appliance certificate has expired or is not yet valid: renew it, or check this host clock',
  'wrong-host': 'the certificate does not name this host: use the host name the certificate was issued for',
  untrusted: 'the certificate chain is not trusted: give the issuing CA bundle (tls.caFile)',
  other: 'the TLS handshake failed',
};

function errorChain(err: unknown): any[] {
  const out: any[] = [];
  let e: any = err;
  while (e && out.length < 5) {
    out.push(e);
    e = e.cause;
  }
  return out;
}

function transportError(
  err: unknown,
  base: { method: string; path: string },
  url: string,
  timeoutMs: number,
  timedOut: boolean,
): DarktraceError {
  if (err instanceof DarktraceError) return err;
  const chain = errorChain(err);
  const codes = chain.map((e) => e?.code).filter(Boolean) as string[];
  const where = `${base.method} ${base.path.split('?')[0]}`;
  const ctx: ErrorContext = { ...base, status: 0, cause: err };
  const tlsCode =
    codes.find((c) => c in TLS_CODES) ??
    (codes.some((c) => /^ERR_SSL|^ERR_TLS/.test(c)) ? 'other' : undefined);
  if (tlsCode) {
    const problem = TLS_CODES[tlsCode] ?? 'other';
    return new DarktraceTlsError(`${where}: TLS error with ${url} (${tlsCode}): ${TLS_ADVICE[problem]}`, {
      ...ctx,
      problem,
    });
  }
  const timeout =
    timedOut ||
    codes.some((c) => /TIMEOUT|ETIMEDOUT/.test(c)) ||
    chain.some((e) => e?.name === 'TimeoutError');
  if (timeout) {
    return new DarktraceTimeoutError(
      `${where}: no complete answer from ${url} within ${timeoutMs} ms: the appliance is slow or unreachable; ` +
        'raise the timeout or check the network path',
      ctx,
    );
  }
  if (chain.some((e) => e?.name === 'AbortError')) {
    return new DarktraceNetworkError(`${where}: the request was cancelled`, ctx);
  }
  const code = codes[0] ?? 'unknown';
  const advice: Record<string, string> = {
    ECONNREFUSED: 'nothing listens there: check the host and port',
    ENOTFOUND: 'the host name does not resolve: check the URL and DNS',
    EAI_AGAIN: 'DNS lookup failed: check DNS',
    ECONNRESET: 'the connection was reset: a proxy or firewall may be in the way',
    UND_ERR_SOCKET: 'the connection closed before the answer was complete',
    UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the answer was cut off before its declared length',
  };
  const last = chain[chain.length - 1];
  return new DarktraceNetworkError(
    `${where}: cannot reach ${url} (${code}): ${advice[code] ?? last?.message ?? 'network error'}`,
    ctx,
  );
}
