// The SDK against the simulator over real HTTP(S): every catalog method, every error class, retries,
// clock-skew self-correction, TLS, a proxy and timeouts.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy } from 'proxy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DarktraceAuthError,
  DarktraceBadRequestError,
  DarktraceClient,
  DarktraceConfigError,
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
  type Logger,
  listEndpoints,
} from '../../src/darktrace/index.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls.ts';

const PUB = 'sdk-test-public';
const PRIV = 'sdk-test-private-0123456789';
const DENIED_PUB = 'readonly-public';
const DENIED_PRIV = 'readonly-private';

let sim: Simulator;
const clients: DarktraceClient[] = [];

function client(opts: Partial<ConstructorParameters<typeof DarktraceClient>[0]> = {}) {
  const c = new DarktraceClient({
    url: sim.url,
    publicToken: PUB,
    privateToken: PRIV,
    retryBaseMs: 5,
    ...opts,
  });
  clients.push(c);
  return c;
}

function recordingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (msg: string) => lines.push({ level, msg });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

async function rejection(p: Promise<unknown>): Promise<DarktraceError> {
  try {
    await p;
  } catch (err) {
    return err as DarktraceError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: PUB,
    privateToken: PRIV,
    seed: 7,
    tokens: [
      {
        publicToken: DENIED_PUB,
        privateToken: DENIED_PRIV,
        denied: ['modelBreaches.acknowledge'],
        deniedStatus: 302,
      },
      {
        publicToken: 'forbidden-public',
        privateToken: 'forbidden-private',
        denied: ['/status'],
        deniedStatus: 403,
      },
    ],
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.close();
});

