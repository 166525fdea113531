// The simulated network's subnets, devices (internal, SaaS credentials, the System device) and tags,
// built from the seed. Part of the world (../world.ts); the same draws in the same order as ever.
import type { Device, Subnet, Tag } from '../../darktrace/types.ts';
import { dtTime, type Rng } from '../prng.ts';

export const DAY = 86_400_000;

const SUBNETS: [string, string, string][] = [
  ['10.10.1.0/24', 'Servers', 'srv'],
  ['10.10.2.0/24', 'Domain Services', 'dc'],
  ['10.20.0.0/22', 'Workstations - Finance', 'ws'],
  ['10.20.4.0/22', 'Workstations - Engineering', 'ws'],
  ['10.30.0.0/23', 'Corporate WiFi', 'lt'],
  ['10.40.0.0/24', 'VPN', 'lt'],
  ['172.16.5.0/24', 'DMZ', 'srv'],
  ['10.50.0.0/24', 'Facilities and IoT', 'iot'],
];

const TYPES: Record<string, { typename: string; typelabel: string; os: string[]; vendor: string[] }> = {
  ws: {
    typename: 'desktop',
    typelabel: 'Desktop',
    os: ['Windows 10 or Windows Server 2016', 'Windows  (10.0)', 'Windows 11'],
    vendor: ['Dell Inc.', 'Hewlett Packard', 'Lenovo'],
  },
  lt: {
    typename: 'laptop',
    typelabel: 'Laptop',
    os: ['macOS 13.x', 'Windows 11', 'Windows 10 or Windows Server 2016', 'FreeBSD'],
    vendor: ['Apple, Inc.', 'Lenovo', 'Intel Corporate', 'Some Vendor'],
  },
  srv: {
    typename: 'server',
    typelabel: 'Server',
    os: ['Linux 3.11 and newer', 'Linux 2.2.x-3.x', 'Windows Server 2019'],
    vendor: ['VMware, Inc.', 'Super Micro Computer, Inc.', ''],
  },
  dc: {
    typename: 'dnsserver',
    typelabel: 'DNS Server',
    os: ['Windows Server 2019', 'Windows  (10.0)'],
    vendor: ['VMware, Inc.'],
  },
  iot: {
    typename: 'iot',
    typelabel: 'IoT Device',
    os: ['Linux 2.2.x-3.x (embedded)', 'Unknown'],
    vendor: ['Axis Communications AB', 'HP Inc.', 'Hikvision'],
  },
};

