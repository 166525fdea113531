// One handler per catalog entry, composed from one file per endpoint family (handlers/). The table's
// type is derived from the catalog, so adding an endpoint to src/darktrace/endpoints.ts without a
// handler fails to compile.

import { aiAnalyst } from './handlers/ai-analyst.ts';
import { modelBreaches } from './handlers/breaches.ts';
import type { Handlers } from './handlers/context.ts';
import { details, endpointDetails } from './handlers/details.ts';
import { devices, network } from './handlers/devices.ts';
import { email } from './handlers/email.ts';
import { intelFeed } from './handlers/intel-feed.ts';
import { pcaps } from './handlers/pcaps.ts';
import { models, reference, system } from './handlers/reference.ts';
import { antigena } from './handlers/respond.ts';
import { advancedSearch } from './handlers/search.ts';
import { tags } from './handlers/tags.ts';

export type { Ctx, Handler, Handlers, SimContext } from './handlers/context.ts';
export { HttpError } from './http.ts';

export const handlers: Handlers = {
  modelBreaches,
  aiAnalyst,
  antigena,
  pcaps,
  devices,
  details,
  endpointDetails,
  models,
  reference,
  tags,
  network,
  system,
  advancedSearch,
  intelFeed,
  email,
};