describe('every catalog method against the simulator', () => {
  // One call per catalog entry, with parameters taken from what the simulator serves. A catalog entry
  // without a line here fails the coverage test below.
  type Ctx = {
    pbid: number;
    did: number;
    eventId: string;
    codeid: number;
    cid: number;
    mlid: number;
    tid: number;
    pcap: string;
  };
  let own: { tid: number } | undefined;
  const ownTag = async (c: DarktraceClient) => {
    own ??= await c.tags.create({ name: `sdk-entities-${Date.now()}`, data: {} });
    return own;
  };
  const calls: Record<string, (c: DarktraceClient, x: Ctx) => Promise<unknown>> = {
    'modelBreaches.list': (c) => c.modelBreaches.list({ includeacknowledged: true, deviceattop: true }),
    'modelBreaches.get': (c, x) => c.modelBreaches.get({ pbid: x.pbid }),
    'modelBreaches.acknowledge': (c, x) => c.modelBreaches.acknowledge({ pbid: x.pbid, acknowledge: 'true' }),
    'modelBreaches.unacknowledge': (c, x) =>
      c.modelBreaches.unacknowledge({ pbid: x.pbid, unacknowledge: 'true' }),
    'modelBreaches.comments': (c, x) => c.modelBreaches.comments({ pbid: x.pbid }),
    'modelBreaches.addComment': (c, x) =>
      c.modelBreaches.addComment({ pbid: x.pbid, message: 'Investigating' }),
    'modelBreaches.searchComments': (c, x) => c.modelBreaches.searchComments({ pbid: x.pbid }),
    'aiAnalyst.incidentEvents': (c) => c.aiAnalyst.incidentEvents({ includeacknowledged: true }),
    'aiAnalyst.groups': (c, x) => c.aiAnalyst.groups({ uuid: x.eventId }),
    'aiAnalyst.acknowledge': (c, x) => c.aiAnalyst.acknowledge({ uuid: x.eventId }),
    'aiAnalyst.unacknowledge': (c, x) => c.aiAnalyst.unacknowledge({ uuid: x.eventId }),
    'aiAnalyst.pin': (c, x) => c.aiAnalyst.pin({ uuid: x.eventId }),
    'aiAnalyst.unpin': (c, x) => c.aiAnalyst.unpin({ uuid: x.eventId }),
    'aiAnalyst.comments': (c, x) => c.aiAnalyst.comments({ incident_id: x.eventId }),
    'aiAnalyst.addComment': (c, x) => c.aiAnalyst.addComment({ incident_id: x.eventId, message: 'Looking' }),
    'antigena.list': (c) => c.antigena.list({ includehistory: true }),
    'antigena.update': (c, x) => c.antigena.update({ codeid: x.codeid, duration: 600, reason: 'extend' }),
    'antigena.create': (c, x) =>
      c.antigena.create({ did: x.did, action: 'quarantine', duration: 60, reason: 'test' }),
    'antigena.summary': (c) => c.antigena.summary(),
    'pcaps.list': (c) => c.pcaps.list(),
    'pcaps.create': (c) => {
      const end = Math.floor(Date.now() / 1000);
      return c.pcaps.create({ ip1: '10.0.0.5', start: end - 600, end });
    },
    'pcaps.download': (c, x) => c.pcaps.download({ filename: x.pcap }),
    'devices.list': (c) => c.devices.list({ seensince: '1hour' }),
    'devices.search': (c) => c.devices.search({ count: 5 }),
    'devices.update': (c, x) => c.devices.update({ did: x.did, label: 'edited by the SDK test' }),
    'devices.summary': (c, x) => c.devices.summary({ did: x.did }),
    'devices.info': (c, x) => c.devices.info({ did: x.did, datatype: 'co' }),
    'devices.similar': (c, x) => c.devices.similar({ did: x.did, count: 3 }),
    'devices.metricData': (c, x) => c.devices.metricData({ metric: 'connections', did: x.did }),
    'details.get': (c, x) => c.details.get({ pbid: x.pbid, count: 5 }),
    'endpointDetails.get': (c) => c.endpointDetails.get({ hostname: 'example.com', additionalinfo: true }),
    'models.list': (c) => c.models.list(),
    'models.components': (c) => c.models.components(),
    'models.component': (c, x) => c.models.component({ cid: x.cid }),
    'reference.enums': (c) => c.reference.enums(),
    'reference.filterTypes': (c) => c.reference.filterTypes(),
    'reference.metrics': (c) => c.reference.metrics(),
    'reference.metric': (c, x) => c.reference.metric({ mlid: x.mlid }),
    'tags.list': (c) => c.tags.list(),
    'tags.create': (c) =>
      c.tags.create({ name: `sdk-${Date.now()}`, data: { description: 'made by a test' } }),
    'tags.remove': (c, x) => c.tags.remove({ tid: x.tid }),
    'tags.entities': (c, x) => c.tags.entities({ did: x.did }),
    'tags.tagDevice': (c, x) => c.tags.tagDevice({ did: x.did, tag: 'Admin', duration: 3600 }),
    'tags.untagDevice': (c, x) => c.tags.untagDevice({ did: x.did, tag: 'Admin' }),
    'network.subnets': (c) => c.network.subnets({ seensince: '1day' }),
    'network.updateSubnet': (c) => c.network.updateSubnet({ sid: 10, label: 'Servers' }),
    'system.status': (c) => c.system.status(),
    'system.summaryStatistics': (c) => c.system.summaryStatistics(),
    'advancedSearch.search': (c) =>
      c.advancedSearchQuery({ search: '@type:conn AND @fields.dest_port:"443"', timeframe: 3600, size: 5 }),
    'advancedSearch.searchGet': (c) =>
      c.advancedSearchQuery({ search: '@type:conn', timeframe: 600, size: 5 }, { get: true }),
    'advancedSearch.analyze': (c) =>
      c.advancedSearchAnalyze('source_ip', 'terms', { search: '@type:conn', timeframe: 600 }),
    'advancedSearch.graph': (c) =>
      c.advancedSearchGraph('count', 60_000, { search: '@type:conn', timeframe: 600 }),
    'aiAnalyst.investigations': (c) => c.aiAnalyst.investigations(),
    'aiAnalyst.investigate': (c, x) =>
      c.aiAnalyst.investigate({ did: x.did, investigateTime: String(Math.floor(Date.now() / 1000) - 3600) }),
    // A tag of their own: `tags.remove` above has deleted x.tid by now.
    'tags.get': async (c) => c.tags.get({ tid: (await ownTag(c)).tid }),
    'tags.tagEntities': async (c) => c.tags.tagEntities({ tid: (await ownTag(c)).tid }),
    'tags.addTagEntities': async (c, x) =>
      c.tags.addTagEntities({
        tid: (await ownTag(c)).tid,
        entityType: 'Device',
        entityValue: String(x.did),
        expiryDuration: 60,
      }),
    'tags.removeTagEntity': async (c, x) => {
      const { tid } = await ownTag(c);
      const [link] = await c.tags.addTagEntities({ tid, entityType: 'Device', entityValue: String(x.did) });
      return c.tags.removeTagEntity({ tid, teid: link.teid });
    },
    'intelFeed.list': (c) => c.intelFeed.list({ fulldetails: true }),
    'intelFeed.update': (c) => c.intelFeed.update({ addentry: 'sdk-test.example', description: 'sdk test' }),
    'email.search': (c) => c.searchEmails({ starttime: Date.now() - 86_400_000, endtime: Date.now() }),
    'email.get': async (c) => {
      const [e] = await c.searchEmails({ starttime: Date.now() - 86_400_000, endtime: Date.now() });
      return c.email.get({ uuid: e.uuid });
    },
    'email.action': async (c) => {
      const list = await c.searchEmails({ starttime: Date.now() - 86_400_000, endtime: Date.now() });
      const e = list.find((m) => m.rcpts.every((r) => r.rcpt_status === 'delivered'))!;
      return c.email.action({ uuid: e.uuid, action: 'hold', recipients: [e.rcpts[0].rcpt_to] });
    },
    'email.tags': (c) => c.email.tags(),
  };

  it('has a call for every catalog entry', () => {
    expect(Object.keys(calls).sort()).toEqual(
      listEndpoints()
        .map((e) => e.name)
        .sort(),
    );
  });

  it('answers every method with the documented shape', async () => {
    const c = client();
    const breaches = await c.modelBreaches.list({ includeacknowledged: true });
    expect(Array.isArray(breaches) && breaches.length).toBeTruthy();
    const b = breaches[breaches.length - 1];
    const did = b.device?.did ?? (b.triggeredComponents[0]?.device?.did as number);
    const events = await c.aiAnalyst.incidentEvents({ includeacknowledged: true });
    expect(events.length).toBeGreaterThan(0);
    const action = await c.antigena.create({
      did,
      action: 'quarantineOutgoing',
      duration: 120,
      reason: 'sdk test',
    });
    expect(action.codeid).toBeTypeOf('number');
    const comps = await c.models.components();
    const metrics = await c.reference.metrics();
    const tag = await c.tags.create({ name: `sdk-remove-${Date.now()}`, data: {} });
    const now = Math.floor(Date.now() / 1000);
    const pcap = await c.pcaps.create({
      ip1: '10.0.0.9',
      ip2: '10.0.0.10',
      port2: 443,
      protocol: 'tcp',
      start: now - 900,
      end: now,
    });
    expect(pcap.state).toBe('pending');
    const x: Ctx = {
      pbid: b.pbid,
      did,
      eventId: events[0].id,
      codeid: action.codeid,
      cid: comps[0].cid,
      mlid: metrics[0].mlid,
      tid: tag.tid,
      pcap: '',
    };
    // PCAPs become downloadable once finished.
    for (let i = 0; i < 100 && !x.pcap; i++) {
      const list = await c.pcaps.list();
      const mine = list.find((p) => p.tmqid === pcap.tmqid);
      if (mine?.state === 'finished') x.pcap = mine.filename.replace(/^\/tm\//, '');
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(x.pcap).not.toBe('');

    const results: Record<string, unknown> = {};
    for (const [name, call] of Object.entries(calls)) {
      results[name] = await call(c, x).catch((err) => {
        throw new Error(`${name}: ${err.message}`);
      });
    }
    expect((results['modelBreaches.get'] as { pbid: number }).pbid).toBe(x.pbid);
    expect(results['modelBreaches.acknowledge']).toEqual({ response: 'SUCCESS' });
    expect(results['aiAnalyst.acknowledge']).toEqual({ aianalyst: 'SUCCESS' });
    const comments = results['modelBreaches.comments'] as { message: string }[];
    expect(Array.isArray(comments)).toBe(true);
    const after = await c.modelBreaches.comments({ pbid: x.pbid });
    expect(after.map((m) => m.message)).toContain('Investigating');
    const aiaComments = await c.aiAnalyst.comments({ incident_id: x.eventId });
    expect(aiaComments.comments.map((m) => m.message)).toContain('Looking');
    const download = results['pcaps.download'] as Uint8Array;
    expect(download).toBeInstanceOf(Uint8Array);
    // libpcap magic number, either byte order.
    expect([0xa1b2c3d4, 0xd4c3b2a1]).toContain(Buffer.from(download).readUInt32LE(0));
    expect((results['system.status'] as { version: string }).version).toBeTruthy();
    expect(Array.isArray(results['models.list'])).toBe(true);
    expect((results['devices.search'] as { devices: unknown[] }).devices.length).toBeGreaterThan(0);
    expect(results['devices.update']).toMatchObject({
      response: 'SUCCESS',
      device: { did: x.did, devicelabel: 'edited by the SDK test' },
    });
    expect(((await c.devices.list({ did: x.did })) as { devicelabel?: string }).devicelabel).toBe(
      'edited by the SDK test',
    );
    expect(results['network.updateSubnet']).toEqual({ response: 'SUCCESS' });
    const tags = (await c.tags.entities({ did: x.did })) as { name: string }[];
    expect(tags.some((t) => t.name === 'Admin')).toBe(false); // untagged again at the end
    const actions = await c.antigena.list({ includehistory: true });
    const list = Array.isArray(actions) ? actions : actions.actions;
    const mine = list.find((a) => a.codeid === x.codeid);
    expect(mine?.manual).toBe(true);
    expect(mine?.triggerer?.reason).toBe('sdk test');
    expect((results['tags.get'] as { tid: number }).tid).toBe(own!.tid);
    expect(results['tags.addTagEntities']).toMatchObject([{ tid: own!.tid, entityValue: String(x.did) }]);
    expect(results['tags.removeTagEntity']).toEqual({ response: 'SUCCESS' });
    expect(results['intelFeed.update']).toEqual({ added: 1, response: 'SUCCESS', updated: 0 });
    expect(results['email.action']).toEqual({ code: 0, resp: 'Held Email' });
    expect((results['aiAnalyst.investigate'] as { investigationId: string }).investigationId).toMatch(
      /^[0-9a-f-]{36}$/,
    );
    expect(
      (results['advancedSearch.analyze'] as { hits: { hits: { id: string }[] } }).hits.hits[0].id,
    ).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('activates, extends and clears a RESPOND action', async () => {
    const c = client();
    const [b] = await c.modelBreaches.list({ includeacknowledged: true, deviceattop: true });
    const { codeid } = await c.antigena.create({
      did: b.device!.did,
      action: 'quarantine',
      duration: 60,
      reason: 'x',
    });
    await c.activateAction(codeid, 'confirmed');
    await c.extendAction(codeid, 3600, 'longer');
    await c.clearAction(codeid, 'done');
    const actions = await c.antigena.list({ includecleared: true });
    const a = (Array.isArray(actions) ? actions : actions.actions).find((x) => x.codeid === codeid)!;
    expect(a.cleared).toBe(true);
    expect(a.active).toBe(false);
  });
});

describe('errors say what is wrong and what to do', () => {
  it('wrong private token: a signature error with status, Darktrace text and path, and no secret', async () => {
    const err = await rejection(client({ privateToken: 'not-the-private-token' }).system.status());
    expect(err).toBeInstanceOf(DarktraceSignatureError);
    expect(err.status).toBe(400);
    expect(err.darktraceMessage).toBe('API SIGNATURE ERROR');
    expect(err.path).toBe('/status');
    expect(err.message).toMatch(/private token/);
    const text = `${err.message} ${JSON.stringify(err)} ${err.stack}`;
    expect(text).not.toContain('not-the-private-token');
    expect(text).not.toContain(PRIV);
  });

  it('unknown public token or route: redirected to /login', async () => {
    const e1 = await rejection(client({ publicToken: 'nobody' }).system.status());
    expect(e1).toBeInstanceOf(DarktraceAuthError);
    const e2 = await rejection(client().raw('GET', '/no/such/route'));
    expect(e2).toBeInstanceOf(DarktraceAuthError);
    expect(e2.status).toBe(302);
    expect(e2.message).toMatch(/URL/);
  });

  it('a token without the permission: 302 /403 and 403 both give a permission error', async () => {
    const [b] = await client().modelBreaches.list();
    const e1 = await rejection(
      client({ publicToken: DENIED_PUB, privateToken: DENIED_PRIV }).modelBreaches.acknowledge({
        pbid: b.pbid,
      }),
    );
    expect(e1).toBeInstanceOf(DarktracePermissionError);
    expect(e1.status).toBe(302);
    const e2 = await rejection(
      client({ publicToken: 'forbidden-public', privateToken: 'forbidden-private' }).system.status(),
    );
    expect(e2).toBeInstanceOf(DarktracePermissionError);
    expect(e2.status).toBe(403);
  });

  it('not found and bad parameters', async () => {
    const e1 = await rejection(client().modelBreaches.get({ pbid: 987_654_321 }));
    expect(e1).toBeInstanceOf(DarktraceNotFoundError);
    expect(e1.status).toBe(404);
    const now = Math.floor(Date.now() / 1000);
    const e2 = await rejection(client().pcaps.create({ ip1: '10.0.0.1', start: now - 3600, end: now }));
    expect(e2).toBeInstanceOf(DarktraceBadRequestError);
    expect(e2.status).toBe(400);
  });

  it('bad configuration is refused before any request, naming the problem', () => {
    expect(() => new DarktraceClient({ url: 'not a url', publicToken: 'a', privateToken: 'b' })).toThrow(
      DarktraceConfigError,
    );
    expect(() => new DarktraceClient({ url: 'ftp://x', publicToken: 'a', privateToken: 'b' })).toThrow(
      /https/,
    );
    expect(() => new DarktraceClient({ url: 'https://x', publicToken: '', privateToken: 'b' })).toThrow(
      /public token is empty/,
    );
    expect(() => new DarktraceClient({ url: 'https://x', publicToken: 'a', privateToken: ' ' })).toThrow(
      /private token is empty/,
    );
    expect(
      () => new DarktraceClient({ url: 'https://x/api?x=1', publicToken: 'a', privateToken: 'b' }),
    ).toThrow(/base URL/);
  });

  it('an unreachable appliance is a network error that names the cause', async () => {
    const err = await rejection(client({ url: 'http://127.0.0.1:9', retries: 0 }).system.status());
    expect(err).toBeInstanceOf(DarktraceNetworkError);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});

describe('faults: retries, clock skew, timeouts, bodies', () => {
  it('retries 503 and 500 on reads and succeeds once the appliance recovers', async () => {
    const { log, lines } = recordingLogger();
    sim.setFaults({ errorRate: 1, errorStatus: 503 });
    const c = client({ logger: log, retries: 8, retryBaseMs: 20 });
    setTimeout(() => sim.setFaults({ errorRate: 0 }), 150);
    const status = await c.system.status();
    expect(status.version).toBeTruthy();
    expect(lines.filter((l) => l.msg.startsWith('retrying')).length).toBeGreaterThan(0);
  });

  it('gives up with a server error after the retries', async () => {
    sim.setFaults({ errorRate: 1, errorStatus: 500 });
    try {
      const err = await rejection(client({ retries: 2 }).system.status());
      expect(err).toBeInstanceOf(DarktraceServerError);
      expect(err.status).toBe(500);
    } finally {
      sim.setFaults({ errorRate: 0 });
    }
  });

  it('honours Retry-After on 429', async () => {
    sim.setFaults({ errorRate: 1, errorStatus: 429, retryAfterSeconds: 1 });
    try {
      const started = Date.now();
      const err = await rejection(client({ retries: 1 }).system.status());
      expect(err).toBeInstanceOf(DarktraceRateLimitError);
      expect((err as DarktraceRateLimitError).retryAfterMs).toBe(1000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    } finally {
      sim.setFaults({ errorRate: 0 });
    }
  });

  it('does not retry a POST that the appliance may have applied', async () => {
    const { log, lines } = recordingLogger();
    const [b] = await client().modelBreaches.list();
    sim.setFaults({ errorRate: 1, errorStatus: 500 });
    try {
      const err = await rejection(
        client({ logger: log, retries: 3 }).modelBreaches.acknowledge({ pbid: b.pbid }),
      );
      expect(err).toBeInstanceOf(DarktraceServerError);
      expect(err.message).toMatch(/verify with a read/);
      expect(lines.filter((l) => l.msg.startsWith('retrying'))).toHaveLength(0);
    } finally {
      sim.setFaults({ errorRate: 0 });
    }
  });

  it('corrects a skewed clock from the Date header, warns once, and keeps the offset', async () => {
    const { log, lines } = recordingLogger();
    sim.setFaults({ clockSkewSeconds: 2 * 3600 });
    try {
      const c = client({ logger: log });
      const status = await c.system.status();
      expect(status.version).toBeTruthy();
      expect(Math.abs(c.clockOffsetMs - 2 * 3600 * 1000)).toBeLessThan(5000);
      const warns = lines.filter((l) => l.level === 'warn');
      expect(warns).toHaveLength(1);
      expect(warns[0].msg).toMatch(/clock is off by -?7\d{3} s/);
      expect(warns[0].msg).toMatch(/NTP/);
      await c.system.status();
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    } finally {
      sim.setFaults({ clockSkewSeconds: 0 });
    }
  });

  it('times out a slow appliance with a clear message', async () => {
    sim.setFaults({ latencyMs: 1500 });
    try {
      const err = await rejection(client({ timeoutMs: 200, retries: 0 }).system.status());
      expect(err).toBeInstanceOf(DarktraceTimeoutError);
      expect(err.message).toMatch(/within 200 ms/);
    } finally {
      sim.setFaults({ latencyMs: 0 });
    }
  });

  it('a truncated body is a bad-response error, retried', async () => {
    sim.setFaults({ truncateRate: 1 });
    try {
      const err = await rejection(client({ retries: 1 }).modelBreaches.list());
      expect(err).toBeInstanceOf(DarktraceError);
      expect(['bad_response', 'network']).toContain(err.code);
    } finally {
      sim.setFaults({ truncateRate: 0 });
    }
  });

  it('a revoked token is refused', async () => {
    sim.setFaults({ revokedTokens: [PUB] });
    try {
      const err = await rejection(client().system.status());
      expect(err).toBeInstanceOf(DarktraceAuthError);
    } finally {
      sim.setFaults({ revokedTokens: [] });
    }
  });

  it('an HTML login page instead of JSON says so', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><head><title>Log In | Darktrace</title></head></html>');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const err = await rejection(client({ url, retries: 0 }).system.status());
      expect(err).toBeInstanceOf(DarktraceResponseError);
      expect(err.message).toMatch(/login page/);
    } finally {
      server.close();
    }
  });
});

describe('TLS and proxies', () => {
  let tls: TlsMaterial;
  const sims: Simulator[] = [];
  const tlsSim = async (pair: { key: string; cert: string }) => {
    const s = await startSimulator({
      publicToken: PUB,
      privateToken: PRIV,
      tls: pair,
      history: { count: 50, days: 1 },
    });
    sims.push(s);
    return s;
  };
  beforeAll(() => {
    tls = makeTlsMaterial();
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  it('a self-signed appliance: refused with advice, accepted with skip-verification or its CA', async () => {
    const s = await tlsSim(tls.selfSigned);
    expect(s.url).toMatch(/^https:/);
    const err = await rejection(client({ url: s.url, retries: 0 }).system.status());
    expect(err).toBeInstanceOf(DarktraceTlsError);
    expect((err as DarktraceTlsError).problem).toBe('self-signed');
    expect(err.message).toMatch(/caFile|insecure/);
    expect((await client({ url: s.url, tls: { insecure: true } }).system.status()).version).toBeTruthy();
    expect(
      (await client({ url: s.url, tls: { ca: tls.selfSigned.cert } }).system.status()).version,
    ).toBeTruthy();
  });

  it('a certificate from a private CA: accepted with the CA file', async () => {
    const s = await tlsSim(tls.good);
    const err = await rejection(client({ url: s.url, retries: 0 }).system.status());
    expect((err as DarktraceTlsError).problem).toBe('untrusted');
    expect((await client({ url: s.url, tls: { caFile: tls.caFile } }).system.status()).version).toBeTruthy();
  });

  it('names a wrong host and an expired certificate', async () => {
    const wrong = await tlsSim(tls.wrongHost);
    const e1 = await rejection(
      client({ url: wrong.url, retries: 0, tls: { caFile: tls.caFile } }).system.status(),
    );
    expect((e1 as DarktraceTlsError).problem).toBe('wrong-host');
    const expired = await tlsSim(tls.expired);
    const e2 = await rejection(
      client({ url: expired.url, retries: 0, tls: { caFile: tls.caFile } }).system.status(),
    );
    expect((e2 as DarktraceTlsError).problem).toBe('expired');
  });

  it('goes through an HTTP proxy', async () => {
    const seen: string[] = [];
    const proxy: Server = createProxy(createServer());
    proxy.on('connect', (req) => seen.push(`CONNECT ${req.url}`));
    proxy.on('request', (req) => seen.push(`${req.method} ${req.url}`));
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const s = await tlsSim(tls.good);
      const status = await client({
        url: s.url,
        proxy: proxyUrl,
        tls: { caFile: tls.caFile },
      }).system.status();
      expect(status.version).toBeTruthy();
      expect(seen.some((l) => l.includes(`127.0.0.1:${new URL(s.url).port}`))).toBe(true);
    } finally {
      proxy.close();
    }
  });
});

describe('polling helpers', () => {
  it('searchEmails: adjacent windows split the messages exactly, across pages', async () => {
    const c = client();
    const end = Date.now();
    const mid = end - 5 * 3_600_000 + 123;
    const start = end - 12 * 3_600_000;
    const whole = await c.searchEmails({ starttime: start, endtime: end, itemsPerPage: 7 });
    const first = await c.searchEmails({ starttime: start, endtime: mid, itemsPerPage: 7 });
    const second = await c.searchEmails({ starttime: mid, endtime: end, itemsPerPage: 7 });
    expect(whole.length).toBeGreaterThan(14);
    expect([...second, ...first].map((e) => e.uuid)).toEqual(whole.map((e) => e.uuid));
    expect(first.every((e) => e.dtime_unix >= start && e.dtime_unix < mid)).toBe(true);
    const times = whole.map((e) => e.dtime_unix);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const high = await c.searchEmails({ starttime: start, endtime: end, minScore: 79 });
    expect(high.map((e) => e.uuid)).toEqual(whole.filter((e) => e.model_score > 79).map((e) => e.uuid));
  });

  it('respondActions: every action with its history, cleared ones included, in one array', async () => {
    const c = client();
    const [b] = await c.modelBreaches.list({ includeacknowledged: true, deviceattop: true });
    const { codeid } = await c.antigena.create({
      did: b.device!.did,
      action: 'pol',
      duration: 600,
      reason: 'poll',
    });
    await c.clearAction(codeid, 'done');
    const list = await c.respondActions({ starttime: Date.now() - 60_000, endtime: Date.now() });
    const mine = list.find((a) => a.codeid === codeid)!;
    expect(mine.history!.map((h) => h.action)).toEqual(['created', 'cleared']);
    expect(mine).toMatchObject({ cleared: true, active: false });
    expect(list.every((a) => Array.isArray(a.history))).toBe(true);
  });
});

describe('/EMAIL base paths (API doc §15)', () => {
  it('falls back to the other base path when the first is not served, and keeps the one that answered', async () => {
    const only = await startSimulator({
      publicToken: PUB,
      privateToken: PRIV,
      history: { count: 50, days: 1 },
      email: { basePaths: ['/agemail/api/ep/api/v1.0'] },
    });
    const debug: string[] = [];
    const c = new DarktraceClient({
      url: only.url,
      publicToken: PUB,
      privateToken: PRIV,
      retries: 0,
      logger: { debug: (m) => debug.push(m), info() {}, warn() {}, error() {} },
    });
    try {
      const before = only.state().requests;
      const tags = await c.email.tags();
      expect(tags.map((t) => t.name)).toContain('Phishing Link');
      expect(only.state().requests - before).toBe(2);
      expect(debug.join('\n')).toMatch(
        /\/agemail\/api\/v1\.0\/resources\/tags is not served here; trying \/agemail\/api\/ep\/api\/v1\.0/,
      );
      await c.email.tags();
      expect(only.state().requests - before).toBe(3);
      // Each call's path is learnt on its own; a 404 from the right base is not a reason to switch.
      const err = await c.email.get({ uuid: '00000000-0000-0000-0000-000000000000.1' }).catch((e) => e);
      expect(err).toBeInstanceOf(DarktraceNotFoundError);
      expect(err.path).toMatch(/^\/agemail\/api\/ep\/api\/v1\.0\/emails\//);
      expect(err.darktraceMessage).toBe('Email not found');
      // A wrong token is still a 302 /login after both bases were tried.
      const stranger = new DarktraceClient({
        url: only.url,
        publicToken: 'nobody',
        privateToken: 'x',
        retries: 0,
      });
      await expect(stranger.email.tags()).rejects.toBeInstanceOf(DarktraceAuthError);
      await stranger.close();
    } finally {
      await c.close();
      await only.close();
    }
  });
});
