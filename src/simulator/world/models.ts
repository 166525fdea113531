// The simulated models: their templates (name, kind, priority, MITRE), metrics, components and
// filters, as the appliance returns them from /models and /components.
import type { Component, Metric, Model } from '../../darktrace/types.ts';
import { dtTime, type Rng } from '../prng.ts';
import { DAY } from './devices.ts';
import { MODELS, type ModelKind } from './model-templates.ts';

export type { ModelKind } from './model-templates.ts';

/** What a breach saw: the observables its display filters carry. */
export type Observable =
  | 'hostname'
  | 'destip'
  | 'port'
  | 'asn'
  | 'ja3'
  | 'uri'
  | 'useragent'
  | 'internalip'
  | 'internalname'
  | 'saasactor'
  | 'saasservice'
  | 'country'
  | 'sourceip'
  | 'message'
  | 'sysmessage'
  | 'eventdetails'
  | 'bytes'
  | 'percent'
  | 'count'
  | 'dnshost';

export interface FilterSpec {
  id: string;
  filterType: string;
  comparator: string;
  /** Static argument (conditions); display filters have none. */
  argument?: unknown;
  /** Where the trigger value comes from. */
  source: Observable | { fixed: unknown };
}

export interface SimComponent extends Component {
  metric: { mlid: number; name: string; label: string };
  spec: FilterSpec[];
}

export interface SimModel {
  index: number;
  kind: ModelKind;
  model: Model;
  /** `now` differs from `then` for some models (edited since the breach). */
  now: Model;
  components: SimComponent[];
  ports: number[];
  weight: number;
}

export const METRICS: Metric[] = [
  ['connections', 'Connections', 'connections'],
  ['dnsrequests', 'DNS Requests', 'requests'],
  ['externalconnections', 'External Connections', 'connections'],
  ['externaldatatransfervolume', 'External Data Transfer', 'bytes'],
  ['internalconnections', 'Internal Connections', 'connections'],
  ['httprequests', 'HTTP Requests', 'requests'],
  ['sslconnections', 'SSL Connections', 'connections'],
  ['smbwrites', 'SMB Writes', 'writes'],
  ['uniqueports', 'Unique Ports', 'ports'],
  ['saasevents', 'SaaS Events', 'events'],
  ['dtsystem', 'System', 'events'],
  ['dtmodelbreach', 'Model', 'breaches'],
  ['datatransfervolume', 'Data Transfer', 'bytes'],
  ['unusualconnections', 'Unusual Connections', 'connections'],
].map(([name, label, units], i) => ({
  mlid: [1, 11, 12, 13, 14, 15, 16, 18, 20, 30, 207, 234, 17, 21][i],
  name,
  label,
  units,
  filtertypes: ['Direction', 'Destination port', 'Protocol', 'Application protocol', 'Connection hostname'],
  unitsinterval: 3600,
  lengthscale: 600,
}));

const METRIC_FOR: Record<ModelKind, string> = {
  beacon: 'externalconnections',
  tls: 'sslconnections',
  http: 'httprequests',
  dns: 'dnsrequests',
  exfil: 'externaldatatransfervolume',
  internal: 'internalconnections',
  saas: 'saasevents',
  system: 'dtsystem',
  antigena: 'dtmodelbreach',
};