const FIRST = [
  'anna',
  'ben',
  'chloe',
  'dev',
  'elena',
  'farid',
  'grace',
  'hiro',
  'ines',
  'jon',
  'kate',
  'liam',
];
const LAST = [
  'smith',
  'okafor',
  'nguyen',
  'garcia',
  'mueller',
  'rossi',
  'tanaka',
  'kowalski',
  'dubois',
  'silva',
];
const ROLES = ['web', 'db', 'app', 'file', 'backup', 'build', 'mail', 'proxy', 'vpn', 'log'];
const DEPTS = ['fin', 'eng', 'hr', 'ops', 'sales', 'legal'];

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function ipInSubnet(network: string, host: number): string {
  const [base, bits] = network.split('/');
  const o = base.split('.').map(Number);
  const n =
    (((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0) + (host % (2 ** (32 - Number(bits)) - 2)) + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The subnets, one per row of SUBNETS. */
export function buildSubnets(r: Rng, startedAt: number): Subnet[] {
  return SUBNETS.map(([network, label], i) => ({
    sid: 10 + i * 3,
    auto: i % 3 !== 0,
    dhcp: label.includes('Work') || label.includes('WiFi') || label === 'VPN',
    firstSeen: startedAt - (400 + r.int(0, 300)) * DAY,
    lastSeen: startedAt - r.int(0, 600) * 1000,
    label,
    latitude: 51.5072,
    longitude: -0.1276,
    network,
    shid: 100 + i,
    uniqueHostnames: label !== 'Facilities and IoT',
    uniqueUsernames: label.includes('Work') || label === 'VPN',
    confidence: -1,
    lastDHCP: startedAt - r.int(1, 3600) * 1000,
    dhcpCount: r.int(0, 5000),
    kerberosCount: r.int(0, 20000),
    dhcpQuality: r.int(0, 100),
    kerberosQuality: r.int(0, 100),
    recentTrafficPercent: r.int(0, 40),
    clientDevices: 0,
    serverDevices: 0,
    icsDevices: 0,
    mostRecentTraffic: startedAt - r.int(1, 600) * 1000,
  }));
}

/** The devices of each subnet, the SaaS accounts and the System device (did -1). */
export function buildDevices(r: Rng, startedAt: number, subnets: Subnet[]) {
  const devices: Device[] = [];
  const internal: Device[] = [];
  let did = 10;
  const usedHostnames = new Set<string>();
  for (const [si, [network, , kind]] of SUBNETS.entries()) {
    const sub = subnets[si];
    const n = kind === 'dc' ? 4 : kind === 'srv' ? 28 : kind === 'iot' ? 16 : 42;
    for (let h = 0; h < n; h++) {
      const t = TYPES[kind];
      const first = r.pick(FIRST);
      const last = r.pick(LAST);
      let hostname: string | undefined;
      if (kind === 'ws') hostname = `ws-${r.pick(DEPTS)}-${String(r.int(1, 999)).padStart(3, '0')}`;
      else if (kind === 'lt') hostname = r.chance(0.5) ? `lt-${first[0]}${last}` : `MacBook-Pro-${first}`;
      else if (kind === 'srv') hostname = `srv-${r.pick(ROLES)}-${pad2(r.int(1, 20))}`;
      else if (kind === 'dc') hostname = `dc${pad2(h + 1)}.corp.example.local`;
      else
        hostname = r.chance(0.5)
          ? `cam-${r.pick(['lobby', 'dock', 'floor2', 'car-park'])}-${pad2(h)}`
          : undefined;
      if (hostname && usedHostnames.has(hostname)) hostname = `${hostname}-${h}`;
      if (hostname) usedHostnames.add(hostname);
      const ip = ipInSubnet(network, r.int(0, 250) + h * 3);
      const firstSeen = startedAt - r.int(30, 900) * DAY - r.int(0, DAY);
      const lastSeen = startedAt - r.int(0, 3600) * 1000;
      const mac = Array.from({ length: 6 }, () => r.int(0, 255).toString(16).padStart(2, '0')).join(':');
      const ipTime = Math.floor(lastSeen / 3_600_000) * 3_600_000;
      const d: Device = {
        did,
        macaddress: mac,
        vendor: r.pick(t.vendor),
        ip,
        ips: [{ ip, timems: ipTime, time: dtTime(ipTime), sid: sub.sid }],
        sid: sub.sid,
        ...(hostname ? { hostname } : {}),
        firstSeen,
        lastSeen,
        os: r.pick(t.os),
        devicelabel: kind === 'srv' && r.chance(0.3) ? `${hostname ?? 'server'} (prod)` : '',
        typename: t.typename,
        typelabel: t.typelabel,
      };
      if (kind === 'srv' && r.chance(0.3)) d.priority = r.int(1, 5);
      if (kind === 'lt' || kind === 'ws') d.credentials = [{ credential: `${first}.${last}`, lastSeen }];
      devices.push(d);
      internal.push(d);
      did += r.chance(0.1) ? 2 : 1;
    }
  }
  const saas: Device[] = [];
  const saasModules = ['Office365', 'AzureActiveDirectory', 'GoogleWorkspace', 'Salesforce'];
  for (let i = 0; i < 30; i++) {
    const mod = saasModules[i % saasModules.length];
    const user = `${FIRST[i % FIRST.length]}.${LAST[(i * 7) % LAST.length]}@corp.example.com`;
    const d: Device = {
      did: did++,
      sid: -9,
      saasmodule: mod,
      hostname: `SaaS::${mod}: ${user}`,
      firstSeen: startedAt - r.int(60, 700) * DAY,
      lastSeen: startedAt - r.int(0, 7200) * 1000,
      typename: 'saasprovider',
      typelabel: 'SaaS Provider',
      credentials: [{ credential: user, lastSeen: startedAt - r.int(0, 7200) * 1000 }],
    };
    devices.push(d);
    saas.push(d);
  }
  const system: Device = { did: -1 };
  const byDid = new Map<number, Device>(devices.map((d) => [d.did, d]));
  byDid.set(-1, system);
  return { devices, internal, saas, system, byDid };
}

/** The tags the appliance knows (no draws: fixed). */
export function buildTags(): Tag[] {
  const tagNames: [string, number, string][] = [
    ['Admin', 200, 'Administrative workstation'],
    ['Antigena All', 200, ''],
    ['Internet Facing System', 110, 'Exposed to the internet'],
    ['High Risk', 0, 'Under investigation'],
    ['Key Asset', 60, ''],
    ['Guest', 300, ''],
    ['Security Device', 180, 'Scanner or security tool'],
    ['OT Engineer', 30, ''],
    ['Re-Activated Device', 250, ''],
    ['No Antigena', 330, 'Never act on this device'],
  ];
  return tagNames.map(([name, color, description], i) => ({
    tid: [9, 13, 54, 17, 21, 25, 33, 41, 47, 52][i],
    expiry: 0,
    thid: [9, 13, 54, 17, 21, 25, 33, 41, 47, 52][i],
    name,
    restricted: i < 2,
    data: { auto: false, color, description, visibility: i % 2 ? '' : 'Public' },
    isReferenced: i < 4,
  }));
}

/** The users' credential names, first.last. */
export const users = (): string[] => FIRST.map((f, i) => `${f}.${LAST[i % LAST.length]}`);
