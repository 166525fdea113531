// Devices (§10.1–10.5, §10.8) and subnets (§13): look-ups, search, summaries, graphs, similar devices.
import type { Device, ModelBreach } from '../../darktrace/types.ts';
import { badRequest, timeWindow, trimResponse } from '../http.ts';
import { updateDevice, updateSubnet } from '../inventory.ts';
import { dtTime, h32 } from '../prng.ts';
import { breachOptions } from './breaches.ts';
import type { Ctx, Handlers } from './context.ts';
import { DAY } from './context.ts';
import { deviceDetails } from './details.ts';
import { deviceOrThrow, devicesView, tagsOf, withTags } from './device-view.ts';

/** `/devices` says `time`/`endtime` (and `id`) where every other endpoint says firstSeen/lastSeen. */
/** A device as embedded in /details records: `time` is a string of ms there. */
export function parseSeensince(s: string | undefined): number | undefined {
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

export function similarDevices(ctx: Ctx, d: Device, count: number): Device[] {
  const pool = d.sid === -9 ? ctx.sim.world.saas : ctx.sim.world.internal;
  const same = pool.filter((x) => x.did !== d.did && x.typename === d.typename);
  const rest = pool.filter((x) => x.did !== d.did && x.typename !== d.typename);
  return [...same, ...rest].slice(0, count).map((x, i) => ({ ...x, score: Math.max(1, 99 - i * 3) }));
}

export function deviceInfo(ctx: Ctx, d: Device) {
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

export const devices: Handlers['devices'] = {
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
      if (c.device.did === d.did) breaches.push(tl.json.object(c, o));
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
};

export const network: Handlers['network'] = {
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
};
