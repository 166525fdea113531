// The Darktrace appliance simulator: the catalog's endpoints over HTTP(S) with the appliance's signature
// checks, error answers, seeded data, live arrivals and switchable faults. See README.md in this folder.
//
// startSimulator in steps: the appliance's data (setup.ts), the faults (faults.ts), the server and its
// API routes (server.ts, api-routes.ts), the handle with its injection calls (handle.ts, inject.ts),
// the control API over it (control.ts), then listen.
import { addApiRoutes } from './api-routes.ts';
import { addControlRoutes } from './control.ts';
import { FaultSwitch } from './faults.ts';
import { simulatorHandle } from './handle.ts';
import { addFallbacks, addFaultHook, createApp, listen, type Served } from './server.ts';
import { buildAppliance, usersOf } from './setup.ts';
import { startSyslogPush } from './syslog.ts';
import type { Simulator, SimulatorOptions } from './types.ts';

export { DEFAULT_FAULTS } from './faults.ts';
export type { SimContext } from './routes.ts';
export type { Faults, RequestRecord, Simulator, SimulatorOptions, SimulatorState } from './types.ts';

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const clock = opts.now ?? Date.now;
  const faults = new FaultSwitch(opts.seed ?? 1, opts.faults, clock);
  const { sim, t0 } = buildAppliance(opts, clock);
  const served: Served = { sim, clock, faults, users: usersOf(opts), requests: 0, requestLog: [] };

  const app = createApp(opts);
  addFaultHook(app, served);
  addApiRoutes(app, served, opts.email?.basePaths);

  const push = opts.syslog ? startSyslogPush(sim, opts.syslog, clock, t0) : undefined;
  const api = simulatorHandle(served, async () => {
    await push?.stop();
    await app.close();
  });
  addControlRoutes(app, api, clock);
  addFallbacks(app);

  Object.assign(api, await listen(app, opts));
  if (push) api.syslogPush = { sent: push.sent, flush: push.flush };
  return api;
}
