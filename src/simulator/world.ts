// The simulated network: subnets, devices (internal, SaaS credentials, the System device), external
// endpoints, tags, metrics, models and their components. Built once from the seed at start; small
// enough to hold in memory (a few hundred records). Breaches and AI Analyst events are derived from it
// lazily (breaches.ts, aianalyst.ts). One file per part under world/; this one puts them together.
import type { Device, Metric, Subnet, Tag } from '../darktrace/types.ts';
import { Rng } from './prng.ts';
import { buildDevices, buildSubnets, buildTags, users } from './world/devices.ts';
import { buildExternals, type ExternalEndpoint, JA3, URIS, USER_AGENTS } from './world/external.ts';
import { buildModels, METRICS, type SimComponent, type SimModel } from './world/models.ts';

export type { ExternalEndpoint } from './world/external.ts';
export type { FilterSpec, ModelKind, Observable, SimComponent, SimModel } from './world/models.ts';
export { METRICS } from './world/models.ts';

export interface World {
  seed: number;
  startedAt: number;
  subnets: Subnet[];
  devices: Device[];
  /** Internal (non-SaaS, non-system) devices. */
  internal: Device[];
  saas: Device[];
  system: Device;
  byDid: Map<number, Device>;
  externals: ExternalEndpoint[];
  tags: Tag[];
  metrics: Metric[];
  models: SimModel[];
  byPid: Map<number, SimModel>;
  byUuid: Map<string, SimModel>;
  components: SimComponent[];
  byCid: Map<number, SimComponent>;
  ja3: string[];
  uris: string[];
  userAgents: string[];
  users: string[];
  hostname: string;
}

export function buildWorld(seed: number, startedAt: number, hostname = 'dt-sim.example.local'): World {
  // One generator, drawn in this order: each part's draws follow the previous part's.
  const r = new Rng(seed);
  const subnets = buildSubnets(r, startedAt);
  const { devices, internal, saas, system, byDid } = buildDevices(r, startedAt, subnets);
  const externals = buildExternals(r, startedAt);
  const tags = buildTags();
  const { models, components } = buildModels(r, startedAt);
  return {
    seed,
    startedAt,
    subnets,
    devices,
    internal,
    saas,
    system,
    byDid,
    externals,
    tags,
    metrics: METRICS,
    models,
    byPid: new Map(models.map((m) => [m.model.pid, m])),
    byUuid: new Map(models.map((m) => [m.model.uuid, m])),
    components,
    byCid: new Map(components.map((c) => [c.cid, c])),
    ja3: JA3,
    uris: URIS,
    userAgents: USER_AGENTS,
    users: users(),
    hostname,
  };
}
