// The Simulator handle `startSimulator` returns: faults, injection, syslog, the state report and close,
// over the served appliance. url and port are filled in once the server listens.
import { aiaInjection, injectBreach } from './inject.ts';
import type { Served } from './server.ts';
import { syslogLine, syslogRecords } from './syslog.ts';
import type { Simulator, SimulatorState } from './types.ts';

export function simulatorHandle(s: Served, close: () => Promise<void>): Simulator {
  const { sim, clock, faults } = s;
  const api: Simulator = {
    url: '',
    port: 0,
    sim,
    close,
    syslog({ since, until, format }) {
      const now = clock();
      const records = syslogRecords(sim, since, Math.min(until ?? now, now), now);
      return { records, lines: records.map((r) => syslogLine(r, sim.host, format)) };
    },
    setFaults: (f) => faults.set(f),
    resetFaults: () => faults.reset(),
    faults: () => faults.snapshot(),
    injectBreach: (partial = {}) => injectBreach(sim, partial, clock()),
    ...aiaInjection(sim, clock),
    state: () => stateReport(s, api.url),
    requestLog: (since = 0) => s.requestLog.filter((r) => r.end >= since),
  };
  return api;
}

function stateReport(s: Served, url: string): SimulatorState {
  const { tl, aia, state } = s.sim;
  const now = s.clock();
  return {
    url,
    now,
    serverNow: s.faults.serverNow(),
    faults: s.faults.snapshot(),
    breaches: {
      history: tl.count,
      live: tl.liveCount(now),
      injected: tl.injected.size,
      newestPbid: tl.pbidBase + tl.newestKey(now),
      pbidBase: tl.pbidBase,
    },
    aiAnalyst: { injected: aia.injected.size, changed: aia.overlay.size },
    acknowledgedOverlay: [...tl.overlay.values()].filter((o) => o.acknowledged !== undefined).length,
    antigenaActions: state.actions.size,
    pcaps: state.pcaps.size,
    requests: s.requests,
  };
}
