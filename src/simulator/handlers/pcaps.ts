// PCAPs (§9): capture requests and the libpcap download.
import { badRequest, notFound, Raw, trimResponse } from '../http.ts';
import { pcapFile } from '../state.ts';
import type { Handlers } from './context.ts';

export const pcaps: Handlers['pcaps'] = {
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
};
