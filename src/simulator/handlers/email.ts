// Darktrace /EMAIL (§15): messages, search, hold and release.
import { EMAIL_TAGS } from '../email.ts';
import { notFound } from '../http.ts';
import type { Handlers } from './context.ts';

export const email: Handlers['email'] = {
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
};
