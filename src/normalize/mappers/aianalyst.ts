// AI Analyst incident event → Detection. The observables live in `details`, in one of two shapes:
// old `[[{header, contents:[{key, type, values}]}]]` and newer
// `[{blockType, blocks:[{blockHeader, bulletBlocks:[[{detailKey, valueType, detailValues}]]}]}]`.

import { tactic } from '../mitre.ts';
import type { Detection, DeviceInfo, Observables, Tactic } from '../model.ts';
import { emptyObservables, emptyRelated } from '../model.ts';
import { aiaSeverity, SEVERITY_LABELS } from '../severity.ts';
import {
  add,
  arr,
  bool,
  cleanIp,
  int,
  isIp,
  lower,
  num,
  type Obj,
  obj,
  parseAsn,
  splitSaas,
  str,
  toMillis,
} from '../util.ts';
import { contentHash, mapDevice, recordId } from './common.ts';

type Role = 'src' | 'dst' | 'rel';

function roleOf(header: string, key: string): Role {
  if (
    key.includes('source') ||
    key.includes('saas account') ||
    key === 'actor' ||
    header.includes('breaching')
  )
    return 'src';
  if (
    key.includes('destination') ||
    key.includes('target') ||
    key.includes('scanned') ||
    key.includes('endpoint') ||
    key.includes('connected to') ||
    key.includes('contacted')
  )
    return 'dst';
  return header.includes('source') || header.includes('agent') ? 'src' : 'rel';
}

function addHost(o: Observables, role: Role, host: string): void {
  const saas = splitSaas(host);
  if (saas) {
    add(o.users, saas.user || undefined);
    return;
  }
  add(role === 'src' ? o.sourceHosts : role === 'dst' ? o.destinationHosts : o.relatedHosts, host);
}

function addIp(o: Observables, role: Role, ip: string | undefined): void {
  if (!ip || ip === '0.0.0.0') return;
  add(role === 'src' ? o.sourceIps : role === 'dst' ? o.destinationIps : o.relatedIps, ip);
}

function addPorts(list: number[], values: unknown[]): void {
  for (const v of values) {
    const p = int(v);
    if (p !== undefined && p >= 0 && p <= 65535) add(list, p);
  }
}

function addBytes(o: Observables, dir: 'in' | 'out', values: unknown[]): void {
  for (const v of values) {
    const n = num(v);
    if (n === undefined || n < 0) continue;
    if (dir === 'in') o.bytesIn = (o.bytesIn ?? 0) + n;
    else o.bytesOut = (o.bytesOut ?? 0) + n;
  }
}

function strings(values: unknown[], into: string[]): void {
  for (const v of values) if (typeof v === 'string' && v.length > 0) add(into, v);
}

/** One detail entry (header, key, value type, values) → observables. */
function detail(o: Observables, headerRaw: string, keyRaw: string, type: string, values: unknown[]): void {
  const header = headerRaw.toLowerCase();
  const key = keyRaw.toLowerCase();
  if (type === 'device' || type === 'externalhost' || (values.length > 0 && obj(values[0]))) {
    const role = roleOf(header, key);
    for (const v of values) {
      const d = obj(v);
      if (!d) continue;
      addIp(o, role, cleanIp(d.ip));
      const host = str(d.hostname) ?? str(d.identifier);
      if (host !== undefined && typeof host === 'string') {
        const ip = cleanIp(host);
        if (ip) addIp(o, role, ip);
        else addHost(o, role, host);
      }
    }
    return;
  }
  switch (key) {
    case 'destination port':
    case 'destination ports':
    case 'port':
    case 'ports':
    case 'key ports':
      addPorts(o.destinationPorts, values);
      return;
    case 'source port':
    case 'source ports':
      addPorts(o.sourcePorts, values);
      return;
    case 'asn':
    case 'asns':
      for (const v of values) {
        if (typeof v !== 'string') continue;
        const a = parseAsn(v);
        if (!o.asns.some((x) => x.number === a.number && x.name === a.name)) o.asns.push(a);
      }
      return;
    case 'uri':
    case 'uris':
    case 'url':
    case 'urls':
      strings(values, o.uris);
      return;
    case 'http method':
    case 'http methods':
      strings(values, o.httpMethods);
      return;
    case 'actor':
    case 'user':
    case 'users':
    case 'username':
    case 'account':
      strings(values, o.users);
      return;
    case 'uploaded':
    case 'data uploaded':
    case 'data sent':
    case 'bytes sent':
    case 'data outbound':
      addBytes(o, 'out', values);
      return;
    case 'downloaded':
    case 'data downloaded':
    case 'data received':
    case 'bytes received':
    case 'data inbound':
      addBytes(o, 'in', values);
      return;
  }
  if (key.includes('username') && !key.includes('source of')) strings(values, o.users);
  else if (key.includes('ja3')) strings(values, o.ja3);
  else if (key.includes('user agent')) strings(values, o.userAgents);
  else if (key.includes('hostname') || key.includes('domain') || key.includes('ip')) {
    const role = roleOf(header, key);
    for (const v of values) {
      if (typeof v !== 'string') continue;
      const ip = cleanIp(v);
      if (ip) addIp(o, role, ip);
      else if (!key.includes('ip') && !v.includes(' ')) addHost(o, role === 'rel' ? 'dst' : role, v);
    }
  }
}

