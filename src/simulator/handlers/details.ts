// Connection details (§10.7) and external endpoints (§10.6): records derived from the seeded world.
import type { Device } from '../../darktrace/types.ts';
import type { BreachCore } from '../breaches.ts';
import { badRequest, timeWindow, trimResponse } from '../http.ts';
import { dtTime, h32 } from '../prng.ts';
import { requireBreach } from './breaches.ts';
import type { Ctx, Handlers } from './context.ts';
import { DAY } from './context.ts';
import { detailDevice, deviceOrThrow } from './device-view.ts';

export function connectionRecord(
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

export function deviceDetails(
  ctx: Ctx,
  d: Device,
  start: number,
  end: number,
  count: number,
  eventtype?: string,
) {
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

export function breachRecord(ctx: Ctx, c: BreachCore): Record<string, unknown> {
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

export function inSubnet(ip: string, network: string): boolean {
  const toN = (s: string) => s.split('.').reduce((a, x) => a * 256 + (Number(x) & 255), 0);
  const [base, bits] = network.split('/');
  const size = 2 ** (32 - Number(bits));
  const n = toN(ip);
  const b = toN(base);
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && n >= b && n < b + size;
}

export const details: Handlers['details'] = {
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
};

export const endpointDetails: Handlers['endpointDetails'] = {
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
};
