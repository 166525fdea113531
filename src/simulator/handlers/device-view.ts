// Device look-ups and views shared by the device, detail, tag, RESPOND and AI Analyst handlers.
import type { Device } from '../../darktrace/types.ts';
import { badRequest, notFound } from '../http.ts';
import type { Ctx } from './context.ts';

export function deviceOrThrow(ctx: Ctx, did: number | undefined): Device {
  if (did === undefined) throw badRequest('Missing required parameter did');
  const d = ctx.sim.world.byDid.get(did);
  if (!d) throw notFound(`Device ${did} not found`);
  return d;
}

export function tagsOf(ctx: Ctx, did: number) {
  const tids = new Set(
    ctx.sim.state
      .linksNow(ctx.now)
      .filter((l) => l.did === did)
      .map((l) => l.tid),
  );
  return ctx.sim.state.tags.filter((t) => tids.has(t.tid));
}

export function devicesView(d: Device, tags?: unknown[]): Record<string, unknown> {
  const { firstSeen, lastSeen, ...rest } = d;
  return { id: d.did, ...rest, time: firstSeen, endtime: lastSeen, ...(tags ? { tags } : {}) };
}

export function withTags(ctx: Ctx, d: Device): Device {
  return { ...d, tags: tagsOf(ctx, d.did) };
}

export function detailDevice(d: Device): Record<string, unknown> {
  const { firstSeen, lastSeen, credentials, ...rest } = d;
  return { id: d.did, ...rest, time: String(firstSeen ?? 0) };
}
