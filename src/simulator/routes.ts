// One handler per catalog entry. The table's type is derived from the catalog, so adding an endpoint
// to src/darktrace/endpoints.ts without a handler here fails to compile.
import { Readable } from 'node:stream';
import type { Catalog } from '../darktrace/endpoints.ts';
import { decodeSearchHash } from '../darktrace/search.ts';
import type { AiaIncidentEvent, Device, ModelBreach } from '../darktrace/types.ts';
import type { AiAnalyst } from './aianalyst.ts';
import type { SimUser } from './auth.ts';
import { type BreachCore, SALT, type SerializeOptions, type Timeline } from './breaches.ts';
import type { EmailStream } from './email.ts';
import { EMAIL_TAGS } from './email.ts';
import { badRequest, HttpError, notFound, type Params, Raw, timeWindow, trimResponse } from './http.ts';
import { updateDevice, updateSubnet } from './inventory.ts';
import { dtTime, h32, u } from './prng.ts';
import { type ApplianceState, pcapFile } from './state.ts';
import type { World } from './world.ts';

export interface Ctx {
  p: Params;
  params: Record<string, string>;
  user: SimUser;
  now: number;
  sim: SimContext;
}

export interface SimContext {
  world: World;
  tl: Timeline;
  aia: AiAnalyst;
  state: ApplianceState;
  email: EmailStream;
  /** Host name used in breach and incident URLs. */
  host: string;
  unifiedView: boolean;
}

export type Handler = (ctx: Ctx) => unknown;
export type Handlers = { [F in keyof Catalog]: { [O in keyof Catalog[F]]: Handler } };

const DAY = 86_400_000;
const YEAR = 365 * DAY;
const SUCCESS = { response: 'SUCCESS' };
const AIA_SUCCESS = { aianalyst: 'SUCCESS' };

// ---------- model breaches ----------

function breachOptions(ctx: Ctx): SerializeOptions {
  const p = ctx.p;
  return {
    thenNow: !p.bool('historicmodelonly', false),
    deviceAtTop: p.bool('deviceattop', true),
    minimal: p.bool('minimal', false),
    breachUrlPrefix: p.bool('includebreachurl', false) ? `https://${ctx.sim.host}/#modelbreach/` : undefined,
    groupDevice: p.str('group') === 'device',
  };
}

