// System status alert → Detection. Identity is the alert's uuid; each change (last_updated, status,
// priority) is a new version of it, which the content hash captures.

import type { Detection, DeviceInfo } from '../model.ts';
import { emptyObservables, emptyRelated } from '../model.ts';
import { SEVERITY_LABELS, statusSeverity } from '../severity.ts';
import { add, cleanIp, int, lower, num, type Obj, str, toMillis } from '../util.ts';
import { contentHash, recordId } from './common.ts';

export function mapStatus(raw: Obj, instance: string): Detection {
  const id = str(raw.uuid) ?? recordId(raw);
  const level = lower(raw.priority_level);
  const priority = num(raw.priority);
  const severity = statusSeverity(level, priority);
  const status = lower(raw.status);
  const time = toMillis(raw.last_updated);
  const statusTime = toMillis(raw.last_updated_status);
  const observables = emptyObservables();
  // The device is the Darktrace component that raised the alert (master, probe, vSensor).
  const dev: DeviceInfo = { ips: [], tags: [] };
  const host = str(raw.hostname);
  const ipFromHost = host ? cleanIp(host) : undefined;
  if (ipFromHost) add(dev.ips, ipFromHost);
  else if (host) dev.hostname = host;
  add(dev.ips, cleanIp(raw.ip_address));
  const devices = dev.hostname || dev.ips.length ? [dev] : [];
  const name = str(raw.name);
  const title = str(raw.alert_name) ?? name ?? 'System status alert';
  return {
    key: { instance, family: 'system_status', id },
    uid: `${instance}/system_status/${id}`,
    hash: contentHash([time, statusTime, status, priority, level, str(raw.message)]),
    activity: 'create',
    origin: { source: 'unknown', format: 'json' },
    time,
    created: time,
    firstSeen: time,
    lastSeen: time,
    updated: statusTime ?? time,
    title,
    description: str(raw.message),
    category: 'system',
    analytic: { id: name, name: title, category: 'System Status', tags: [] },
    severity,
    severityLabel: SEVERITY_LABELS[severity],
    scores: { statusPriority: priority, priorityLevel: level, normalized: priority },
    devices,
    observables,
    tactics: [],
    techniques: [],
    url: str(raw.url),
    state: { acknowledged: status === 'acknowledged', status },
    related: emptyRelated(),
    vendor: {
      name,
      child_id: int(raw.child_id),
      acknowledge_timeout: num(raw.acknowledge_timeout),
      last_updated_status: statusTime,
    },
    raw,
  };
}
