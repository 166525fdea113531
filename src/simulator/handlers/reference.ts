// Models, components, metrics, enums and filter types (§11), and the appliance's status (§13).
import { badRequest, notFound, trimResponse } from '../http.ts';
import { dtTime, h32 } from '../prng.ts';
import type { Ctx, Handlers } from './context.ts';
import { DAY } from './context.ts';

export function componentView(ctx: Ctx, cid: number) {
  const c = ctx.sim.world.byCid.get(cid);
  if (!c) throw notFound(`Component ${cid} not found`);
  return {
    active: c.active,
    chid: c.chid,
    cid: c.cid,
    filters: c.filters,
    interval: c.interval,
    logic: c.logic,
    mlid: c.mlid,
    threshold: c.threshold,
  };
}

export function statusObject(ctx: Ctx) {
  const { sim, now } = ctx;
  const w = sim.world;
  const up = Math.floor((now - w.startedAt) / 1000) + 86400 * 12;
  const hh = String(Math.floor(up / 3600)).padStart(2, '0');
  const mm = String(Math.floor((up % 3600) / 60)).padStart(2, '0');
  const ss = String(up % 60).padStart(2, '0');
  const probes: Record<string, unknown> = {};
  for (let i = 1; i <= 3; i++) {
    probes[String(i)] = {
      id: i,
      uuid: `${w.seed.toString(16).padStart(8, '0')}-prob-4e00-8000-00000000000${i}`,
      version: '6.2.14',
      ipAddress: `10.10.1.${240 + i}`,
      label: `vSensor0${i}`,
      time: dtTime(now),
      error: false,
      bandwidthCurrent: 4_000_000 + i * 100_000,
      bandwidthCurrentString: `${4 + i / 10} Mbps`,
    };
  }
  return {
    excessTraffic: false,
    time: dtTime(now),
    installed: '03/14/23',
    mobileAppConfigured: false,
    version: '6.2.14 (f3b1c2)',
    ipAddress: '10.10.1.250',
    modelsUpdated: dtTime(now - 3 * DAY),
    modelPackageVersion: '6.2-1234~20240102',
    bundleVersion: '62014',
    bundleDate: dtTime(now - 20 * DAY),
    bundleInstalledDate: dtTime(now - 19 * DAY),
    hostname: sim.host,
    inoculation: false,
    applianceOSCode: 'focal',
    license: dtTime(now + 200 * DAY),
    licenseCounts: { saas: 30, network: 500 },
    saasConnectorLicense: dtTime(now + 200 * DAY),
    antigenaNetworkEnabled: true,
    antigenaNetworkConfirmationMode: false,
    antigenaNetworkLicense: dtTime(now + 200 * DAY),
    type: 'master',
    diskUtilization: 41,
    load: 22,
    cpu: 18,
    memoryUsed: 63,
    diskSpaceUsed_: 41,
    uptime: `${hh}:${mm}:${ss}`,
    dtqueue: 0,
    bandwidthCurrent: 14_800_000,
    bandwidthCurrentString: '14.8 Mbps',
    bandwidthAverage: 12_100_000,
    bandwidthAverageString: '12.1 Mbps',
    bandwidth7DayPeak: 91_000_000,
    bandwidth7DayPeakString: '91 Mbps',
    bandwidth2WeekPeak: 94_000_000,
    bandwidth2WeekPeakString: '94 Mbps',
    processedBandwidthCurrent: 14_700_000,
    processedBandwidthCurrentString: '14.7 Mbps',
    connectionsPerMinuteCurrent: 3200,
    operatingSystem: 'Ubuntu 20.04.6 LTS',
    kernelVersion: '5.4.0-169-generic',
    label: 'Simulated Master',
    uuid: `${w.seed.toString(16).padStart(8, '0')}-0000-4000-8000-000000000001`,
    eventsPerMinuteCurrent: { connection: 3200, dns: 900, http: 410, ssl: 1500 },
    probes,
    subnets: w.subnets.length,
    subnetData: w.subnets.map((s) => ({
      sid: s.sid,
      network: s.network,
      devices: 0,
      clientDevices: 0,
      mostRecentTraffic: s.mostRecentTraffic,
    })),
    devicesSeenInLast7Days: w.devices.length,
    models: w.models.length,
    modelBreachesInLast7Days: sim.tl.count - sim.tl.lowerBound(now - 7 * DAY) + sim.tl.liveCount(now),
    instances: {},
  };
}

export const ENUMS: Record<string, { code: string; name: string }[]> = {
  Country: [
    ['US', 'United States'],
    ['GB', 'United Kingdom'],
    ['DE', 'Germany'],
    ['FR', 'France'],
    ['NL', 'Netherlands'],
    ['CN', 'China'],
    ['JP', 'Japan'],
    ['SG', 'Singapore'],
    ['RO', 'Romania'],
  ].map(([code, name]) => ({ code, name })),
  Protocol: [
    ['6', 'TCP'],
    ['17', 'UDP'],
    ['1', 'ICMP'],
  ].map(([code, name]) => ({ code, name })),
  'Application protocol': [
    'HTTP',
    'SSL',
    'DNS',
    'SSH',
    'SMB',
    'RDP',
    'Kerberos',
    'LDAP',
    'NTP',
    'Unknown',
  ].map((name, i) => ({
    code: String(i + 1),
    name,
  })),
  'Internal source device type': [
    ['desktop', 'Desktop'],
    ['laptop', 'Laptop'],
    ['server', 'Server'],
    ['dnsserver', 'DNS Server'],
    ['iot', 'IoT Device'],
    ['saasprovider', 'SaaS Provider'],
  ].map(([code, name]) => ({ code, name })),
  'Destination device type': [
    ['desktop', 'Desktop'],
    ['server', 'Server'],
  ].map(([code, name]) => ({ code, name })),
  Vendor: ['Apple, Inc.', 'Dell Inc.', 'Hewlett Packard', 'Lenovo', 'VMware, Inc.'].map((name, i) => ({
    code: String(i + 1),
    name,
  })),
  Direction: [
    ['in', 'Incoming'],
    ['out', 'Outgoing'],
  ].map(([code, name]) => ({ code, name })),
};