function walkDetails(details: unknown, o: Observables): number {
  let n = 0;
  for (const sec of arr(details)) {
    if (Array.isArray(sec)) {
      for (const b of sec) {
        const block = obj(b);
        if (!block) continue;
        const header = str(block.header) ?? '';
        for (const c of arr(block.contents)) {
          const e = obj(c);
          if (!e) continue;
          n++;
          detail(o, header, str(e.key) ?? '', lower(e.type) ?? '', arr(e.values));
        }
      }
      continue;
    }
    const s = obj(sec);
    if (!s) continue;
    for (const b of arr(s.blocks)) {
      const block = obj(b);
      if (!block) continue;
      const header = str(block.blockHeader) ?? '';
      for (const bullet of arr(block.bulletBlocks)) {
        for (const item of Array.isArray(bullet) ? bullet : [bullet]) {
          const e = obj(item);
          if (!e) continue;
          n++;
          detail(o, header, str(e.detailKey) ?? '', lower(e.valueType) ?? '', arr(e.detailValues));
        }
      }
    }
  }
  return n;
}

function ackOf(v: unknown): { acknowledged: boolean; by?: string; at?: number } {
  const o = obj(v);
  if (o) return { acknowledged: true, by: str(o.username), at: toMillis(o.time) };
  return { acknowledged: bool(v) ?? false };
}

export function mapAiAnalyst(raw: Obj, instance: string): Detection {
  const id = str(raw.id) ?? recordId(raw);
  const dtCategory = lower(raw.category);
  const groupCategory = lower(raw.groupCategory);
  const aiaScore = num(raw.aiaScore);
  const groupScore = num(raw.groupScore);
  const severity = aiaSeverity(dtCategory, groupCategory, aiaScore, groupScore);

  const observables = emptyObservables();
  const devices: DeviceInfo[] = [];
  for (const d of arr(raw.breachDevices)) {
    const dev = mapDevice(d, observables);
    if (dev) devices.push(dev);
  }
  // The breaching devices are the source of the activity; they go first, before what details add.
  for (const d of devices) {
    for (const ip of d.ips) add(observables.sourceIps, ip);
    if (d.hostname && !d.saas && !isIp(d.hostname)) add(observables.sourceHosts, d.hostname);
  }
  const detailCount = walkDetails(raw.details, observables);

  let first: number | undefined;
  let last: number | undefined;
  for (const p of arr(raw.periods)) {
    const o = obj(p);
    if (!o) continue;
    const s = toMillis(o.start);
    const e = toMillis(o.end);
    if (s !== undefined && (first === undefined || s < first)) first = s;
    if (e !== undefined && (last === undefined || e > last)) last = e;
  }

  const tactics: Tactic[] = [];
  for (const t of arr(raw.mitreTactics)) {
    if (typeof t === 'string' && t.length > 0 && !tactics.some((x) => x.name === t)) tactics.push(tactic(t));
  }

  const related = emptyRelated();
  for (const b of arr(raw.relatedBreaches)) {
    const o = obj(b);
    const pbid = int(o?.pbid);
    if (!o || pbid === undefined) continue;
    related.breaches.push({
      pbid,
      modelName: str(o.modelName),
      threatScore: num(o.threatScore),
      time: toMillis(o.timestamp),
    });
  }
  related.group = str(raw.currentGroup);
  related.groupCategory = groupCategory;
  for (const g of arr(raw.groupPreviousGroups)) add(related.previousGroups, str(g));
  for (const c of arr(raw.children)) add(related.children, str(c));
  related.activityId = str(raw.activityId);

  const ack = ackOf(raw.acknowledged);
  const pinned = bool(raw.pinned);
  const created = toMillis(raw.createdAt);
  const title = str(raw.title) ?? 'AI Analyst incident event';
  const summariser = str(raw.summariser);
  const attackPhases: number[] = [];
  for (const p of arr(raw.attackPhases)) {
    const n = int(p);
    if (n !== undefined) attackPhases.push(n);
  }
  const groupingIds: string[] = [];
  for (const g of arr(raw.groupingIds)) add(groupingIds, str(g));

  return {
    key: { instance, family: 'ai_analyst', id },
    uid: `${instance}/ai_analyst/${id}`,
    hash: contentHash([
      ack.acknowledged,
      pinned,
      aiaScore,
      groupScore,
      related.group,
      groupCategory,
      dtCategory,
      title,
      related.breaches.length,
      last,
    ]),
    activity: 'create',
    origin: { source: 'unknown', format: 'json' },
    time: created ?? first,
    created,
    firstSeen: first,
    lastSeen: last,
    title,
    description: str(raw.summary),
    category: dtCategory,
    dtCategory,
    analytic: {
      id: summariser,
      name: summariser ?? 'AI Analyst',
      category: dtCategory,
      tags: [],
    },
    severity,
    severityLabel: SEVERITY_LABELS[severity],
    scores: { aiaScore, groupScore, normalized: aiaScore },
    devices,
    observables,
    tactics,
    techniques: [],
    url: str(raw.incidentEventUrl),
    state: { acknowledged: ack.acknowledged, acknowledgedBy: ack.by, acknowledgedAt: ack.at, pinned },
    related,
    vendor: {
      summariser,
      attack_phases: attackPhases,
      user_triggered: bool(raw.userTriggered),
      external_triggered: bool(raw.externalTriggered),
      group_by_activity: bool(raw.groupByActivity),
      grouping_ids: groupingIds,
      detail_count: detailCount,
    },
    raw,
  };
}
