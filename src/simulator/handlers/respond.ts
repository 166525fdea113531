// RESPOND (§8): the actions, their state changes, manual actions and the summary.
import { badRequest, notFound, timeWindow, trimResponse } from '../http.ts';
import { dtTime } from '../prng.ts';
import type { Handlers } from './context.ts';
import { DAY, SUCCESS } from './context.ts';
import { deviceOrThrow } from './device-view.ts';

export const antigena: Handlers['antigena'] = {
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
};
