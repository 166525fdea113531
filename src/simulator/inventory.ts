// The device inventory beyond the seeded network: a large campus for inventory-scale tests
// (`devices: 10_000`), devices seen again later, and the two edits an asset system sends back
// (POST /devices: label and priority; POST /subnets: label). Kept apart from world.ts so the seeded
// network, and every breach derived from it, stays the same whatever the inventory size.
import type { Device, Subnet } from '../darktrace/types.ts';
import type { Timeline } from './breaches.ts';
import type { Ctx } from './handlers/context.ts';
import { badRequest, notFound } from './http.ts';
import { dtTime, Rng } from './prng.ts';
import type { World } from './world.ts';

const DAY = 86_400_000;
const CAMPUS = '10.128.0.0/16';
const KINDS = [
  { typename: 'desktop', typelabel: 'Desktop', os: 'Windows 11', vendor: 'Dell Inc.' },
  { typename: 'laptop', typelabel: 'Laptop', os: 'macOS 13.x', vendor: 'Apple, Inc.' },
  { typename: 'mobile', typelabel: 'Mobile', os: 'iOS', vendor: 'Apple, Inc.' },
  { typename: 'printer', typelabel: 'Printer', os: 'Unknown', vendor: 'HP Inc.' },
  {
    typename: 'iot',
    typelabel: 'IoT Device',
    os: 'Linux 2.2.x-3.x (embedded)',
    vendor: 'Axis Communications AB',
  },
];

/**
 * Adds devices in a `Campus` /16 until the appliance knows `total` devices. Their last-seen times
 * spread over the past 30 days; one in 500 reuses an earlier hostname (a re-imaged machine with a new
 * MAC), as real inventories do.
 */
export function growInventory(world: World, total: number): void {
  const extra = total - world.devices.length;
  if (extra <= 0) return;
  if (extra > 65_000) throw new RangeError(`devices: at most ${world.devices.length + 65_000}`);
  const r = new Rng(world.seed ^ 0x1a55e7);
  const sid = Math.max(...world.subnets.map((s) => s.sid)) + 3;
  const subnet: Subnet = {
    ...world.subnets[0],
    sid,
    shid: sid * 10,
    label: 'Campus',
    network: CAMPUS,
    dhcp: true,
    firstSeen: world.startedAt - 500 * DAY,
  };
  world.subnets.push(subnet);
  let did = Math.max(...world.devices.map((d) => d.did)) + 1;
  const hostnames: string[] = [];
  for (let i = 0; i < extra; i++) {
    const k = KINDS[i % KINDS.length];
    const host = i + 1;
    const ip = `10.128.${host >> 8}.${host & 255}`;
    const lastSeen = world.startedAt - r.int(0, 30 * 86_400) * 1000;
    const ipTime = Math.floor(lastSeen / 3_600_000) * 3_600_000;
    const hostname =
      i % 500 === 499
        ? hostnames[r.int(0, hostnames.length - 1)]
        : `${k.typename}-${String(i).padStart(5, '0')}`;
    hostnames.push(hostname);
    const d: Device = {
      did: did++,
      macaddress: Array.from({ length: 6 }, () => r.int(0, 255).toString(16).padStart(2, '0')).join(':'),
      vendor: k.vendor,
      ip,
      ips: [{ ip, timems: ipTime, time: dtTime(ipTime), sid }],
      sid,
      hostname,
      firstSeen: lastSeen - r.int(1, 400) * DAY,
      lastSeen,
      os: k.os,
      devicelabel: '',
      typename: k.typename,
      typelabel: k.typelabel,
    };
    world.devices.push(d);
    world.byDid.set(d.did, d);
  }
}

/** The device talked again at `now`: its last-seen time (and its IP's) moves forward. */
export function seeDevice(world: World, tl: Timeline, did: number, now: number): void {
  const d = world.byDid.get(did);
  if (!d || did < 0) throw new RangeError(`no device ${did}`);
  d.lastSeen = now;
  if (d.ips?.[0]) d.ips[0] = { ...d.ips[0], timems: now, time: dtTime(now) };
  tl.json.invalidateDevice(did);
}

/** POST /devices (§10.1): `label` and `priority` (-5..5); `priority` 0 is omitted from reads, as documented. */
export function updateDevice(ctx: Ctx): unknown {
  const { p, sim } = ctx;
  const did = p.int('did');
  if (did === undefined) throw badRequest('Missing required parameter did');
  const d = sim.world.byDid.get(did);
  if (!d || did < 0) throw notFound(`Device ${did} not found`);
  if (p.has('type')) throw badRequest('Changing the device type is not supported here');
  const priority = p.num('priority');
  if (priority !== undefined && (!Number.isInteger(priority) || priority < -5 || priority > 5))
    throw badRequest('priority must be an integer from -5 to 5');
  const label = p.has('label') ? (p.str('label') ?? '') : undefined;
  if (label !== undefined && label.length > 256) throw badRequest('label must be at most 256 characters');
  if (priority !== undefined) {
    if (priority === 0) delete d.priority;
    else d.priority = priority;
  }
  if (label !== undefined) d.devicelabel = label;
  sim.tl.json.invalidateDevice(did);
  return { response: 'SUCCESS', device: d };
}

/** POST /subnets (§13): the label and the DHCP and uniqueness settings. */
export function updateSubnet(ctx: Ctx): unknown {
  const { p, sim } = ctx;
  const sid = p.int('sid');
  if (sid === undefined) throw badRequest('Missing required parameter sid');
  const s = sim.world.subnets.find((x) => x.sid === sid);
  if (!s) throw notFound(`Subnet ${sid} not found`);
  if (p.has('label')) {
    const label = p.str('label') ?? '';
    if (label.length > 256) throw badRequest('label must be at most 256 characters');
    s.label = label;
  }
  for (const k of ['dhcp', 'uniqueUsernames', 'uniqueHostnames'] as const)
    if (p.has(k)) s[k] = p.bool(k, false);
  return { response: 'SUCCESS' };
}
