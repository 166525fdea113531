// Device and network commands: device look-ups, graphs, similar devices, subnets, external endpoints
// and connection details.
import { command, param } from '../define.ts';
import { ParamError } from '../params.ts';
import { deviceId, deviceIds, end, start } from './shared.ts';

const seenSince = (max: 'week' | 'month') =>
  param({
    name: 'seenSince',
    type: 'string',
    description: `seen within this long: seconds, or N min|hour|day|week${max === 'month' ? '|month (at most 6 months)' : ''}, one unit only`,
    example: '1hour',
  });

const DATA_TYPES: Record<string, 'co' | 'sizeout' | 'sizein'> = {
  connections: 'co',
  dataSizeOut: 'sizeout',
  dataSizeIn: 'sizein',
};

/** `3600`, `30min`, `5 hour`, `2day`, `1week` (and `month` where allowed) → Darktrace's `seensince`. */
export function seenSinceValue(text: string, param: string, allowMonth: boolean): string {
  const m =
    /^\s*(\d+)\s*(second|seconds|sec|min|mins|minute|minutes|hour|hours|day|days|week|weeks|month|months)?\s*$/i.exec(
      text,
    );
  if (!m) {
    throw new ParamError(
      param,
      `"${text}" is not a number of seconds or N min|hour|day|week${allowMonth ? '|month' : ''} with one unit`,
    );
  }
  const n = Number(m[1]);
  const unit = (m[2] ?? 'second')
    .toLowerCase()
    .replace(/s$/, '')
    .replace(/^minute$/, 'min')
    .replace(/^sec(ond)?$/, 'second');
  if (n < 1) throw new ParamError(param, 'must be at least 1 second');
  if (unit === 'month') {
    if (!allowMonth) throw new ParamError(param, 'months are not accepted here: use N week at most');
    if (n > 6) throw new ParamError(param, 'must be at most 6 months');
  }
  if (allowMonth && ((unit === 'week' && n > 26) || (unit === 'day' && n > 183)))
    throw new ParamError(param, 'must be at most 6 months');
  return unit === 'second' ? String(n) : `${n}${unit}`;
}

