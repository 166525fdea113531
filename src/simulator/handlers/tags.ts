// Tags and their device links (§12).
import type { Device } from '../../darktrace/types.ts';
import { badRequest, notFound, trimResponse } from '../http.ts';
import type { Handlers } from './context.ts';
import { type Ctx, SUCCESS } from './context.ts';
import { deviceOrThrow, tagsOf, withTags } from './device-view.ts';

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

export const tags: Handlers['tags'] = {
  list: (ctx) => {
    const name = ctx.p.str('tag');
    const tags = ctx.sim.state.tags.filter((t) => name === undefined || t.name === name);
    return trimResponse(tags, ctx.p.str('responsedata'));
  },
  create: (ctx) => {
    const name = ctx.p.require('name');
    const data = ctx.p.raw('data');
    if (data === undefined || typeof data !== 'object' || data === null) throw badRequest('data is required');
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
};