function breachFilter(ctx: Ctx): (c: BreachCore) => boolean {
  const p = ctx.p;
  const tl = ctx.sim.tl;
  const minscore = p.num('minscore');
  const did = p.int('did');
  const pid = p.int('pid');
  const uuid = p.str('uuid');
  const withAck = p.bool('includeacknowledged', false);
  const saasonly = p.bool('saasonly', false);
  // `office365*`-style wildcards over the SaaS module (a trailing `*` is required, §6.1).
  const saas = p
    .all('saasfilter')
    .map((f) => new RegExp(`^${f.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i'));
  return (c) =>
    (saas.length === 0 || saas.some((re) => re.test(String(c.device.saasmodule ?? '')))) &&
    (minscore === undefined || c.score >= minscore) &&
    (did === undefined || c.device.did === did) &&
    (pid === undefined || c.model.model.pid === pid) &&
    (uuid === undefined || c.model.model.uuid === uuid) &&
    (!saasonly || c.device.sid === -9) &&
    (withAck || tl.acknowledged(c) === false);
}

function findBreach(ctx: Ctx, pbid: number): BreachCore | undefined {
  const tl = ctx.sim.tl;
  const key = tl.keyOfPbid(pbid);
  return tl.exists(key, ctx.now) ? tl.core(key) : undefined;
}

function requireBreach(ctx: Ctx, raw: string | undefined): BreachCore {
  const pbid = Number(raw);
  if (!Number.isInteger(pbid)) throw badRequest('Invalid pbid');
  const c = findBreach(ctx, pbid);
  if (!c) throw notFound(`Model breach ${pbid} not found`);
  return c;
}

/** Streams a JSON array of breaches in chunks: a 50,000-breach window never sits in memory whole. */
function streamBreaches(tl: Timeline, it: Iterable<BreachCore>, o: SerializeOptions): Readable {
  function* chunks(): Generator<string> {
    let buf = '[';
    let first = true;
    for (const c of it) {
      buf += first ? tl.serialize(c, o) : `,${tl.serialize(c, o)}`;
      first = false;
      if (buf.length > 1_048_576) {
        yield buf;
        buf = '';
      }
    }
    yield `${buf}]`;
  }
  return Readable.from(chunks(), { objectMode: false });
}

function listBreaches(ctx: Ctx): unknown {
  const { p, sim, now } = ctx;
  const tl = sim.tl;
  const o = breachOptions(ctx);
  const responsedata = p.str('responsedata');
  const pbidParam = p.str('pbid');
  if (pbidParam !== undefined) {
    const ids = pbidParam
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length === 1) {
      const c = requireBreach(ctx, ids[0]);
      return trimResponse(tl.object(c, { ...o, deviceBoth: true }), responsedata);
    }
    const found = ids.map((s) => findBreach(ctx, Number(s))).filter((c): c is BreachCore => !!c);
    return trimResponse(
      found.map((c) => tl.object(c, o)),
      responsedata,
    );
  }
  const { start, end } = timeWindow(p, now, YEAR, YEAR);
  const keep = breachFilter(ctx);
  const count = p.int('count');
  const onCreation = p.bool('creationtime', false);
  function* selected(): Generator<BreachCore> {
    let n = 0;
    for (const c of tl.window(start, end, onCreation, now)) {
      if (count !== undefined && n >= count) return;
      if (!keep(c)) continue;
      n++;
      yield c;
    }
  }
  if (responsedata)
    return trimResponse(
      [...selected()].map((c) => tl.object(c, o)),
      responsedata,
    );
  return new Raw(streamBreaches(tl, selected(), o));
}

/** `{"response":"SUCCESS"}`, or a Unified View master's replication answer (xsoar/ack_success_UV.json). */
function ackAnswer(ctx: Ctx, c: BreachCore): unknown {
  if (!ctx.sim.unifiedView) return SUCCESS;
  return [
    {
      replicate: true,
      data: [
        {
          did: c.device.did,
          pid: c.model.model.pid,
          time: Math.floor(c.time / 1000),
          score: Math.round(c.score * 100),
        },
      ],
    },
  ];
}

function commentView(c: { message: string; username: string; time: number; pid: number }) {
  return { message: c.message, username: c.username, time: c.time, pid: c.pid };
}

// ---------- AI Analyst ----------

function selectEvents(ctx: Ctx, groupsEndpoint: boolean): AiaIncidentEvent[] {
  const { p, sim, now } = ctx;
  const aia = sim.aia;
  const uuidParam = p.str('uuid');
  if (uuidParam) {
    // uuid overrides every other filter.
    return uuidParam
      .split(',')
      .map((s) => aia.get(s.trim(), now))
      .filter((e): e is AiaIncidentEvent => !!e);
  }
  const { start, end } = timeWindow(p, now, 7 * DAY);
  const onlyPinned = p.bool('includeonlypinned', false);
  const allPinned = p.bool('includeallpinned', true);
  let events = aia.window(start, end, now);
  if (allPinned || onlyPinned) {
    const seen = new Set(events.map((e) => e.id));
    for (const e of aia.pinned(now)) if (!seen.has(e.id)) events.push(e);
    events.sort((a, b) => a.createdAt - b.createdAt);
  }
  if (onlyPinned) events = events.filter((e) => e.pinned);
  const withAck = p.bool('includeacknowledged', false);
  const minscore = p.num('minscore');
  const maxscore = p.num('maxscore');
  const ming = p.num('mingroupscore');
  const maxg = p.num('maxgroupscore');
  const did = p.int('did');
  const excludedid = p.int('excludedid');
  const sid = p.int('sid');
  const excludesid = p.int('excludesid');
  const groupid = p.str('groupid');
  const saasonly = p.bool('saasonly', false);
  const cat = (name: string) => p.bool(groupsEndpoint ? name : `group${name}`, true);
  const cats = { compliance: cat('compliance'), suspicious: cat('suspicious'), critical: cat('critical') };
  return events.filter((e) => {
    const gs = Number(e.groupScore);
    const dids = e.breachDevices.map((d) => d.did);
    const sids = e.breachDevices.map((d) => d.sid);
    return (
      (withAck || !e.acknowledged) &&
      (minscore === undefined || e.aiaScore >= minscore) &&
      (maxscore === undefined || e.aiaScore <= maxscore) &&
      (ming === undefined || gs >= ming) &&
      (maxg === undefined || gs <= maxg) &&
      (did === undefined || dids.includes(did)) &&
      (excludedid === undefined || !dids.includes(excludedid)) &&
      (sid === undefined || sids.includes(sid)) &&
      (excludesid === undefined || !sids.includes(excludesid)) &&
      (groupid === undefined || e.currentGroup === groupid) &&
      (!saasonly || sids.includes(-9)) &&
      (cats as Record<string, boolean>)[e.groupCategory] !== false
    );
  });
}

function aiaUuids(ctx: Ctx): string[] {
  const ids = ctx.p
    .require('uuid')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids)
    if (!ctx.sim.aia.get(id, ctx.now)) throw badRequest(`Invalid incident event uuid ${id}`);
  return ids;
}

// ---------- devices ----------

function deviceOrThrow(ctx: Ctx, did: number | undefined): Device {
  if (did === undefined) throw badRequest('Missing required parameter did');
  const d = ctx.sim.world.byDid.get(did);
  if (!d) throw notFound(`Device ${did} not found`);
  return d;
}

function tagsOf(ctx: Ctx, did: number) {
  const tids = new Set(
    ctx.sim.state
      .linksNow(ctx.now)
      .filter((l) => l.did === did)
      .map((l) => l.tid),
  );
  return ctx.sim.state.tags.filter((t) => tids.has(t.tid));
}

/** `/devices` says `time`/`endtime` (and `id`) where every other endpoint says firstSeen/lastSeen. */
function devicesView(d: Device, tags?: unknown[]): Record<string, unknown> {
  const { firstSeen, lastSeen, ...rest } = d;
  return { id: d.did, ...rest, time: firstSeen, endtime: lastSeen, ...(tags ? { tags } : {}) };
}

function withTags(ctx: Ctx, d: Device): Device {
  return { ...d, tags: tagsOf(ctx, d.did) };
}

/** A device as embedded in /details records: `time` is a string of ms there. */
function detailDevice(d: Device): Record<string, unknown> {
  const { firstSeen, lastSeen, credentials, ...rest } = d;
  return { id: d.did, ...rest, time: String(firstSeen ?? 0) };
}

function parseSeensince(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(\d+)\s*(second|sec|min|minute|hour|day|week|month)?s?$/i.exec(s.trim());
  if (!m) throw badRequest('Invalid value for parameter seensince');
  const mult: Record<string, number> = {
    second: 1,
    sec: 1,
    min: 60,
    minute: 60,
    hour: 3600,
    day: 86400,
    week: 604800,
    month: 2592000,
  };
  return Number(m[1]) * (mult[(m[2] ?? 'second').toLowerCase()] ?? 1) * 1000;
}

function similarDevices(ctx: Ctx, d: Device, count: number): Device[] {
  const pool = d.sid === -9 ? ctx.sim.world.saas : ctx.sim.world.internal;
  const same = pool.filter((x) => x.did !== d.did && x.typename === d.typename);
  const rest = pool.filter((x) => x.did !== d.did && x.typename !== d.typename);
  return [...same, ...rest].slice(0, count).map((x, i) => ({ ...x, score: Math.max(1, 99 - i * 3) }));
}

function deviceInfo(ctx: Ctx, d: Device) {
  const seed = ctx.sim.world.seed;
  const hour = 3_600_000;
  const end = Math.floor(ctx.now / hour) * hour;
  const graphData = Array.from({ length: 48 }, (_, i) => ({
    time: end - (47 - i) * hour,
    count: h32(seed, d.did * 100 + i, 70) % 400,
  }));
  const peers = ctx.sim.world.internal.filter((x) => x.did !== d.did).slice(0, 6);
  const ports = [53, 443, 80, 445, 123, 22];
  const firstTime = d.firstSeen ?? ctx.now - 30 * DAY;
  const used = ports.map((port, i) => ({ port, size: Math.max(1, 40 - i * 7), firstTime }));
  const devicesUsed = [
    { did: -6, size: 37, firstTime },
    ...peers.map((x, i) => ({ did: x.did, size: Math.max(1, 25 - i * 4), firstTime })),
  ];
  return {
    did: d.did,
    similarityScore: 100,
    graphData,
    info: {
      totalUsed: graphData.reduce((a, g) => a + g.count, 0),
      totalServed: 0,
      totalDevicesAndPorts: graphData.reduce((a, g) => a + g.count, 0),
      devicesAndPorts: peers.map((x, i) => ({
        deviceAndPort: { direction: 'out', device: x.did, port: ports[i % ports.length] },
        size: Math.max(1, 24 - i * 3),
      })),
      portsUsed: used,
      portsServed: [],
      devicesUsed,
      devicesServed: [],
    },
  };
}

function connectionRecord(
  ctx: Ctx,
  d: Device,
  i: number,
  t: number,
  failedIn = false,
  forcePort?: number,
): Record<string, unknown> {
  const seed = ctx.sim.world.seed;
  const ext = ctx.sim.world.externals[h32(seed, d.did * 1000 + i, 71) % ctx.sim.world.externals.length];
  const port = forcePort ?? [443, 80, 53, 22][h32(seed, d.did * 1000 + i, 72) % 4];
  // DNS goes to an internal DNS server, not straight out.
  const dnsServer =
    port === 53 && !failedIn ? ctx.sim.world.internal.find((x) => x.typename === 'dnsserver') : undefined;
  const bytesOut = 60 + (h32(seed, i, 73) % 50_000);
  const bytesIn = 150 + (h32(seed, i, 74) % 500_000);
  const extDev = {
    longitude: ext.longitude,
    latitude: ext.latitude,
    city: ext.city,
    country: ext.country,
    countrycode: ext.countrycode,
    asn: ext.asn,
    region: ext.region,
    ip: ext.ip,
    hostname: ext.hostname,
    ippopularity: String(ext.popularity),
    connectionippopularity: String(ext.popularity),
    hostnamepopularity: String(ext.popularity),
  };
  const rec: Record<string, unknown> = {
    time: dtTime(t),
    timems: t,
    action: 'connection',
    eventType: 'connection',
    recentbytessincems: t,
    recentbytessince: dtTime(t),
    recentbytesout: bytesOut,
    recentbytesin: bytesIn,
    totalbytessincems: t,
    totalbytessince: dtTime(t),
    totalbytesout: bytesOut,
    totalbytesin: bytesIn,
    uid: `C${h32(seed, i, 75).toString(36)}${h32(seed, i, 76).toString(36)}`.slice(0, 18),
    status: failedIn ? 'failed' : 'ongoing',
    sdid: failedIn ? 0 : d.did,
    ddid: failedIn ? d.did : (dnsServer?.did ?? 0),
    port,
    sourcePort: 32768 + (h32(seed, i, 77) % 28000),
    destinationPort: port,
    direction: failedIn ? 'in' : 'out',
    applicationprotocol: port === 443 ? 'SSL' : port === 80 ? 'HTTP' : port === 53 ? 'DNS' : 'SSH',
    protocol: port === 53 ? 'UDP' : 'TCP',
    sourceDevice: failedIn ? extDev : detailDevice(d),
    destinationDevice: failedIn ? detailDevice(d) : dnsServer ? detailDevice(dnsServer) : extDev,
    source: failedIn ? ext.ip : (d.ip ?? ''),
    destination: failedIn ? (d.hostname ?? d.ip ?? '') : dnsServer ? (dnsServer.ip ?? '') : ext.hostname,
    'antigena-email': false,
  };
  if (port === 53) {
    rec.dns = {
      hostname: ext.hostname,
      success: true,
      'antigena-email': false,
      hostnamepopularity: String(ext.popularity),
      internal: false,
    };
  }
  return rec;
}

function deviceDetails(ctx: Ctx, d: Device, start: number, end: number, count: number, eventtype?: string) {
  const seed = ctx.sim.world.seed;
  const out: Record<string, unknown>[] = [];
  const step = 120_000;
  const first = Math.ceil(start / step);
  for (let s = Math.floor(end / step); s >= first && out.length < count; s--) {
    const t = s * step + (h32(seed, s, d.did) % step);
    if (t > end || t < start) continue;
    const kind = h32(seed, s, d.did + 1) % 10;
    if (kind === 0 && (!eventtype || eventtype === 'notice')) {
      out.push({
        time: dtTime(t),
        timems: t,
        action: 'notice',
        eventType: 'notice',
        nid: 30000 + (s % 100000),
        uid: `CM${h32(seed, s, 78).toString(36)}`,
        direction: 'in',
        mlid: 328,
        type: 'SSH::Undetermined_Encryption_Step',
        msg: 'Unable to determine login failure or success from encrypted traffic.',
        destinationPort: 22,
        details: `${1000 + (s % 5000)} bytes delivered in connection and 0 bytes undelivered.`,
        sourceDevice: connectionRecord(ctx, d, s, t, true).sourceDevice,
        destinationDevice: detailDevice(d),
        source: String((connectionRecord(ctx, d, s, t, true).sourceDevice as { ip: string }).ip),
        destination: d.hostname ?? d.ip ?? '',
      });
    } else if (kind === 1 && (!eventtype || eventtype === 'devicehistory')) {
      out.push({
        time: dtTime(t),
        timems: t,
        eventType: 'deviceHistory',
        name: s % 2 ? 'removetag' : 'addtag',
        value: ctx.sim.world.tags[s % ctx.sim.world.tags.length].name,
        reason: s % 2 ? 'Expired' : 'Manual',
        device: detailDevice(d),
        deviceName: d.hostname ?? d.ip ?? String(d.did),
      });
    } else if (!eventtype || eventtype === 'connection') {
      out.push(connectionRecord(ctx, d, s, t, kind === 2));
    }
  }
  return out;
}

function breachRecord(ctx: Ctx, c: BreachCore): Record<string, unknown> {
  const m = c.model.model;
  const ack = ctx.sim.tl.acknowledged(c);
  return {
    time: dtTime(c.time),
    timems: c.time,
    pbid: c.pbid,
    pid: m.pid,
    phid: m.phid,
    eventType: 'policybreach',
    action: 'policybreach',
    creationTime: c.creationTime,
    creationTimestamp: dtTime(c.creationTime),
    name: m.name,
    components: c.model.components.map((x) => x.cid),
    didRestrictions: [],
    didExclusions: [],
    throttle: m.throttle,
    sharedEndpoints: m.sharedEndpoints,
    interval: m.interval,
    sequenced: m.sequenced ?? false,
    active: m.active,
    retired: false,
    instanceID: 19000 + (c.key % 1000),
    acknowledged: ack !== false,
    state: ack === false ? 'New' : 'Acknowledged',
    score: c.score,
    commentCount: ctx.sim.tl.comments(c).length,
    componentBreaches: [c.key * 3 + 100],
    componentBreachTimes: [c.time - 1000],
    devices: [c.device.did],
    deviceLabels: [c.device.devicelabel ?? ''],
  };
}

// ---------- the handlers ----------

export const handlers: Handlers = {
  modelBreaches: {
    list: listBreaches,
    get: (ctx) => {
      const c = requireBreach(ctx, ctx.params.pbid);
      const o = { ...breachOptions(ctx), deviceBoth: true };
      return trimResponse(ctx.sim.tl.object(c, o), ctx.p.str('responsedata'));
    },
    acknowledge: (ctx) => {
      const c = requireBreach(ctx, ctx.params.pbid);
      ctx.sim.tl.setAcknowledged(c, { time: ctx.now, username: ctx.user.username });
      return ackAnswer(ctx, c);
    },
    unacknowledge: (ctx) => {
      const c = requireBreach(ctx, ctx.params.pbid);
      ctx.sim.tl.setAcknowledged(c, false);
      return ackAnswer(ctx, c);
    },
    comments: (ctx) => {
      const c = requireBreach(ctx, ctx.params.pbid);
      return trimResponse(ctx.sim.tl.comments(c).map(commentView), ctx.p.str('responsedata'));
    },
    addComment: (ctx) => {
      const c = requireBreach(ctx, ctx.params.pbid);
      const message = ctx.p.require('message');
      const stored = ctx.sim.tl.addComment(c, message, ctx.user.username, ctx.now);
      // Current appliances answer with the stored comment (xsoar/comment_post.json).
      return [stored];
    },
    searchComments: (ctx) => {
      const { p, sim, now } = ctx;
      const tl = sim.tl;
      const count = p.int('count') ?? 100;
      const rows: Record<string, unknown>[] = [];
      const push = (c: BreachCore) => {
        for (const cm of tl.comments(c)) {
          rows.push({
            time: cm.time,
            pbid: c.pbid,
            username: cm.username,
            message: cm.message,
            pid: cm.pid,
            name: c.model.model.name,
          });
        }
      };
      const pbid = p.str('pbid');
      if (pbid !== undefined) {
        push(requireBreach(ctx, pbid));
      } else {
        const { start, end } = timeWindow(p, now, 7 * DAY);
        // Generated comments sit on ~4% of history breaches: test that before building a breach.
        const lo = tl.lowerBound(start - 3_600_000 - tl.maxLag);
        const hi = tl.lowerBound(end + 1);
        for (let k = lo; k < hi; k++) {
          if (u(tl.seed, k, SALT.CMT) < 0.04 && !tl.overlay.has(k) && tl.exists(k, now)) push(tl.core(k));
        }
        for (const k of tl.overlay.keys()) if (tl.exists(k, now)) push(tl.core(k));
        const inWin = rows.filter((r) => (r.time as number) >= start && (r.time as number) <= end);
        rows.length = 0;
        rows.push(...inWin);
      }
      rows.sort((a, b) => (a.time as number) - (b.time as number));
      return trimResponse(rows.slice(0, count), p.str('responsedata'));
    },
  },
  aiAnalyst: {
    incidentEvents: (ctx) => {
      const events = selectEvents(ctx, false);
      const withUrl = ctx.p.bool('includeincidenteventurl', false);
      return events.map((e) =>
        withUrl ? { ...e, incidentEventUrl: `https://${ctx.sim.host}/#aiaincidentevent/${e.id}` } : e,
      );
    },
    groups: (ctx) => {
      const groups = ctx.sim.aia.groups(selectEvents(ctx, true), ctx.now);
      const withUrl = ctx.p.bool('includegroupurl', false);
      return groups.map((g) =>
        withUrl ? { ...g, groupUrl: `https://${ctx.sim.host}/#aiagroup/${g.id}` } : g,
      );
    },
    acknowledge: (ctx) => {
      for (const id of aiaUuids(ctx)) ctx.sim.aia.update(id, { acknowledged: true });
      return AIA_SUCCESS;
    },
    unacknowledge: (ctx) => {
      for (const id of aiaUuids(ctx)) ctx.sim.aia.update(id, { acknowledged: false });
      return AIA_SUCCESS;
    },
    pin: (ctx) => {
      for (const id of aiaUuids(ctx)) ctx.sim.aia.update(id, { pinned: true });
      return AIA_SUCCESS;
    },
    unpin: (ctx) => {
      for (const id of aiaUuids(ctx)) ctx.sim.aia.update(id, { pinned: false });
      return AIA_SUCCESS;
    },
    comments: (ctx) => {
      const id = ctx.p.require('incident_id');
      if (!ctx.sim.aia.get(id, ctx.now)) throw notFound(`Incident event ${id} not found`);
      return trimResponse({ comments: ctx.sim.aia.comments(id) }, ctx.p.str('responsedata'));
    },
    addComment: (ctx) => {
      const id = ctx.p.require('incident_id');
      const message = ctx.p.require('message');
      if (!ctx.sim.aia.get(id, ctx.now)) throw notFound(`Incident event ${id} not found`);
      ctx.sim.aia.addComment(id, message, ctx.user.username, ctx.now);
      return AIA_SUCCESS;
    },
    investigations: (ctx) => {
      const { p, sim, now } = ctx;
      const id = p.str('investigationId') ?? p.str('investigationid');
      if (id !== undefined) {
        const rec = sim.state.investigations.get(id);
        if (!rec) throw notFound(`Investigation ${id} not found`);
        return trimResponse(
          [sim.state.investigationView(rec, now)],
          p.str('responsedata') ?? p.str('responseData'),
        );
      }
      const windowed = p.has('starttime') || p.has('endtime');
      const w = windowed ? timeWindow(p, now, 7 * DAY) : undefined;
      const list = [...sim.state.investigations.values()]
        .filter((r) => !w || (r.createdAt >= w.start && r.createdAt <= w.end))
        .map((r) => sim.state.investigationView(r, now));
      return trimResponse(list, p.str('responsedata') ?? p.str('responseData'));
    },
    investigate: (ctx) => {
      const { p, sim, now } = ctx;
      const did = p.int('did');
      const t = p.num('investigateTime');
      if (did === undefined) throw badRequest('Missing required parameter did');
      if (t === undefined) throw badRequest('Missing required parameter investigateTime');
      deviceOrThrow(ctx, did);
      // Epoch seconds (§7.5); a millisecond value is a client mistake the appliance would not accept.
      if (t > now / 1000 + 60 || t < 946_684_800)
        throw badRequest('investigateTime must be epoch seconds, not in the future');
      const rec = sim.state.investigate(did, Math.floor(t), ctx.user.username, now);
      return { investigationId: rec.investigationId };
    },
  },
  antigena: {
    list: (ctx) => {
      const { p, sim, now } = ctx;
      sim.state.advance(now);
      const includeCleared = p.bool('includecleared', false);
      const includeHistory = p.bool('includehistory', false);
      const needConfirming = p.bool('needconfirming', false);
      const did = p.int('did');
      const pbid = p.int('pbid');
      const w = p.has('starttime') || p.has('from') ? timeWindow(p, now, 14 * DAY) : undefined;
      const actions = [...sim.state.actions.values()]
        .map((a) => sim.state.view(a, now))
        .filter((a) => {
          if (!includeCleared && a.cleared) return false;
          if (did !== undefined && a.did !== did) return false;
          if (pbid !== undefined && a.pbid !== pbid) return false;
          if (needConfirming && (a.active || a.cleared || a.expires <= now)) return false;
          // A window holds the actions in force during it, and those with a state change in it.
          if (w)
            return (
              (a.start <= w.end && a.expires >= w.start) ||
              (a.history ?? []).some((h) => h.time >= w.start && h.time <= w.end)
            );
          // Default: current actions plus those expired in the last 14 days.
          return a.expires >= now - 14 * DAY;
        })
        .sort((a, b) => a.codeid - b.codeid)
        .map((a) => {
          if (includeHistory) return a;
          const { history, ...rest } = a;
          return rest;
        });
      const full = p.bool('fulldevicedetails', false);
      const conns = p.bool('includeconnections', false);
      if (!full && !conns) return trimResponse(actions, p.str('responsedata'));
      const out: Record<string, unknown> = { actions };
      if (full) {
        const dids = [...new Set(actions.map((a) => a.did))];
        out.devices = dids.map((x) => sim.world.byDid.get(x)).filter(Boolean);
      }
      if (conns) {
        out.connections = actions
          .filter((a) => a.action === 'connection')
          .map((a) => ({
            action: a.action,
            label: a.label,
            did: a.did,
            direction: 'out',
            ip: a.detail.split(' ')[0] ?? '',
            port: 443,
            timems: a.start,
            time: dtTime(a.start),
          }));
      }
      return out;
    },
    update: (ctx) => {
      const { p, sim, now } = ctx;
      sim.state.advance(now);
      const codeid = p.int('codeid');
      if (codeid === undefined) throw badRequest('Missing required parameter codeid');
      const a = sim.state.actions.get(codeid);
      if (!a) throw notFound(`Action ${codeid} not found`);
      const activate = p.bool('activate', false);
      const clear = p.bool('clear', false);
      const duration = p.num('duration');
      const reason = p.str('reason') ?? '';
      if (activate && clear) throw badRequest('activate and clear cannot be combined');
      if (!activate && !clear && duration === undefined)
        throw badRequest('Nothing to do: give activate, clear or duration');
      if (duration !== undefined && duration <= 0) throw badRequest('duration must be positive');
      const what = clear ? 'clear' : activate ? 'activate' : 'extend';
      sim.state.change(a, what, ctx.user.username, reason, now, duration);
      return SUCCESS;
    },
    create: (ctx) => {
      const { p, sim, now } = ctx;
      const did = p.int('did');
      const action = p.require('action');
      const duration = p.num('duration');
      if (did === undefined) throw badRequest('Missing required parameter did');
      if (duration === undefined || duration <= 0) throw badRequest('Missing required parameter duration');
      const valid = ['connection', 'pol', 'gpol', 'quarantine', 'quarantineOutgoing', 'quarantineIncoming'];
      if (!valid.includes(action)) throw badRequest(`Invalid action ${action}`);
      const d = deviceOrThrow(ctx, did);
      const connections = p.raw('connections');
      if (action === 'connection' && (!Array.isArray(connections) || connections.length === 0)) {
        throw badRequest('connections is required for the connection action');
      }
      const a = sim.state.createAction(d, action, duration, p.str('reason') ?? '', ctx.user.username, now);
      if (Array.isArray(connections) && connections.length) {
        const c = connections[0] as { dst?: string; port?: number };
        a.detail = `${c.dst ?? ''}${c.port ? ` port ${c.port}` : ''}`;
      }
      return { codeid: a.codeid };
    },
    summary: (ctx) => {
      const { p, sim, now } = ctx;
      sim.state.advance(now);
      const windowed = p.has('starttime') || p.has('endtime');
      const w = windowed ? timeWindow(p, now, DAY) : undefined;
      const acts = [...sim.state.actions.values()].filter(
        (a) => !a.cleared && (!w || (a.start <= w.end && a.expires >= w.start)),
      );
      const active = acts.filter((a) => a.active && a.expires > now);
      const pending = windowed ? [] : acts.filter((a) => !a.active && a.expires > now);
      return {
        pendingCount: pending.length,
        activeCount: active.length,
        pendingActionDevices: [...new Set(pending.map((a) => a.did))],
        activeActionDevices: [...new Set(active.map((a) => a.did))],
      };
    },
  },
  pcaps: {
    list: (ctx) => trimResponse(ctx.sim.state.listPcaps(ctx.now), ctx.p.str('responsedata')),
    create: (ctx) => {
      const { p, sim, now } = ctx;
      const ip1 = p.require('ip1');
      const start = p.int('start');
      const end = p.int('end');
      if (start === undefined) throw badRequest('Missing required parameter start');
      if (end === undefined) throw badRequest('Missing required parameter end');
      if (end <= start) throw badRequest('end must be after start');
      if (end - start > 1800) throw badRequest('The capture window cannot exceed 30 minutes');
      const protocol = p.str('protocol');
      if (protocol !== undefined && protocol !== 'tcp' && protocol !== 'udp')
        throw badRequest('protocol must be tcp or udp');
      const ip2 = p.str('ip2');
      const port2 = p.int('port2');
      if (protocol && (!ip2 || port2 === undefined))
        throw badRequest('A protocol filter requires ip2 and port2');
      const rec = sim.state.createPcap(
        { ip1, ip2: ip2 ?? null, port1: p.int('port1') ?? null, port2: port2 ?? null, start, end, protocol },
        now + sim.state.pcapReadyMs,
      );
      const { readyAt, ...view } = rec;
      return { ...view, state: 'pending' };
    },
    download: (ctx) => {
      const name = ctx.params.filename;
      const rec = ctx.sim.state
        .listPcaps(ctx.now)
        .find((x) => x.filename === `/tm/${name}` || x.filename === name);
      if (!rec) throw notFound(`PCAP ${name} not found`);
      if (rec.state !== 'finished') throw notFound(`PCAP ${name} is not ready`);
      return new Raw(pcapFile(rec), 'application/vnd.tcpdump.pcap');
    },
  },
  devices: {
    update: updateDevice,
    list: (ctx) => {
      const { p, sim, now } = ctx;
      const includeTags = p.bool('includetags', false);
      const did = p.int('did');
      if (did !== undefined) {
        const d = deviceOrThrow(ctx, did);
        return trimResponse(
          devicesView(d, includeTags ? tagsOf(ctx, d.did) : undefined),
          p.str('responsedata'),
        );
      }
      const seen = parseSeensince(p.str('seensince')) ?? 7 * DAY;
      const ip = p.str('ip');
      const mac = p.str('mac')?.toLowerCase();
      const sid = p.int('sid');
      const count = p.int('count');
      let list = sim.world.devices.filter(
        (d) =>
          (d.lastSeen ?? 0) >= Math.min(now - seen, sim.world.startedAt - seen) &&
          (ip === undefined || d.ip === ip) &&
          (mac === undefined || d.macaddress === mac) &&
          (sid === undefined || d.sid === sid),
      );
      if (p.bool('cloudsecurity', false)) list = list.filter((d) => d.sid === -9);
      if (count !== undefined) list = list.slice(0, count);
      return trimResponse(
        list.map((d) => devicesView(d, includeTags ? tagsOf(ctx, d.did) : undefined)),
        p.str('responsedata'),
      );
    },
    search: (ctx) => {
      const { p, sim, now } = ctx;
      const count = Math.min(300, p.int('count') ?? 100);
      const offset = p.int('offset') ?? 0;
      const orderBy = p.str('orderBy') ?? 'lastSeen';
      const order = p.str('order') ?? 'desc';
      const seen = parseSeensince(p.str('seensince')) ?? 28 * DAY;
      const terms = [...(p.str('query') ?? '').matchAll(/(\w+):(?:"([^"]*)"|(\S+))/g)].map((m) => ({
        field: m[1].toLowerCase(),
        re: new RegExp(`^${(m[2] ?? m[3]).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i'),
      }));
      const fields: Record<string, (d: Device) => unknown> = {
        label: (d) => d.devicelabel,
        type: (d) => d.typename,
        hostname: (d) => d.hostname,
        ip: (d) => d.ip,
        mac: (d) => d.macaddress,
        vendor: (d) => d.vendor,
        os: (d) => d.os,
        tag: (d) =>
          tagsOf(ctx, d.did)
            .map((t) => t.name)
            .join('\n'),
      };
      const list = sim.world.devices
        .filter((d) => (d.lastSeen ?? 0) >= Math.min(now, sim.world.startedAt) - seen)
        .filter((d) =>
          terms.every((t) => {
            const f = fields[t.field];
            if (!f) return true;
            const v = f(d);
            return typeof v === 'string' && v.split('\n').some((x) => t.re.test(x));
          }),
        );
      const key = (d: Device) => (d as Record<string, unknown>)[orderBy] as string | number | undefined;
      list.sort((a, b) => {
        const x = key(a) ?? '';
        const y = key(b) ?? '';
        const c = x < y ? -1 : x > y ? 1 : 0;
        return order === 'asc' ? c : -c;
      });
      return trimResponse(
        { totalCount: list.length, devices: list.slice(offset, offset + count).map((d) => withTags(ctx, d)) },
        p.str('responsedata'),
      );
    },
    summary: (ctx) => {
      const d = deviceOrThrow(ctx, ctx.p.int('did'));
      const tl = ctx.sim.tl;
      const o = breachOptions(ctx);
      const breaches: ModelBreach[] = [];
      for (const c of tl.window(ctx.now - 28 * DAY, ctx.now, false, ctx.now)) {
        if (c.device.did === d.did) breaches.push(tl.object(c, o));
        if (breaches.length >= 100) break;
      }
      return {
        data: {
          devices: withTags(ctx, d),
          similardevices: similarDevices(ctx, d, 5),
          details: deviceDetails(ctx, d, ctx.now - DAY, ctx.now, 20),
          deviceinfo: { deviceInfo: [deviceInfo(ctx, d)] },
          modelbreaches: breaches,
        },
      };
    },
    info: (ctx) => {
      const d = deviceOrThrow(ctx, ctx.p.int('did'));
      const out: Record<string, unknown> = { deviceInfo: [deviceInfo(ctx, d)] };
      if (ctx.p.bool('fulldevicedetails', false)) out.devices = [d];
      return out;
    },
    similar: (ctx) => {
      const d = deviceOrThrow(ctx, ctx.p.int('did'));
      return trimResponse(similarDevices(ctx, d, ctx.p.int('count') ?? 5), ctx.p.str('responsedata'));
    },
    metricData: (ctx) => {
      const { p, sim, now } = ctx;
      const metrics = p.all('metric').flatMap((m) => m.split(','));
      for (let i = 1; i <= 5; i++) {
        const m = p.str(`metric${i}`);
        if (m) metrics.push(m);
      }
      if (metrics.length === 0) throw badRequest('Missing required parameter metric');
      const did = p.int('did');
      if (did !== undefined) deviceOrThrow(ctx, did);
      const { start, end } = timeWindow(p, now, 3_600_000);
      const interval = Math.max(1, p.int('interval') ?? 60) * 1000;
      const n = Math.min(2000, Math.floor((end - start) / interval) + 1);
      const first = Math.floor(start / interval) * interval;
      return metrics.map((metric) => {
        const known = sim.world.metrics.find((m) => m.name === metric);
        if (!known) throw badRequest(`Unknown metric ${metric}`);
        const series: Record<string, unknown> = {
          metric,
          data: Array.from({ length: n }, (_, i) => {
            const t = first + i * interval;
            const inn = h32(sim.world.seed, t / interval, known.mlid + (did ?? 0)) % 500;
            const out = h32(sim.world.seed, t / interval, known.mlid + 1 + (did ?? 0)) % 300;
            return { time: dtTime(t), timems: t, size: inn + out, in: inn, out };
          }),
        };
        if (p.bool('breachtimes', false)) {
          const bt: Record<string, unknown>[] = [];
          for (const c of sim.tl.window(start, end, false, now)) {
            if (did !== undefined && c.device.did !== did) continue;
            bt.push({
              pid: c.model.model.pid,
              pbid: c.pbid,
              score: c.score,
              name: c.model.model.name,
              time: c.time,
            });
            if (bt.length >= 500) break;
          }
          series.breachtimes = bt;
        }
        return series;
      });
    },
  },
  details: {
    get: (ctx) => {
      const { p, now } = ctx;
      const count = p.int('count') ?? 100;
      const pbid = p.str('pbid');
      const eventtype = p.str('eventtype');
      if (pbid !== undefined) {
        const c = requireBreach(ctx, pbid);
        const conns = Array.from({ length: Math.max(0, Math.min(count - 1, 5)) }, (_, i) =>
          connectionRecord(
            ctx,
            c.device.did < 0 ? ctx.sim.world.internal[0] : c.device,
            c.key * 10 + i,
            c.time - i * 1000,
          ),
        );
        return trimResponse([breachRecord(ctx, c), ...conns].slice(0, count), p.str('responsedata'));
      }
      const did = p.int('did');
      if (did === undefined && !p.has('msg') && !p.has('blockedconnections')) {
        throw badRequest('One of did, pbid, msg or blockedconnections is required');
      }
      const d = did !== undefined ? deviceOrThrow(ctx, did) : ctx.sim.world.internal[0];
      const { start, end } = timeWindow(p, now, DAY);
      return trimResponse(deviceDetails(ctx, d, start, end, count, eventtype), p.str('responsedata'));
    },
  },
  endpointDetails: {
    get: (ctx) => {
      const { p, sim } = ctx;
      const hostname = p.str('hostname');
      const ip = p.str('ip');
      if (!hostname && !ip) throw badRequest('One of ip or hostname is required');
      const withDevices = p.bool('devices', false);
      const devs = (k: string) =>
        withDevices
          ? sim.world.internal
              .filter((_, i) => h32(sim.world.seed, i, k.length) % 17 === 0)
              .slice(0, 3)
              .map((d) => ({ did: d.did, ip: d.ip, hostname: d.hostname }))
          : [];
      let out: Record<string, unknown>;
      if (hostname) {
        const e = sim.world.externals.find((x) => x.hostname === hostname);
        out = {
          hostname,
          firsttime: e?.firsttime ?? sim.world.startedAt - 30 * DAY,
          devices: devs(hostname),
          ips: e
            ? [{ ip: e.ip, timems: sim.world.startedAt - DAY, time: dtTime(sim.world.startedAt - DAY) }]
            : [],
          locations: e
            ? [{ latitude: e.latitude, longitude: e.longitude, country: e.country, city: e.city }]
            : [],
          popularity: e ? 100 - e.popularity : 0,
          dgascore: /\d/.test(hostname.split('.')[0]) ? 80 : 0,
        };
      } else {
        const sub = sim.world.subnets.find((s) => inSubnet(ip!, s.network));
        if (sub) {
          out = {
            name: 'internal_ip',
            subnetlabel: sub.label,
            subnetid: String(sub.sid),
            subnetnetwork: sub.network,
            devices: devs(ip!),
          };
        } else {
          const e = sim.world.externals.find((x) => x.ip === ip) ?? sim.world.externals[0];
          out = {
            ip,
            firsttime: e.firsttime,
            country: e.country,
            asn: e.asn,
            city: e.city,
            region: e.region,
            longitude: e.longitude,
            latitude: e.latitude,
            devices: devs(ip!),
          };
        }
      }
      if (p.bool('score', false)) out.score = 0;
      return trimResponse(out, p.str('responsedata'));
    },
  },
  models: {
    list: (ctx) => {
      const { p, sim } = ctx;
      const uuid = p.str('uuid');
      const view = (m: (typeof sim.world.models)[number]) => ({
        ...m.now,
        message: m.now.message ?? 'Initial version',
        history: [
          {
            modified: m.now.modified,
            active: true,
            message: m.now.message ?? 'Initial version',
            by: 'System',
            phid: m.now.phid,
          },
        ],
      });
      if (uuid !== undefined) {
        const m = sim.world.byUuid.get(uuid);
        if (!m) throw notFound(`Model ${uuid} not found`);
        // XS-MB reads ?uuid= as one object (xsoar/model.json).
        return trimResponse(view(m), p.str('responsedata'));
      }
      return trimResponse(sim.world.models.map(view), p.str('responsedata'));
    },
    components: (ctx) => {
      const cid = ctx.p.int('cid');
      if (cid !== undefined) return componentView(ctx, cid);
      return trimResponse(
        ctx.sim.world.components.map((c) => componentView(ctx, c.cid)),
        ctx.p.str('responsedata'),
      );
    },
    component: (ctx) => componentView(ctx, Number(ctx.params.cid)),
  },
  reference: {
    enums: (ctx) => trimResponse(ENUMS, ctx.p.str('responsedata')),
    filterTypes: (ctx) => trimResponse(FILTER_TYPES, ctx.p.str('responsedata')),
    metrics: (ctx) => trimResponse(ctx.sim.world.metrics, ctx.p.str('responsedata')),
    metric: (ctx) => {
      const m = ctx.sim.world.metrics.find((x) => x.mlid === Number(ctx.params.mlid));
      if (!m) throw notFound(`Metric ${ctx.params.mlid} not found`);
      return m;
    },
  },
  tags: {
    list: (ctx) => {
      const name = ctx.p.str('tag');
      const tags = ctx.sim.state.tags.filter((t) => name === undefined || t.name === name);
      return trimResponse(tags, ctx.p.str('responsedata'));
    },
    create: (ctx) => {
      const name = ctx.p.require('name');
      const data = ctx.p.raw('data');
      if (data === undefined || typeof data !== 'object' || data === null)
        throw badRequest('data is required');
      if (ctx.sim.state.tagByName(name)) throw badRequest(`Tag ${name} already exists`);
      return ctx.sim.state.createTag(name, data as Record<string, unknown>);
    },
    get: (ctx) => {
      const t = ctx.sim.state.tags.find((x) => x.tid === Number(ctx.params.tid));
      if (!t) throw notFound(`Tag ${ctx.params.tid} not found`);
      return trimResponse(t, ctx.p.str('responsedata'));
    },
    remove: (ctx) => {
      const tid = Number(ctx.params.tid);
      const st = ctx.sim.state;
      const i = st.tags.findIndex((t) => t.tid === tid);
      if (i < 0) throw notFound(`Tag ${tid} not found`);
      const t = st.tags[i];
      if (t.restricted || st.linksNow(ctx.now).some((l) => l.tid === tid)) {
        throw badRequest('Restricted or referenced tags cannot be deleted');
      }
      st.tags.splice(i, 1);
      return SUCCESS;
    },
    entities: (ctx) => {
      const { p, sim } = ctx;
      const did = p.int('did');
      if (did !== undefined) {
        deviceOrThrow(ctx, did);
        return trimResponse(tagsOf(ctx, did), p.str('responsedata'));
      }
      const name = p.str('tag');
      if (!name) throw badRequest('One of did or tag is required');
      const tag = sim.state.tagByName(name);
      if (!tag) throw notFound(`Tag ${name} not found`);
      return tagEntitiesAnswer(ctx, tag.tid);
    },
    tagEntities: (ctx) => {
      const tid = Number(ctx.params.tid);
      if (!ctx.sim.state.tags.some((t) => t.tid === tid)) throw notFound(`Tag ${ctx.params.tid} not found`);
      return tagEntitiesAnswer(ctx, tid);
    },
    addTagEntities: (ctx) => {
      const { p, sim, now } = ctx;
      const tag = sim.state.tags.find((t) => t.tid === Number(ctx.params.tid));
      if (!tag) throw notFound(`Tag ${ctx.params.tid} not found`);
      const type = p.require('entityType');
      if (type !== 'Device') throw badRequest(`entityType ${type} is not supported here; use Device`);
      const raw = p.raw('entityValue');
      const values = (Array.isArray(raw) ? raw : [raw]).map((v) => Number(v));
      if (values.length === 0 || values.some((v) => !Number.isInteger(v)))
        throw badRequest('entityValue must be a device id or a list of them');
      const secs = p.num('expiryDuration');
      const links = values.map((did) => {
        deviceOrThrow(ctx, did);
        return sim.state.link(did, tag, secs ? now + secs * 1000 : 0);
      });
      return links.map(entityView);
    },
    removeTagEntity: (ctx) => {
      const { sim, now } = ctx;
      const tid = Number(ctx.params.tid);
      const teid = Number(ctx.params.teid);
      const link = sim.state.linksNow(now).find((l) => l.tid === tid && l.teid === teid);
      if (!link) throw notFound(`Tag entity ${teid} not found`);
      sim.state.unlink(link.did, tid);
      return SUCCESS;
    },
    tagDevice: (ctx) => {
      const { p, sim, now } = ctx;
      const did = p.int('did');
      const name = p.require('tag');
      deviceOrThrow(ctx, did);
      const duration = p.num('duration');
      const tag = sim.state.tagByName(name) ?? sim.state.createTag(name, {});
      sim.state.link(did!, tag, duration ? now + duration * 1000 : 0);
      return { tid: tag.tid };
    },
    untagDevice: (ctx) => {
      const { p, sim } = ctx;
      const did = p.int('did');
      const name = p.require('tag');
      deviceOrThrow(ctx, did);
      const tag = sim.state.tagByName(name);
      if (!tag) throw notFound(`Tag ${name} not found`);
      sim.state.unlink(did!, tag.tid);
      return SUCCESS;
    },
  },
  network: {
    updateSubnet,
    subnets: (ctx) => {
      const { p, sim, now } = ctx;
      const seen = parseSeensince(p.str('seensince'));
      if (seen !== undefined && seen > 183 * DAY) throw badRequest('seensince cannot exceed 6 months');
      const sid = p.int('sid');
      const list = sim.world.subnets.filter(
        (s) => (sid === undefined || s.sid === sid) && (seen === undefined || s.lastSeen >= now - seen),
      );
      return trimResponse(list, p.str('responsedata'));
    },
  },
  system: {
    status: (ctx) => trimResponse(statusObject(ctx), ctx.p.str('responsedata')),
    summaryStatistics: (ctx) => {
      const { p, sim, now } = ctx;
      if (p.has('hours')) throw badRequest('Invalid parameter hours');
      const hour = 3_600_000;
      const interval = p.has('eventtype') ? hour : DAY;
      const end = Math.floor((p.num('endtime') ?? now) / interval) * interval;
      const n = p.has('eventtype') ? 24 : 28;
      const count = (t: string) => sim.world.devices.filter((d) => d.typename === t).length;
      const out = {
        usercredentialcount: sim.world.devices.filter((d) => d.credentials).length,
        subnets: sim.world.subnets.length,
        patterns: 20_000 + (h32(sim.world.seed, 1, 80) % 10_000),
        bandwidth: Array.from({ length: n }, (_, i) => {
          const t = end - (n - 1 - i) * interval;
          return {
            timems: t,
            time: dtTime(t),
            kb: 1_000_000 + (h32(sim.world.seed, t / interval, 81) % 5_000_000),
          };
        }),
        antigenaDevices: new Set([...sim.state.actions.values()].map((a) => a.did)).size,
        antigenaActions: sim.state.actions.size,
        devicecount: {
          desktop: count('desktop'),
          laptop: count('laptop'),
          server: count('server'),
          dnsserver: count('dnsserver'),
          iot: count('iot'),
          saas: { Office365: 8, AzureActiveDirectory: 8, GoogleWorkspace: 7, Salesforce: 7 },
          total: sim.world.devices.length,
        },
      };
      return trimResponse(out, p.str('responsedata'));
    },
  },
  advancedSearch: {
    search: (ctx) => searchAnswer(ctx, searchQuery(ctx.p.require('hash'))),
    searchGet: (ctx) => searchAnswer(ctx, searchQuery(ctx.params.hash)),
    analyze: (ctx) => {
      const op = ctx.params.operation;
      if (!['terms', 'mean', 'trend', 'score'].includes(op))
        throw badRequest(`Invalid operation ${op}: terms, mean, trend or score`);
      return analyzeAnswer(ctx, ctx.params.field, op, searchQuery(ctx.params.hash));
    },
    graph: (ctx) => {
      const mode = ctx.params.mode;
      const interval = Number(ctx.params.interval);
      if (mode !== 'count' && mode !== 'mean') throw badRequest(`Invalid graph mode ${mode}: count or mean`);
      if (!Number.isInteger(interval) || interval < 1000)
        throw badRequest('interval must be whole ms, at least 1000');
      return graphAnswer(ctx, mode, interval, searchQuery(ctx.params.hash));
    },
  },
  intelFeed: {
    list: (ctx) => {
      const { p, sim, now } = ctx;
      if (p.bool('sources', false)) return [...sim.state.intelSources];
      const entries = sim.state.intelEntries(now, p.str('source'));
      if (!p.bool('fulldetails', false)) return entries.map((e) => e.name);
      return trimResponse(
        entries.map(({ name, description, expiry, strength, iagn }) => ({
          name,
          description,
          expiry,
          strength,
          iagn,
        })),
        p.str('responsedata'),
      );
    },
    update: (ctx) => {
      const { p, sim, now } = ctx;
      const list = (name: string) =>
        p
          .all(name)
          .flatMap((x) => x.split(/[,\n]/))
          .map((x) => x.trim())
          .filter(Boolean);
      const add = [...list('addentry'), ...list('addlist')];
      const remove = list('removeentry');
      const removeAll = p.bool('removeall', false);
      if (!add.length && !remove.length && !removeAll)
        throw badRequest('One of addentry, addlist, removeentry or removeall is required');
      return sim.state.updateIntel(
        {
          add,
          remove,
          removeAll,
          description: p.str('description'),
          source: p.str('source'),
          expiry: p.str('expiry'),
          hostname: p.has('hostname') ? p.bool('hostname', true) : undefined,
          iagn: p.has('iagn') ? p.bool('iagn', false) : undefined,
        },
        now,
      );
    },
  },
  email: {
    get: (ctx) => {
      const k = ctx.sim.email.indexOf(ctx.params.uuid, ctx.now);
      if (k === undefined) throw notFound('Email not found');
      return ctx.sim.email.message(k, true);
    },
    search: (ctx) => ctx.sim.email.search(ctx.p.body, ctx.now),
    action: (ctx) =>
      ctx.sim.email.act(
        ctx.params.uuid,
        ctx.p.require('action'),
        ctx.p.raw('recipients'),
        ctx.user.username,
        ctx.now,
      ),
    tags: () => EMAIL_TAGS,
  },
};

function entityView(l: { teid: number; tid: number; did: number; expiry: number }) {
  return {
    teid: l.teid,
    tehid: l.teid,
    tid: l.tid,
    thid: 0,
    entityType: 'Device',
    entityValue: String(l.did),
    valid: true,
    expiry: l.expiry,
  };
}

/** `/tags/entities?tag=` and `/tags/{tid}/entities`: entity links, or with devices (xsoar/tagged_devices.json). */
function tagEntitiesAnswer(ctx: Ctx, tid: number): unknown {
  const { p, sim, now } = ctx;
  const links = sim.state.linksNow(now).filter((l) => l.tid === tid);
  const entities = links.map(entityView);
  if (!p.bool('fulldevicedetails', false)) return trimResponse(entities, p.str('responsedata'));
  return {
    entities,
    devices: links
      .map((l) => sim.world.byDid.get(l.did))
      .filter((d): d is Device => !!d)
      .map((d) => withTags(ctx, d)),
  };
}

// ---------- Advanced Search (§14) ----------

interface SearchDoc {
  search?: string;
  size?: number;
  offset?: number | string;
  timeframe?: string;
  time?: { from?: string; to?: string };
}

function searchQuery(hash: string): SearchDoc {
  let q: unknown;
  try {
    q = decodeSearchHash(hash);
  } catch {
    throw badRequest('hash is not a base64-encoded JSON query');
  }
  if (typeof q !== 'object' || q === null || Array.isArray(q))
    throw badRequest('hash is not a base64-encoded JSON query');
  const doc = q as SearchDoc & { fields?: unknown };
  if (typeof doc.search !== 'string') throw badRequest('The query needs a "search" string');
  if (!Array.isArray(doc.fields)) throw badRequest('The query needs "fields": []');
  return doc;
}

function searchSpan(ctx: Ctx, q: SearchDoc): { from: number; to: number } {
  if (q.timeframe === 'custom' || q.time?.from) {
    const to = q.time?.to ? Date.parse(q.time.to) : ctx.now;
    const from = q.time?.from ? Date.parse(q.time.from) : to - 15 * 60_000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) throw badRequest('Invalid time range');
    return { from, to };
  }
  const secs = Number(q.timeframe ?? 900);
  if (!Number.isFinite(secs) || secs <= 0) throw badRequest('Invalid timeframe');
  return { from: ctx.now - secs * 1000, to: ctx.now };
}

/** The connection log behind Advanced Search: one `conn` record a second, from the seeded world. */
function connAt(ctx: Ctx, t: number) {
  const seed = ctx.sim.world.seed;
  const s = Math.floor(t / 1000);
  const d = ctx.sim.world.internal[h32(seed, s, 90) % ctx.sim.world.internal.length];
  const e = ctx.sim.world.externals[h32(seed, s, 91) % ctx.sim.world.externals.length];
  const port = [443, 443, 80, 53, 22][h32(seed, s, 94) % 5];
  return {
    source_ip: d.ip ?? '',
    dest_ip: e.ip,
    dest_port: port,
    proto: port === 53 ? 'udp' : 'tcp',
    uid: `C${h32(seed, s, 93).toString(36)}`,
    epochdate: s,
    orig_bytes: 200 + (h32(seed, s, 95) % 50_000),
    resp_bytes: 500 + (h32(seed, s, 96) % 500_000),
  };
}

/** Records matching the search text: `@fields.<name>:"value"` terms joined by AND; anything else matches. */
function searchFilter(q: SearchDoc): (f: Record<string, unknown>) => boolean {
  const terms = [...(q.search ?? '').matchAll(/@fields\.(\w+):"?([^"\s)]+)"?/g)].map((m) => [m[1], m[2]]);
  return (f) => terms.every(([k, v]) => String(f[k]) === v);
}

function searchEnvelope(from: number, to: number, size: number, total: number, hits: unknown[]) {
  return {
    took: 3,
    timed_out: false,
    _shards: { total: 2, successful: 2, skipped: 0, failed: 0 },
    hits: { total, max_score: 0, hits },
    kibana: {
      // A string, as in the captured answer (xsoar/advanced_search_analysis.json).
      index: `logstash-darktrace-${new Date(to).toISOString().slice(0, 10).replace(/-/g, '.')}`,
      per_page: size,
      time: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    },
    darktraceChildError: '',
  };
}

/** At most this many seconds are scanned for a query (newest first); wider windows are sampled. */
const SCAN_CAP = 20_000;

function scan(ctx: Ctx, q: SearchDoc) {
  const { from, to } = searchSpan(ctx, q);
  const keep = searchFilter(q);
  // Whole seconds in [from, to), newest first.
  const hi = Math.ceil(to / 1000) - 1;
  const lo = Math.ceil(from / 1000);
  const step = Math.max(1, Math.ceil((hi - lo + 1) / SCAN_CAP));
  const rows: { t: number; f: ReturnType<typeof connAt> }[] = [];
  for (let sec = hi; sec >= lo; sec -= step) {
    const f = connAt(ctx, sec * 1000);
    if (keep(f)) rows.push({ t: sec * 1000, f });
  }
  return { from, to, rows, scale: step };
}

function searchAnswer(ctx: Ctx, q: SearchDoc) {
  const size = Math.min(10_000, Number(q.size ?? 50));
  const offset = Number(q.offset ?? 0);
  const { from, to, rows, scale } = scan(ctx, q);
  const seed = ctx.sim.world.seed;
  const hits = rows.slice(offset, offset + size).map(({ t, f }) => {
    const ts = new Date(Math.floor(t / 1000) * 1000).toISOString();
    return {
      _index: `logstash-darktrace-${ts.slice(0, 10).replace(/-/g, '.')}`,
      _type: 'doc',
      _id: `AY${h32(seed, Math.floor(t / 1000), 92).toString(36)}`,
      _score: null,
      _source: {
        '@fields': f,
        '@type': 'conn',
        '@timestamp': ts,
        '@message': `${ts},${f.source_ip},${f.dest_ip},${f.dest_port},${f.proto}`,
      },
    };
  });
  return searchEnvelope(from, to, size, rows.length * scale, hits);
}

/**
 * `/analyze/{field}/{op}/{b64}`: `terms` and `score` count values (top 20 in `hits.hits[{id, count}]`,
 * as xsoar/advanced_search_analysis.json, plus `aggregations`), `trend` adds `start` and `trend` per
 * value, `mean` averages a numeric field into `aggregations.mean`.
 */
function analyzeAnswer(ctx: Ctx, field: string, op: string, q: SearchDoc) {
  const { from, to, rows, scale } = scan(ctx, q);
  const name = field.replace(/^@fields\./, '');
  const values = rows.map((r) => (r.f as Record<string, unknown>)[name]).filter((v) => v !== undefined);
  if (rows.length && values.length === 0) throw badRequest(`Unknown field ${field}`);
  const total = rows.length * scale;
  if (op === 'mean') {
    const nums = values.map(Number).filter(Number.isFinite);
    if (values.length && nums.length === 0) throw badRequest(`Field ${field} is not numeric`);
    const mean = nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : 0;
    return {
      ...searchEnvelope(from, to, 50, total, []),
      aggregations: { mean: { value: mean, count: nums.length * scale } },
    };
  }
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + scale);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
  const half = from + (to - from) / 2;
  const hits = top.map(([id, count]) => {
    if (op !== 'trend') return { count, id };
    const early = rows.filter(
      (r) => r.t < half && String((r.f as Record<string, unknown>)[name]) === id,
    ).length;
    const late = count / scale - early;
    return {
      count,
      id,
      start: from,
      trend: early === 0 ? (late > 0 ? 100 : 0) : Math.round(((late - early) / early) * 100),
    };
  });
  return {
    ...searchEnvelope(from, to, 50, total, hits),
    // Named `score` whatever the operation, as the one captured answer (xsoar/advanced_search_analysis.json).
    aggregations: {
      score: {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: Math.max(0, total - top.reduce((a, [, c]) => a + c, 0)),
        buckets: top.map(([key, doc_count]) => ({
          key: Number.isFinite(Number(key)) ? Number(key) : key,
          doc_count,
        })),
      },
    },
  };
}

/** `/graph/{count|mean}/{interval}/{b64}`: a date histogram of the matching records. */
function graphAnswer(ctx: Ctx, mode: string, interval: number, q: SearchDoc) {
  const { from, to, rows, scale } = scan(ctx, q);
  const first = Math.floor(from / interval) * interval;
  const n = Math.min(5000, Math.ceil((to - first) / interval));
  const buckets = Array.from({ length: n }, (_, i) => ({ key: first + i * interval, doc_count: 0, sum: 0 }));
  for (const r of rows) {
    const b = buckets[Math.floor((r.t - first) / interval)];
    if (!b) continue;
    b.doc_count += scale;
    b.sum += r.f.resp_bytes * scale;
  }
  return {
    ...searchEnvelope(from, to, 0, rows.length * scale, []),
    aggregations: {
      graph: {
        buckets: buckets.map((b) => ({
          key_as_string: new Date(b.key).toISOString(),
          key: b.key,
          doc_count: b.doc_count,
          ...(mode === 'mean' ? { mean: { value: b.doc_count ? b.sum / b.doc_count : null } } : {}),
        })),
      },
    },
  };
}

function inSubnet(ip: string, network: string): boolean {
  const toN = (s: string) => s.split('.').reduce((a, x) => a * 256 + (Number(x) & 255), 0);
  const [base, bits] = network.split('/');
  const size = 2 ** (32 - Number(bits));
  const n = toN(ip);
  const b = toN(base);
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && n >= b && n < b + size;
}

function componentView(ctx: Ctx, cid: number) {
  const c = ctx.sim.world.byCid.get(cid);
  if (!c) throw notFound(`Component ${cid} not found`);
  return {
    active: c.active,
    chid: c.chid,
    cid: c.cid,
    filters: c.filters,
    interval: c.interval,
    logic: c.logic,
    mlid: c.mlid,
    threshold: c.threshold,
  };
}

function statusObject(ctx: Ctx) {
  const { sim, now } = ctx;
  const w = sim.world;
  const up = Math.floor((now - w.startedAt) / 1000) + 86400 * 12;
  const hh = String(Math.floor(up / 3600)).padStart(2, '0');
  const mm = String(Math.floor((up % 3600) / 60)).padStart(2, '0');
  const ss = String(up % 60).padStart(2, '0');
  const probes: Record<string, unknown> = {};
  for (let i = 1; i <= 3; i++) {
    probes[String(i)] = {
      id: i,
      uuid: `${w.seed.toString(16).padStart(8, '0')}-prob-4e00-8000-00000000000${i}`,
      version: '6.2.14',
      ipAddress: `10.10.1.${240 + i}`,
      label: `vSensor0${i}`,
      time: dtTime(now),
      error: false,
      bandwidthCurrent: 4_000_000 + i * 100_000,
      bandwidthCurrentString: `${4 + i / 10} Mbps`,
    };
  }
  return {
    excessTraffic: false,
    time: dtTime(now),
    installed: '03/14/23',
    mobileAppConfigured: false,
    version: '6.2.14 (f3b1c2)',
    ipAddress: '10.10.1.250',
    modelsUpdated: dtTime(now - 3 * DAY),
    modelPackageVersion: '6.2-1234~20240102',
    bundleVersion: '62014',
    bundleDate: dtTime(now - 20 * DAY),
    bundleInstalledDate: dtTime(now - 19 * DAY),
    hostname: sim.host,
    inoculation: false,
    applianceOSCode: 'focal',
    license: dtTime(now + 200 * DAY),
    licenseCounts: { saas: 30, network: 500 },
    saasConnectorLicense: dtTime(now + 200 * DAY),
    antigenaNetworkEnabled: true,
    antigenaNetworkConfirmationMode: false,
    antigenaNetworkLicense: dtTime(now + 200 * DAY),
    type: 'master',
    diskUtilization: 41,
    load: 22,
    cpu: 18,
    memoryUsed: 63,
    diskSpaceUsed_: 41,
    uptime: `${hh}:${mm}:${ss}`,
    dtqueue: 0,
    bandwidthCurrent: 14_800_000,
    bandwidthCurrentString: '14.8 Mbps',
    bandwidthAverage: 12_100_000,
    bandwidthAverageString: '12.1 Mbps',
    bandwidth7DayPeak: 91_000_000,
    bandwidth7DayPeakString: '91 Mbps',
    bandwidth2WeekPeak: 94_000_000,
    bandwidth2WeekPeakString: '94 Mbps',
    processedBandwidthCurrent: 14_700_000,
    processedBandwidthCurrentString: '14.7 Mbps',
    connectionsPerMinuteCurrent: 3200,
    operatingSystem: 'Ubuntu 20.04.6 LTS',
    kernelVersion: '5.4.0-169-generic',
    label: 'Simulated Master',
    uuid: `${w.seed.toString(16).padStart(8, '0')}-0000-4000-8000-000000000001`,
    eventsPerMinuteCurrent: { connection: 3200, dns: 900, http: 410, ssl: 1500 },
    probes,
    subnets: w.subnets.length,
    subnetData: w.subnets.map((s) => ({
      sid: s.sid,
      network: s.network,
      devices: 0,
      clientDevices: 0,
      mostRecentTraffic: s.mostRecentTraffic,
    })),
    devicesSeenInLast7Days: w.devices.length,
    models: w.models.length,
    modelBreachesInLast7Days: sim.tl.count - sim.tl.lowerBound(now - 7 * DAY) + sim.tl.liveCount(now),
    instances: {},
  };
}

const ENUMS: Record<string, { code: string; name: string }[]> = {
  Country: [
    ['US', 'United States'],
    ['GB', 'United Kingdom'],
    ['DE', 'Germany'],
    ['FR', 'France'],
    ['NL', 'Netherlands'],
    ['CN', 'China'],
    ['JP', 'Japan'],
    ['SG', 'Singapore'],
    ['RO', 'Romania'],
  ].map(([code, name]) => ({ code, name })),
  Protocol: [
    ['6', 'TCP'],
    ['17', 'UDP'],
    ['1', 'ICMP'],
  ].map(([code, name]) => ({ code, name })),
  'Application protocol': [
    'HTTP',
    'SSL',
    'DNS',
    'SSH',
    'SMB',
    'RDP',
    'Kerberos',
    'LDAP',
    'NTP',
    'Unknown',
  ].map((name, i) => ({
    code: String(i + 1),
    name,
  })),
  'Internal source device type': [
    ['desktop', 'Desktop'],
    ['laptop', 'Laptop'],
    ['server', 'Server'],
    ['dnsserver', 'DNS Server'],
    ['iot', 'IoT Device'],
    ['saasprovider', 'SaaS Provider'],
  ].map(([code, name]) => ({ code, name })),
  'Destination device type': [
    ['desktop', 'Desktop'],
    ['server', 'Server'],
  ].map(([code, name]) => ({ code, name })),
  Vendor: ['Apple, Inc.', 'Dell Inc.', 'Hewlett Packard', 'Lenovo', 'VMware, Inc.'].map((name, i) => ({
    code: String(i + 1),
    name,
  })),
  Direction: [
    ['in', 'Incoming'],
    ['out', 'Outgoing'],
  ].map(([code, name]) => ({ code, name })),
};

const FILTER_TYPES = [
  ['Destination IP', 'ipv4', true, ['is', 'is not', 'in network', 'not in network', 'display']],
  ['Destination port', 'numeric', true, ['=', '!=', '<', '>', 'display']],
  [
    'Connection hostname',
    'string',
    true,
    ['matches', 'does not match', 'matches regular expression', 'display'],
  ],
  ['ASN', 'string', true, ['matches', 'does not match', 'display']],
  ['JA3 hash', 'string', true, ['is', 'is not', 'display']],
  ['URI', 'string', false, ['contains', 'does not contain', 'matches regular expression', 'display']],
  ['User agent', 'string', false, ['contains', 'does not contain', 'matches regular expression', 'display']],
  ['Direction', 'enum', true, ['is', 'is not']],
  ['Application protocol', 'enum', true, ['is', 'is not', 'display']],
  [
    'Message',
    'string',
    false,
    ['contains', 'does not contain', 'matches', 'matches regular expression', 'display'],
  ],
  ['Rare external endpoint', 'numeric', false, ['<', '>']],
  ['Beaconing score', 'numeric', false, ['<', '>']],
  ['DNS host lookup', 'string', false, ['contains', 'matches regular expression', 'display']],
  ['Strength', 'numeric', false, ['<', '>']],
  ['Tagged internal source', 'tag', false, ['has tag', 'does not have tag']],
  ['Event details', 'string', false, ['contains', 'does not contain', 'display']],
  ['System message', 'string', false, ['is', 'is not', 'display']],
].map(([filtertype, valuetype, graphable, comparators]) => ({
  filtertype,
  valuetype,
  graphable,
  comparators,
}));

export { HttpError };
