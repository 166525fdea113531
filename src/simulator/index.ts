// The Darktrace appliance simulator: the catalog's endpoints over HTTP(S) with the appliance's signature
// checks, error answers, seeded data, live arrivals and switchable faults. See README.md in this folder.
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { listEndpoints } from '../darktrace/endpoints.ts';
import type { AiaIncidentEvent, ModelBreach } from '../darktrace/types.ts';
import { AiAnalyst } from './aianalyst.ts';
import { forbidden, permitted, type Refusal, redirect, type SimUser, verify } from './auth.ts';
import { type BreachCore, Timeline } from './breaches.ts';
import { EmailStream } from './email.ts';
import { HttpError, Params, Raw } from './http.ts';
import { growInventory } from './inventory.ts';
import { Rng } from './prng.ts';
import { type Ctx, type Handler, handlers, type SimContext } from './routes.ts';
import { ApplianceState } from './state.ts';
import {
  type SyslogFormat,
  type SyslogPushOptions,
  type SyslogRecord,
  startSyslogPush,
  syslogLine,
  syslogRecords,
} from './syslog.ts';
import { buildWorld } from './world.ts';

export type { SimContext } from './routes.ts';

export interface SimulatorOptions {
  /** 0 = ephemeral (default 0). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  publicToken: string;
  privateToken: string;
  /** Extra users. `denied`: catalog names ('modelBreaches.acknowledge') or path prefixes ('/antigena'). */
  tokens?: { publicToken: string; privateToken: string; denied?: string[]; deniedStatus?: 302 | 403 }[];
  /** Default 1. */
  seed?: number;
  /** Clock injection for tests (default Date.now). */
  now?: () => number;
  /** Breaches already there at start, spread over the last `days` (default 2000 over 7 days). */
  history?: { count: number; days: number };
  /** Devices the appliance knows in all (default: the seeded network, about 330); up to ~65,000 more in a `Campus` subnet. */
  devices?: number;
  /** Live arrival rate of new breaches after start (default 2 a minute; 0 = none). */
  ratePerMinute?: number;
  /** Upper bound of creationTime - time (default 15 minutes; most lags are seconds). */
  maxCreationLagMinutes?: number;
  /** Serve HTTPS. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  faults?: Partial<Faults>;
  logger?: boolean;
  /** Host name used in breachUrl and incidentEventUrl (default the appliance's name). */
  hostname?: string;
  /** How long a PCAP stays pending (default 3000 ms). */
  pcapReadyMs?: number;
  /** pbid of the oldest history breach (default derived from the seed, around 1000–11000). */
  firstPbid?: number;
  /** Answer breach (un)acknowledge as a Unified View master does (`[{replicate, data}]`). */
  unifiedView?: boolean;
  /**
   * Darktrace /EMAIL: new messages an hour after start (default 10), and which of the two base paths
   * (§15) to serve (default both, as versions differ; one alone tests a client's fallback).
   */
  email?: { perHour?: number; basePaths?: ('/agemail/api/v1.0' | '/agemail/api/ep/api/v1.0')[] };
  /** Push the live stream (breaches, AI Analyst events, RESPOND changes, e-mail alerts) to syslog. */
  syslog?: SyslogPushOptions;
}

export interface Faults {
  latencyMs: number;
  /** Share of API requests (0..1) answered with errorStatus instead. */
  errorRate: number;
  errorStatus: 500 | 503 | 429;
  retryAfterSeconds: number;
  /** Share of API requests (0..1) whose body is cut in the middle. */
  truncateRate: number;
  /** Shifts the server clock: DTAPI-Date is judged against it and the Date header shows it. */
  clockSkewSeconds: number;
  /** Public tokens answered as unknown (302 /login). */
  revokedTokens: string[];
  /** Share of DELETEs (0..1) that apply the change and then answer 502, as one 7.1 lab did. */
  deleteBadGatewayRate: number;
}

export interface SimulatorState {
  url: string;
  now: number;
  serverNow: number;
  faults: Faults;
  breaches: { history: number; live: number; injected: number; newestPbid: number; pbidBase: number };
  aiAnalyst: { injected: number; changed: number };
  acknowledgedOverlay: number;
  antigenaActions: number;
  pcaps: number;
  requests: number;
}