export const devicesCommands = [
  command({
    name: 'list-devices',
    role: 'analyst',
    aliases: ['darktrace-list-devices'],
    description: 'Devices seen recently (default 7 days), sorted by device ID',
    params: [seenSince('week')],
    output: '[device], sorted by did',
    endpoints: ['devices.list'],
    validate: (p) => {
      if (p.seenSince) seenSinceValue(p.seenSince, 'seen-since', false);
    },
    failure: 'List devices failed.',
    run: async (dt, p) => {
      const r = await dt.devices.list({
        seensince: p.seenSince ? seenSinceValue(p.seenSince, 'seen-since', false) : undefined,
      });
      return (Array.isArray(r) ? r : [r]).sort((a, b) => a.did - b.did);
    },
  }),
  command({
    name: 'get-device-summary',
    role: 'analyst',
    aliases: ['darktrace-get-device-summary'],
    description:
      'Everything about devices: the device, similar devices, details, device info, model breaches',
    params: [deviceIds],
    output: 'per device: {data: {devices, similardevices, details, deviceinfo, modelbreaches}}',
    endpoints: ['devices.summary'],
    each: {
      param: 'deviceIds',
      failure: 'Get device summary failed.',
      run: (dt, did) => dt.devices.summary({ did }),
    },
  }),
  command({
    name: 'get-device-info',
    role: 'analyst',
    aliases: ['darktrace-get-device-connection-info', 'get-device-connection-info'],
    description: 'Connection or data volume graphs of a device',
    params: [
      deviceId,
      {
        name: 'dataType',
        type: 'string',
        enum: Object.keys(DATA_TYPES),
        default: 'connections',
        description: 'connections, dataSizeOut or dataSizeIn',
      },
      { name: 'destinationDeviceId', type: 'integer', description: 'the other device (0 = external)' },
      { name: 'externalDomain', type: 'string', description: 'restrict to this external domain' },
      { name: 'port', type: 'integer', min: 1, max: 65_535, description: 'restrict to this port' },
    ],
    output: '{deviceInfo: [{did, graphData, info}]}',
    endpoints: ['devices.info'],
    failure: 'Get device info failed.',
    run: (dt, p) =>
      dt.devices.info({
        did: p.deviceId,
        datatype: DATA_TYPES[p.dataType],
        odid: p.destinationDeviceId,
        externaldomain: p.externalDomain,
        port: p.port,
      }),
  }),
  command({
    name: 'get-device-metric-data',
    role: 'analyst',
    aliases: ['darktrace-get-device-metric-data'],
    description: 'Time series of metrics for a device (default the last 10 hours)',
    params: [
      deviceId,
      {
        name: 'metrics',
        type: 'string[]',
        required: true,
        description: 'metric names (see list-metrics)',
        example: ['connections'],
      },
      start,
      end,
    ],
    output: 'per metric: [{metric, data: [{time, timems, size, in, out}]}]',
    endpoints: ['devices.metricData'],
    failure: 'Get device metric data failed.',
    run: async (dt, p) => {
      const endtime = p.end ?? Date.now();
      const starttime = p.start ?? endtime - 10 * 3_600_000;
      const out = [];
      for (const metric of p.metrics)
        out.push(...(await dt.devices.metricData({ metric, did: p.deviceId, starttime, endtime })));
      return out;
    },
  }),
  command({
    name: 'list-similar-devices',
    role: 'analyst',
    aliases: ['darktrace-get-similar-devices'],
    description: 'Devices that behave like a device',
    params: [
      deviceId,
      { name: 'count', type: 'integer', min: 1, max: 300, default: 5, description: 'how many' },
    ],
    output: '[device with score]',
    endpoints: ['devices.similar'],
    failure: 'List similar devices failed.',
    run: (dt, p) => dt.devices.similar({ did: p.deviceId, count: p.count }),
  }),
  command({
    name: 'list-subnets',
    role: 'analyst',
    aliases: ['darktrace-list-subnets'],
    description: 'Subnets seen (at most 6 months back)',
    params: [seenSince('month')],
    output: '[{sid, network, label, firstSeen, lastSeen, ...}]',
    endpoints: ['network.subnets'],
    validate: (p) => {
      if (p.seenSince) seenSinceValue(p.seenSince, 'seen-since', true);
    },
    failure: 'List subnets failed.',
    run: (dt, p) =>
      dt.network.subnets({
        seensince: p.seenSince ? seenSinceValue(p.seenSince, 'seen-since', true) : undefined,
      }),
  }),
  command({
    name: 'get-external-endpoint-details',
    role: 'analyst',
    aliases: ['darktrace-get-external-endpoint-details', 'get-endpoint-details'],
    description: 'What the appliance knows about an external IPv4, IPv6 or hostname',
    params: [
      {
        name: 'endpoint',
        type: 'string',
        required: true,
        description: 'IPv4, IPv6 or hostname',
        example: 'example.com',
      },
    ],
    output: 'hostname: {hostname, firsttime, devices, ips, popularity, ...}; IP: {ip, country, asn, ...}',
    endpoints: ['endpointDetails.get'],
    validate: (p) => {
      const e = String(p.endpoint);
      const ok =
        /^(\d{1,3}\.){3}\d{1,3}$/.test(e) ||
        (e.includes(':') && /^[0-9a-f:.]+$/i.test(e)) ||
        /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(e);
      if (!ok) throw new ParamError('endpoint', `"${e}" is not an IPv4, IPv6 address or hostname`);
    },
    failure: 'Get endpoint details failed.',
    run: (dt, p) => {
      const e = String(p.endpoint);
      const isIp = /^(\d{1,3}\.){3}\d{1,3}$/.test(e) || e.includes(':');
      return dt.endpointDetails.get({
        ...(isIp ? { ip: e } : { hostname: e }),
        additionalinfo: true,
        devices: true,
        score: true,
      });
    },
  }),
  command({
    name: 'get-details',
    role: 'analyst',
    aliases: ['darktrace-get-model-breach-connections', 'darktrace-get-details'],
    description: 'Connections, notices and history of a device, a breach or a message (at least one)',
    params: [
      { name: 'deviceId', type: 'integer', description: 'device ID (did)' },
      { name: 'breachId', type: 'integer', description: 'model breach ID (pbid)' },
      { name: 'message', type: 'string', description: 'a notice message (msg)' },
      start,
      end,
      {
        name: 'eventType',
        type: 'string',
        enum: ['connection', 'unusualconnection', 'newconnection', 'notice', 'devicehistory', 'modelbreach'],
        description:
          'connection (default), unusualconnection, newconnection, notice, devicehistory or modelbreach',
      },
      {
        name: 'count',
        type: 'integer',
        min: 1,
        max: 10_000,
        default: 200,
        description: 'at most this many records',
      },
    ],
    output: 'time-ordered records (with a breach ID, the breach record first)',
    endpoints: ['details.get'],
    validate: (p) => {
      if (p.deviceId === undefined && p.breachId === undefined && p.message === undefined) {
        throw new ParamError('device-id', 'give at least one of --device-id, --breach-id or --message');
      }
    },
    failure: 'Get details failed.',
    run: (dt, p) =>
      dt.details.get({
        did: p.deviceId,
        pbid: p.breachId,
        msg: p.message,
        eventtype: p.eventType,
        ...(p.start !== undefined || p.end !== undefined
          ? { starttime: p.start ?? (p.end as number) - 3_600_000, endtime: p.end ?? Date.now() }
          : { count: p.count }),
      }),
  }),
];
