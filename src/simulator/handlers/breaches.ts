// Model breaches (§6): windows and filters over the timeline, single reads, acknowledgements and comments.

import { Readable } from 'node:stream';
import type { SerializeOptions } from '../breach-json.ts';
import { type BreachCore, SALT, type Timeline } from '../breaches.ts';
import { badRequest, notFound, Raw, timeWindow, trimResponse } from '../http.ts';
import { u } from '../prng.ts';
import type { Ctx, Handlers } from './context.ts';
import { DAY, SUCCESS, YEAR } from './context.ts';

export function breachOptions(ctx: Ctx): SerializeOptions {
  const p = ctx.p;
  return {
    thenNow: !p.bool('historicmodelonly', false),
    deviceAtTop: p.bool('deviceattop', true),
    minimal: p.bool('minimal', false),
    breachUrlPrefix: p.bool('includebreachurl', false) ? `https://${ctx.sim.host}/#modelbreach/` : undefined,
    groupDevice: p.str('group') === 'device',
  };
}

export function breachFilter(ctx: Ctx): (c: BreachCore) => boolean {
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

export function findBreach(ctx: Ctx, pbid: number): BreachCore | undefined {
  const tl = ctx.sim.tl;
  const key = tl.keyOfPbid(pbid);
  return tl.exists(key, ctx.now) ? tl.core(key) : undefined;
}

export function requireBreach(ctx: Ctx, raw: string | undefined): BreachCore {
  const pbid = Number(raw);
  if (!Number.isInteger(pbid)) throw badRequest('Invalid pbid');
  const c = findBreach(ctx, pbid);
  if (!c) throw notFound(`Model breach ${pbid} not found`);
  return c;
}

/** Streams a JSON array of breaches in chunks: a 50,000-breach window never sits in memory whole. */
export function streamBreaches(tl: Timeline, it: Iterable<BreachCore>, o: SerializeOptions): Readable {
  function* chunks(): Generator<string> {
    let buf = '[';
    let first = true;
    for (const c of it) {
      buf += first ? tl.json.serialize(c, o) : `,${tl.json.serialize(c, o)}`;
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

export function listBreaches(ctx: Ctx): unknown {
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
      return trimResponse(tl.json.object(c, { ...o, deviceBoth: true }), responsedata);
    }
    const found = ids.map((s) => findBreach(ctx, Number(s))).filter((c): c is BreachCore => !!c);
    return trimResponse(
      found.map((c) => tl.json.object(c, o)),
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
      [...selected()].map((c) => tl.json.object(c, o)),
      responsedata,
    );
  return new Raw(streamBreaches(tl, selected(), o));
}

/** `{"response":"SUCCESS"}`, or a Unified View master's replication answer (xsoar/ack_success_UV.json). */
export function ackAnswer(ctx: Ctx, c: BreachCore): unknown {
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

export function commentView(c: { message: string; username: string; time: number; pid: number }) {
  return { message: c.message, username: c.username, time: c.time, pid: c.pid };
}

export const modelBreaches: Handlers['modelBreaches'] = {
  list: listBreaches,
  get: (ctx) => {
    const c = requireBreach(ctx, ctx.params.pbid);
    const o = { ...breachOptions(ctx), deviceBoth: true };
    return trimResponse(ctx.sim.tl.json.object(c, o), ctx.p.str('responsedata'));
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
};