export interface Simulator {
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(f: Partial<Faults>): void;
  resetFaults(): void;
  faults(): Faults;
  injectBreach(partial?: object): ModelBreach;
  injectAiaEvent(partial?: object): AiaIncidentEvent;
  /** Sets the group score shown by an event's group (number, or numeric string as some appliances send). */
  setGroupScore(eventIdOrGroupId: string, score: number | string): boolean;
  /** Patches an AI Analyst event (acknowledged, pinned, aiaScore, currentGroup, groupScore). */
  updateAiaEvent(
    id: string,
    patch: {
      acknowledged?: boolean;
      pinned?: boolean;
      aiaScore?: number;
      currentGroup?: string;
      groupScore?: number | string;
    },
  ): boolean;
  state(): SimulatorState;
  /**
   * What the appliance sends on syslog in (since, until] (epoch ms; until defaults to now): records, and
   * the framed lines (RFC 5424 unless `format: 'rfc3164'`).
   */
  syslog(o: { since: number; until?: number; format?: SyslogFormat }): {
    records: SyslogRecord[];
    lines: string[];
  };
  /** Lines pushed so far with the `syslog` option, and a way to push what is due now. */
  syslogPush?: { sent(): number; flush(): Promise<void> };
  /** The data model, for tests that need to know what the simulator will answer. */
  readonly sim: SimContext;
}

export const DEFAULT_FAULTS: Faults = {
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 500,
  retryAfterSeconds: 1,
  truncateRate: 0,
  clockSkewSeconds: 0,
  revokedTokens: [],
  deleteBadGatewayRate: 0,
};

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const JSON_TYPE = 'application/json; charset=utf-8';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

function splitUrl(url: string): { path: string; query: string } {
  const i = url.indexOf('?');
  return i < 0 ? { path: url, query: '' } : { path: url.slice(0, i), query: url.slice(i + 1) };
}

