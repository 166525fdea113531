// What every simulator handler gets (the request's parameters, the user, the clock and the simulated
// appliance), and the table type that makes a missing handler a compile error.
import type { Catalog } from '../../darktrace/endpoints.ts';
import type { AiAnalyst } from '../aianalyst.ts';
import type { SimUser } from '../auth.ts';
import type { Timeline } from '../breaches.ts';
import type { EmailStream } from '../email.ts';
import type { Params } from '../http.ts';
import type { ApplianceState } from '../state.ts';
import type { World } from '../world.ts';

export interface Ctx {
  p: Params;
  params: Record<string, string>;
  user: SimUser;
  now: number;
  sim: SimContext;
}

export interface SimContext {
  world: World;
  tl: Timeline;
  aia: AiAnalyst;
  state: ApplianceState;
  email: EmailStream;
  /** Host name used in breach and incident URLs. */
  host: string;
  unifiedView: boolean;
}

export type Handler = (ctx: Ctx) => unknown;
export type Handlers = { [F in keyof Catalog]: { [O in keyof Catalog[F]]: Handler } };

export const DAY = 86_400_000;
export const YEAR = 365 * DAY;
export const SUCCESS = { response: 'SUCCESS' };
export const AIA_SUCCESS = { aianalyst: 'SUCCESS' };
