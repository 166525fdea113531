// The watched list (/intelfeed, §13).
import { badRequest, trimResponse } from '../http.ts';
import type { Handlers } from './context.ts';

export const intelFeed: Handlers['intelFeed'] = {
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
};