export const FILTER_TYPES = [
  ['Destination IP', 'ipv4', true, ['is', 'is not', 'in network', 'not in network', 'display']],
  ['Destination port', 'numeric', true, ['=', '!=', '<', '>', 'display']],
  [
    'Connection hostname',
    'string',
    true,
    ['matches', 'does not match', 'matches regular expression', 'display'],
  ],
  ['ASN', 'string', true, ['matches', 'does not match', 'display']],
  ['JA3 hash', 'string', true, ['is', 'is not', 'display']],
  ['URI', 'string', false, ['contains', 'does not contain', 'matches regular expression', 'display']],
  ['User agent', 'string', false, ['contains', 'does not contain', 'matches regular expression', 'display']],
  ['Direction', 'enum', true, ['is', 'is not']],
  ['Application protocol', 'enum', true, ['is', 'is not', 'display']],
  [
    'Message',
    'string',
    false,
    ['contains', 'does not contain', 'matches', 'matches regular expression', 'display'],
  ],
  ['Rare external endpoint', 'numeric', false, ['<', '>']],
  ['Beaconing score', 'numeric', false, ['<', '>']],
  ['DNS host lookup', 'string', false, ['contains', 'matches regular expression', 'display']],
  ['Strength', 'numeric', false, ['<', '>']],
  ['Tagged internal source', 'tag', false, ['has tag', 'does not have tag']],
  ['Event details', 'string', false, ['contains', 'does not contain', 'display']],
  ['System message', 'string', false, ['is', 'is not', 'display']],
].map(([filtertype, valuetype, graphable, comparators]) => ({
  filtertype,
  valuetype,
  graphable,
  comparators,
}));

export const models: Handlers['models'] = {
  list: (ctx) => {
    const { p, sim } = ctx;
    const uuid = p.str('uuid');
    const view = (m: (typeof sim.world.models)[number]) => ({
      ...m.now,
      message: m.now.message ?? 'Initial version',
      history: [
        {
          modified: m.now.modified,
          active: true,
          message: m.now.message ?? 'Initial version',
          by: 'System',
          phid: m.now.phid,
        },
      ],
    });
    if (uuid !== undefined) {
      const m = sim.world.byUuid.get(uuid);
      if (!m) throw notFound(`Model ${uuid} not found`);
      // XS-MB reads ?uuid= as one object (xsoar/model.json).
      return trimResponse(view(m), p.str('responsedata'));
    }
    return trimResponse(sim.world.models.map(view), p.str('responsedata'));
  },
  components: (ctx) => {
    const cid = ctx.p.int('cid');
    if (cid !== undefined) return componentView(ctx, cid);
    return trimResponse(
      ctx.sim.world.components.map((c) => componentView(ctx, c.cid)),
      ctx.p.str('responsedata'),
    );
  },
  component: (ctx) => componentView(ctx, Number(ctx.params.cid)),
};

export const reference: Handlers['reference'] = {
  enums: (ctx) => trimResponse(ENUMS, ctx.p.str('responsedata')),
  filterTypes: (ctx) => trimResponse(FILTER_TYPES, ctx.p.str('responsedata')),
  metrics: (ctx) => trimResponse(ctx.sim.world.metrics, ctx.p.str('responsedata')),
  metric: (ctx) => {
    const m = ctx.sim.world.metrics.find((x) => x.mlid === Number(ctx.params.mlid));
    if (!m) throw notFound(`Metric ${ctx.params.mlid} not found`);
    return m;
  },
};

export const system: Handlers['system'] = {
  status: (ctx) => trimResponse(statusObject(ctx), ctx.p.str('responsedata')),
  summaryStatistics: (ctx) => {
    const { p, sim, now } = ctx;
    if (p.has('hours')) throw badRequest('Invalid parameter hours');
    const hour = 3_600_000;
    const interval = p.has('eventtype') ? hour : DAY;
    const end = Math.floor((p.num('endtime') ?? now) / interval) * interval;
    const n = p.has('eventtype') ? 24 : 28;
    const count = (t: string) => sim.world.devices.filter((d) => d.typename === t).length;
    const out = {
      usercredentialcount: sim.world.devices.filter((d) => d.credentials).length,
      subnets: sim.world.subnets.length,
      patterns: 20_000 + (h32(sim.world.seed, 1, 80) % 10_000),
      bandwidth: Array.from({ length: n }, (_, i) => {
        const t = end - (n - 1 - i) * interval;
        return {
          timems: t,
          time: dtTime(t),
          kb: 1_000_000 + (h32(sim.world.seed, t / interval, 81) % 5_000_000),
        };
      }),
      antigenaDevices: new Set([...sim.state.actions.values()].map((a) => a.did)).size,
      antigenaActions: sim.state.actions.size,
      devicecount: {
        desktop: count('desktop'),
        laptop: count('laptop'),
        server: count('server'),
        dnsserver: count('dnsserver'),
        iot: count('iot'),
        saas: { Office365: 8, AzureActiveDirectory: 8, GoogleWorkspace: 7, Salesforce: 7 },
        total: sim.world.devices.length,
      },
    };
    return trimResponse(out, p.str('responsedata'));
  },
};