/** Condition filters (lettered) and display filters (d1, d2, ...) per kind of model. */
function filtersFor(kind: ModelKind, name: string): FilterSpec[] {
  const display = (obs: [string, Observable][]): FilterSpec[] =>
    obs.map(([filterType, source], i) => ({ id: `d${i + 1}`, filterType, comparator: 'display', source }));
  switch (kind) {
    case 'beacon':
      return [
        { id: 'A', filterType: 'Rare external endpoint', comparator: '>', argument: 95, source: 'percent' },
        { id: 'B', filterType: 'Beaconing score', comparator: '>', argument: 60, source: 'percent' },
        { id: 'C', filterType: 'Direction', comparator: 'is', argument: 'out', source: { fixed: 'out' } },
        { id: 'D', filterType: 'Connection count', comparator: '>', argument: 10, source: 'count' },
        ...display([
          ['Connection hostname', 'hostname'],
          ['Destination IP', 'destip'],
          ['Destination port', 'port'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'tls':
      return [
        { id: 'A', filterType: 'Rare external endpoint', comparator: '>', argument: 90, source: 'percent' },
        {
          id: 'B',
          filterType: 'Application protocol',
          comparator: 'is',
          argument: 'SSL',
          source: { fixed: 'SSL' },
        },
        ...display([
          ['Connection hostname', 'hostname'],
          ['Destination IP', 'destip'],
          ['Destination port', 'port'],
          ['JA3 hash', 'ja3'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'http':
      return [
        {
          id: 'A',
          filterType: 'New or uncommon occurrence',
          comparator: '>',
          argument: 95,
          source: 'percent',
        },
        { id: 'B', filterType: 'Rare external IP', comparator: '>', argument: 10, source: 'percent' },
        {
          id: 'C',
          filterType: 'Application protocol',
          comparator: 'is',
          argument: 'HTTP',
          source: { fixed: 'HTTP' },
        },
        { id: 'D', filterType: 'Direction', comparator: 'is', argument: 'out', source: { fixed: 'out' } },
        ...display([
          ['Connection hostname', 'hostname'],
          ['Destination IP', 'destip'],
          ['Destination port', 'port'],
          ['URI', 'uri'],
          ['User agent', 'useragent'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'dns':
      return [
        {
          id: 'A',
          filterType: 'DNS host lookup',
          comparator: name.startsWith('Testing') ? 'contains' : 'matches regular expression',
          argument: name.startsWith('Testing') ? 'cheese.com' : '.+',
          source: 'dnshost',
        },
        ...display([
          ['DNS host lookup', 'dnshost'],
          ['Destination IP', 'destip'],
        ]),
      ];
    case 'exfil':
      return [
        { id: 'A', filterType: 'Data ratio', comparator: '>', argument: 0.9, source: { fixed: '0.97' } },
        { id: 'B', filterType: 'Total bytes out', comparator: '>', argument: 1073741824, source: 'bytes' },
        ...display([
          ['Connection hostname', 'hostname'],
          ['Destination IP', 'destip'],
          ['Destination port', 'port'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'internal':
      return [
        { id: 'A', filterType: 'Unique destination IPs', comparator: '>', argument: 20, source: 'count' },
        { id: 'B', filterType: 'Direction', comparator: 'is', argument: 'out', source: { fixed: 'out' } },
        {
          id: 'C',
          filterType: 'Internal destination',
          comparator: 'is',
          argument: true,
          source: { fixed: 'true' },
        },
        ...display([
          ['Destination IP', 'internalip'],
          ['Destination port', 'port'],
          ['Internal destination device name', 'internalname'],
        ]),
      ];
    case 'saas':
      return [
        {
          id: 'A',
          filterType: 'SaaS event type',
          comparator: 'is',
          argument: 'Add member to role.',
          source: { fixed: 'Add member to role.' },
        },
        { id: 'B', filterType: 'Unusual ASN for SaaS', comparator: '>', argument: 90, source: 'percent' },
        { id: 'C', filterType: 'Unusual country for SaaS', comparator: '>', argument: 90, source: 'percent' },
        ...display([
          ['SaaS actor', 'saasactor'],
          ['SaaS service', 'saasservice'],
          ['Source IP', 'sourceip'],
          ['Country', 'country'],
          ['ASN', 'asn'],
        ]),
      ];
    case 'system':
      return [
        {
          id: 'A',
          filterType: 'Event details',
          comparator: 'does not contain',
          argument: 'analyze credential ignore list',
          source: 'eventdetails',
        },
        {
          id: 'B',
          filterType: 'System message',
          comparator: 'is',
          argument: 'Probe error',
          source: 'sysmessage',
        },
        ...display([
          ['Event details', 'eventdetails'],
          ['System message', 'sysmessage'],
        ]),
      ];
    case 'antigena':
      return [
        { id: 'A', filterType: 'Counter seconds', comparator: '=', argument: 120, source: { fixed: 120 } },
        { id: 'B', filterType: 'Strength', comparator: '>', argument: 50, source: 'percent' },
        {
          id: 'C',
          filterType: 'Message',
          comparator: 'does not contain',
          argument: 'compliance',
          source: 'message',
        },
        ...display([['Message', 'message']]),
      ];
  }
}

/**
 * A logic tree as the appliance nests it: one condition alone is `{left: "A"}`; more are an OR of
 * AND-chains that share the first condition, e.g. `(A AND B AND D) OR (A AND C AND D)`.
 */
function logicTree(ids: string[]): unknown {
  const chain = (xs: string[]): unknown =>
    xs.length === 1 ? xs[0] : { left: xs[0], operator: 'AND', right: chain(xs.slice(1)) };
  if (ids.length === 1) return { left: ids[0] };
  if (ids.length === 2) return chain(ids);
  const [a, b, c, ...rest] = ids;
  return { left: chain([a, b, ...rest]), operator: 'OR', right: chain([a, c, ...rest]) };
}

/** Every model of MODELS with its components (and their filters), numbered from the seed. */
export function buildModels(r: Rng, startedAt: number) {
  const models: SimModel[] = [];
  const components: SimComponent[] = [];
  let pid = 40 + r.int(0, 20);
  let cid = 2000 + r.int(0, 500);
  const metricByName = new Map(METRICS.map((m) => [m.name, m]));
  for (const [index, t] of MODELS.entries()) {
    pid += r.int(1, 30);
    const phid = pid * 10 + r.int(0, 9);
    const nComp = t.weighted ? r.int(2, 3) : 1;
    const comps: SimComponent[] = [];
    for (let c = 0; c < nComp; c++) {
      cid += r.int(1, 9);
      const spec = filtersFor(t.kind, t.name);
      const metric = metricByName.get(METRIC_FOR[t.kind])!;
      const conditions = spec.filter((f) => f.comparator !== 'display').map((f) => f.id);
      const comp: SimComponent = {
        cid,
        chid: cid + 1200 + r.int(0, 99),
        mlid: metric.mlid,
        threshold: t.kind === 'internal' ? r.int(1, 20) : r.int(0, 1),
        interval: [120, 300, 3600, 3600, 86400][r.int(0, 4)],
        logic: { data: logicTree(conditions), version: 'v0.1' },
        filters: [],
        active: true,
        metric: { mlid: metric.mlid, name: metric.name, label: metric.label },
        spec,
      };
      let cfid = cid * 10;
      comp.filters = spec.map((f) => ({
        id: f.id,
        cfid: ++cfid,
        cfhid: cfid + 4_000_000,
        filtertype: f.filterType,
        comparator: f.comparator,
        arguments: f.argument === undefined ? {} : { value: f.argument },
      }));
      comps.push(comp);
      components.push(comp);
    }
    const sys = !t.user;
    const created = t.user ? { by: t.user, userID: 4 } : { by: 'System' };
    const modified = dtTime(startedAt - r.int(20, 400) * DAY).slice(0, 19);
    const antigenaAction = t.antigena
      ? { action: 'automatic', confirm: false, duration: 3600, threshold: String(r.int(10, 60)) }
      : {};
    const model: Model = {
      name: t.name,
      pid,
      phid,
      uuid: r.uuid(),
      logic: t.weighted
        ? {
            data: comps.map((c) => ({ cid: c.cid, weight: 1 })),
            targetScore: 1,
            type: 'weightedComponentList',
            version: 1,
          }
        : { data: comps.map((c) => c.cid), type: 'componentList', version: 1 },
      throttle: [3600, 86400, 604800, 10][index % 4],
      sharedEndpoints: index % 5 === 0,
      actions: {
        alert: true,
        antigena: antigenaAction,
        breach: true,
        model: true,
        setPriority: false,
        setTag: false,
        setType: false,
      },
      tags: t.tags ?? [],
      interval: t.kind === 'internal' ? 3600 : 0,
      delay: 0,
      sequenced: !t.weighted,
      active: true,
      modified,
      activeTimes: { devices: {}, tags: {}, type: 'exclusions', version: 2 },
      autoUpdatable: sys,
      autoUpdate: true,
      autoSuppress: t.kind !== 'system' ? index % 3 !== 0 : true,
      description: t.description,
      behaviour: t.behaviour ?? (index % 4 === 0 ? 'incdec1' : 'decreasing'),
      defeats:
        t.kind === 'exfil' || t.kind === 'tls'
          ? [
              {
                arguments: { value: 'update.windowsupdate.com' },
                comparator: 'matches',
                defeatID: 1,
                filtertype: 'Connection hostname',
              },
            ]
          : [],
      created: created as { by: string },
      edited: (sys ? { by: index % 2 ? 'System' : 'Nobody' } : { by: t.user!, userID: 4 }) as { by: string },
      version: r.int(3, 80),
      priority: t.priority,
      category: t.priority >= 5 ? 'Critical' : t.priority === 4 ? 'Suspicious' : 'Informational',
      compliance: !!t.compliance,
      mitre: { tactics: t.tactics, techniques: t.techniques },
    };
    const now: Model =
      index % 4 === 1 || t.user
        ? { ...model, message: t.user ? 'added tags' : 'Tuned to reduce noise', version: model.version + 1 }
        : model;
    models.push({
      index,
      kind: t.kind,
      model,
      now,
      components: comps,
      ports: t.ports ?? [53],
      weight: t.weight ?? 1,
    });
  }
  return { models, components };
}
