// AI Analyst (§7): incident events and groups, acknowledgement and pins, comments, investigations.
import type { AiaIncidentEvent } from '../../darktrace/types.ts';
import { badRequest, notFound, timeWindow, trimResponse } from '../http.ts';
import type { Ctx, Handlers } from './context.ts';
import { AIA_SUCCESS, DAY } from './context.ts';
import { deviceOrThrow } from './device-view.ts';

export function selectEvents(ctx: Ctx, groupsEndpoint: boolean): AiaIncidentEvent[] {
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

export function aiaUuids(ctx: Ctx): string[] {
  const ids = ctx.p
    .require('uuid')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids)
    if (!ctx.sim.aia.get(id, ctx.now)) throw badRequest(`Invalid incident event uuid ${id}`);
  return ids;
}

export const aiAnalyst: Handlers['aiAnalyst'] = {
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
    return groups.map((g) => (withUrl ? { ...g, groupUrl: `https://${ctx.sim.host}/#aiagroup/${g.id}` } : g));
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
};