function parseBody(raw: string | undefined, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if ((contentType ?? '').includes('json')) {
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      throw new HttpError(400, { error: 'Invalid JSON body' });
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new HttpError(400, { error: 'Invalid JSON body' });
    return v as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const clock = opts.now ?? Date.now;
  const seed = opts.seed ?? 1;
  let faults: Faults = {
    ...DEFAULT_FAULTS,
    ...opts.faults,
    revokedTokens: [...(opts.faults?.revokedTokens ?? [])],
  };
  const serverNow = () => clock() + faults.clockSkewSeconds * 1000;
  const rng = new Rng(seed ^ 0xfa017);
  const t0 = clock();
  const hostname = opts.hostname ?? 'dt-sim.example.local';
  const world = buildWorld(seed, t0, hostname);
  if (opts.devices) growInventory(world, opts.devices);
  const history = opts.history ?? { count: 2000, days: 7 };
  const tl = new Timeline(world, {
    seed,
    t0,
    count: history.count,
    days: history.days,
    ratePerMinute: opts.ratePerMinute ?? 2,
    maxCreationLagMinutes: opts.maxCreationLagMinutes ?? 15,
    pbidBase: opts.firstPbid ?? 1000 + (seed % 997) * 10,
  });
  const aia = new AiAnalyst(tl);
  const state = new ApplianceState(world, tl, t0, opts.pcapReadyMs ?? 3000);
  tl.deviceTags = (did) => state.tagsOf(did, clock());
  const email = new EmailStream(world, t0, history, opts.email?.perHour ?? 10);
  const sim: SimContext = { world, tl, aia, state, email, host: hostname, unifiedView: !!opts.unifiedView };

  const users = new Map<string, SimUser>();
  const addUser = (
    u: { publicToken: string; privateToken: string; denied?: string[]; deniedStatus?: 302 | 403 },
    i: number,
  ) =>
    users.set(u.publicToken, {
      publicToken: u.publicToken,
      privateToken: u.privateToken,
      denied: u.denied ?? [],
      deniedStatus: u.deniedStatus ?? 302,
      username: i === 0 ? 'api.user' : `api.user${i + 1}`,
    });
  addUser({ publicToken: opts.publicToken, privateToken: opts.privateToken }, 0);
  for (const [i, t] of (opts.tokens ?? []).entries()) addUser(t, i + 1);
  let requests = 0;

  // Typed as the plain HTTP instance: the HTTPS variant has the same request/reply surface.
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 10 * 1024 * 1024,
    // Advanced Search carries its base64 query document in the path.
    routerOptions: { maxParamLength: 65_536 },
    forceCloseConnections: true,
    ...(opts.tls ? { https: { key: opts.tls.key, cert: opts.tls.cert } } : {}),
  } as object) as unknown as FastifyInstance;

  // Keep the body text: signatures are computed over the exact bytes sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    (req as FastifyRequest).rawBody = body as string;
    done(null, body);
  });

  const send = (reply: FastifyReply, r: Refusal) => {
    reply.code(r.status).header('content-type', r.contentType);
    if (r.location) reply.header('location', r.location);
    return reply.send(r.body);
  };

  // Every answer carries the (possibly skewed) server clock in Date; faults apply to API routes only.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('date', new Date(serverNow()).toUTCString());
    if (req.url.startsWith('/__sim/')) return;
    requests++;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.errorRate > 0 && rng.next() < faults.errorRate) {
      const s = faults.errorStatus;
      if (s === 429) reply.header('retry-after', String(faults.retryAfterSeconds));
      if (s === 503) reply.header('retry-after', String(faults.retryAfterSeconds));
      const msg =
        s === 429 ? 'Too Many Requests' : s === 503 ? 'Service Unavailable' : 'Internal Server Error';
      return reply
        .code(s)
        .header('content-type', JSON_TYPE)
        .send(JSON.stringify({ error: msg }));
    }
  });

  const writeTruncated = (reply: FastifyReply, status: number, contentType: string, text: string) => {
    reply.hijack();
    const res: ServerResponse = reply.raw;
    // No Content-Length: the body simply stops in the middle of the JSON.
    res.writeHead(status, {
      'content-type': contentType,
      date: new Date(serverNow()).toUTCString(),
      connection: 'close',
    });
    res.end(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
  };

  const handle = (name: string, h: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { path, query } = splitUrl(req.raw.url ?? req.url);
    const contentType = req.headers['content-type'];
    const v = verify(
      { method: req.method, path, query, rawBody: req.rawBody, contentType, headers: req.headers },
      users,
      new Set(faults.revokedTokens),
      serverNow(),
    );
    if (!v.ok) return send(reply, v.refusal);
    if (!permitted(v.user, name, path))
      return send(reply, v.user.deniedStatus === 403 ? forbidden() : redirect('/403'));
    let result: unknown;
    try {
      const p = new Params(new URLSearchParams(query), parseBody(req.rawBody, contentType));
      const ctx: Ctx = { p, params: req.params as Record<string, string>, user: v.user, now: clock(), sim };
      result = await h(ctx);
    } catch (err) {
      if (err instanceof HttpError) {
        return reply.code(err.status).header('content-type', JSON_TYPE).send(JSON.stringify(err.body));
      }
      throw err;
    }
    if (
      req.method === 'DELETE' &&
      faults.deleteBadGatewayRate > 0 &&
      rng.next() < faults.deleteBadGatewayRate
    ) {
      return reply
        .code(502)
        .header('content-type', 'text/html')
        .send('<html><body><h1>502 Bad Gateway</h1></body></html>');
    }
    const truncate = faults.truncateRate > 0 && rng.next() < faults.truncateRate;
    if (result instanceof Raw) {
      reply.code(result.status).header('content-type', result.contentType);
      if (truncate) {
        const text = result.body instanceof Readable ? await firstChunk(result.body) : result.body.toString();
        return writeTruncated(reply, result.status, result.contentType, text);
      }
      return reply.send(result.body);
    }
    const text = JSON.stringify(result);
    if (truncate) return writeTruncated(reply, 200, JSON_TYPE, text);
    return reply.code(200).header('content-type', JSON_TYPE).send(text);
  };

  const emailBases = opts.email?.basePaths;
  for (const e of listEndpoints()) {
    const fam = (handlers as unknown as Record<string, Record<string, Handler>>)[e.family];
    const h = fam?.[e.operation];
    if (!h) throw new Error(`simulator: no handler for ${e.name}`);
    for (const path of [e.spec.path, ...(e.spec.altPaths ?? [])]) {
      if (emailBases && path.startsWith('/agemail/') && !emailBases.some((b) => path.startsWith(`${b}/`)))
        continue;
      app.route({
        method: e.spec.method,
        url: path.replace(/\{(\w+)\}/g, ':$1'),
        handler: handle(e.name, h),
      });
    }
  }

  // ---- control API (unsigned, loopback only) ----
  const control =
    (fn: (req: FastifyRequest) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
      if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
        return reply
          .code(403)
          .header('content-type', JSON_TYPE)
          .send(JSON.stringify({ error: 'control API is loopback-only' }));
      }
      try {
        const body = parseBody(req.rawBody, req.headers['content-type'] ?? 'application/json');
        (req as FastifyRequest & { json: Record<string, unknown> }).json = body;
        const out = await fn(req);
        return reply
          .code(200)
          .header('content-type', JSON_TYPE)
          .send(JSON.stringify(out ?? { ok: true }));
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 400;
        const msg =
          err instanceof HttpError ? err.body : { error: err instanceof Error ? err.message : String(err) };
        return reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify(msg));
      }
    };
  const bodyOf = (req: FastifyRequest) => (req as FastifyRequest & { json: Record<string, unknown> }).json;

  const push = opts.syslog ? startSyslogPush(sim, opts.syslog, clock, t0) : undefined;
  const api: Simulator = {
    url: '',
    port: 0,
    sim,
    close: async () => {
      await push?.stop();
      await app.close();
    },
    syslog({ since, until, format }) {
      const now = clock();
      const records = syslogRecords(sim, since, Math.min(until ?? now, now), now);
      return { records, lines: records.map((r) => syslogLine(r, hostname, format)) };
    },
    setFaults(f) {
      faults = { ...faults, ...f, revokedTokens: [...(f.revokedTokens ?? faults.revokedTokens)] };
    },
    resetFaults() {
      faults = { ...DEFAULT_FAULTS, revokedTokens: [] };
    },
    faults: () => ({ ...faults, revokedTokens: [...faults.revokedTokens] }),
    injectBreach(partial = {}) {
      const now = clock();
      const p = partial as Record<string, unknown>;
      const key = tl.takeInjectSlot(now);
      const gen = { ...tl.core(key) };
      const c: BreachCore = { ...gen, creationTime: now, time: now - 5000, extra: {} };
      if (typeof p.did === 'number' || typeof (p.device as { did?: number })?.did === 'number') {
        const did = (p.did as number) ?? (p.device as { did: number }).did;
        const d = world.byDid.get(did);
        if (!d) throw new HttpError(400, { error: `Unknown device ${did}` });
        c.device = d;
      }
      const pid = (p.pid as number) ?? (p.model as { pid?: number })?.pid;
      if (typeof pid === 'number') {
        const m = world.byPid.get(pid);
        if (!m) throw new HttpError(400, { error: `Unknown model pid ${pid}` });
        c.model = m;
      } else if (typeof (p.model as { name?: string })?.name === 'string') {
        const m = world.models.find((x) => x.model.name === (p.model as { name: string }).name);
        if (m) c.model = m;
      }
      if (typeof p.time === 'number') c.time = p.time;
      if (typeof p.creationTime === 'number') c.creationTime = p.creationTime;
      if (typeof p.score === 'number') c.score = p.score;
      const extra: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(p)) {
        if (['did', 'pid', 'time', 'creationTime', 'score', 'device', 'model', 'pbid'].includes(k)) continue;
        extra[k] = v;
      }
      c.extra = extra;
      tl.injected.set(key, c);
      return tl.object(c, { thenNow: true, deviceAtTop: true, minimal: false });
    },
    injectAiaEvent(partial = {}) {
      return aia.inject(partial as Partial<AiaIncidentEvent>, clock());
    },
    setGroupScore(id, score) {
      return aia.setGroupScore(id, score, clock());
    },
    updateAiaEvent(id, patch) {
      if (!aia.get(id, clock())) return false;
      const { groupScore, ...rest } = patch;
      aia.update(id, rest);
      if (groupScore !== undefined) aia.update(id, { groupScore });
      return true;
    },
    state() {
      const now = clock();
      return {
        url: api.url,
        now,
        serverNow: serverNow(),
        faults: api.faults(),
        breaches: {
          history: tl.count,
          live: tl.liveCount(now),
          injected: tl.injected.size,
          newestPbid: tl.pbidBase + tl.newestKey(now),
          pbidBase: tl.pbidBase,
        },
        aiAnalyst: { injected: aia.injected.size, changed: aia.overlay.size },
        acknowledgedOverlay: [...tl.overlay.values()].filter((o) => o.acknowledged !== undefined).length,
        antigenaActions: state.actions.size,
        pcaps: state.pcaps.size,
        requests,
      };
    },
  };

  app.get(
    '/__sim/state',
    control(() => api.state()),
  );
  app.get(
    '/__sim/syslog',
    control((req) => {
      const q = req.query as { since?: string; until?: string; format?: string };
      const since = Number(q.since);
      if (!Number.isFinite(since)) throw new HttpError(400, { error: 'since (epoch ms) is required' });
      if (q.format !== undefined && q.format !== 'rfc5424' && q.format !== 'rfc3164')
        throw new HttpError(400, { error: 'format must be rfc5424 or rfc3164' });
      const until = q.until === undefined ? undefined : Number(q.until);
      return { lines: api.syslog({ since, until, format: q.format as SyslogFormat | undefined }).lines };
    }),
  );
  app.post(
    '/__sim/faults',
    control((req) => {
      api.setFaults(validFaults(bodyOf(req)));
      return api.faults();
    }),
  );
  app.post(
    '/__sim/reset-faults',
    control(() => {
      api.resetFaults();
      return api.faults();
    }),
  );
  app.post(
    '/__sim/inject/breach',
    control((req) => api.injectBreach(bodyOf(req))),
  );
  app.post(
    '/__sim/inject/aianalyst',
    control((req) => api.injectAiaEvent(bodyOf(req))),
  );
  app.post(
    '/__sim/aianalyst/:id/groupscore',
    control((req) => {
      const id = (req.params as { id: string }).id;
      const score = bodyOf(req).groupScore ?? bodyOf(req).score;
      if (typeof score !== 'number' && typeof score !== 'string')
        throw new HttpError(400, { error: 'groupScore is required' });
      if (!api.setGroupScore(id, score))
        throw new HttpError(404, { error: `Incident event ${id} not found` });
      return { ok: true };
    }),
  );
  app.post(
    '/__sim/aianalyst/:id',
    control((req) => {
      const id = (req.params as { id: string }).id;
      if (!api.updateAiaEvent(id, bodyOf(req)))
        throw new HttpError(404, { error: `Incident event ${id} not found` });
      return aia.get(id, clock());
    }),
  );

  // Unknown routes: the appliance's UI router answers with a redirect to its login page.
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/__sim/')) {
      return reply
        .code(404)
        .header('content-type', JSON_TYPE)
        .send(JSON.stringify({ error: 'unknown control route' }));
    }
    return send(reply, redirect('/login'));
  });
  app.setErrorHandler((err, _req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    reply
      .code(status >= 400 ? status : 500)
      .header('content-type', JSON_TYPE)
      .send(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
  });

  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const addr = app.server.address() as AddressInfo;
  const h = opts.host ?? '127.0.0.1';
  api.port = addr.port;
  if (push) api.syslogPush = { sent: push.sent, flush: push.flush };
  api.url = `${opts.tls ? 'https' : 'http'}://${h.includes(':') ? `[${h}]` : h}:${addr.port}`;
  return api;
}

function validFaults(b: Record<string, unknown>): Partial<Faults> {
  const out: Partial<Faults> = {};
  const num = (k: keyof Faults) => {
    if (b[k] === undefined) return;
    const n = Number(b[k]);
    if (!Number.isFinite(n)) throw new HttpError(400, { error: `${k} must be a number` });
    (out as Record<string, unknown>)[k] = n;
  };
  num('latencyMs');
  num('errorRate');
  num('retryAfterSeconds');
  num('truncateRate');
  num('clockSkewSeconds');
  num('deleteBadGatewayRate');
  if (b.errorStatus !== undefined) {
    const s = Number(b.errorStatus);
    if (s !== 500 && s !== 503 && s !== 429)
      throw new HttpError(400, { error: 'errorStatus must be 500, 503 or 429' });
    out.errorStatus = s;
  }
  if (b.revokedTokens !== undefined) {
    if (!Array.isArray(b.revokedTokens))
      throw new HttpError(400, { error: 'revokedTokens must be an array' });
    out.revokedTokens = b.revokedTokens.map(String);
  }
  return out;
}

async function firstChunk(stream: Readable): Promise<string> {
  for await (const chunk of stream) {
    stream.destroy();
    return String(chunk);
  }
  return '';
}
