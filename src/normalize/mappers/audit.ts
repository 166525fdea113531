// Audit log entry (`darktrace_audit`: username, method, endpoint, ip, status, description) →
// Detection. These carry no id, so the identity is a hash of the whole record.

import type { Detection } from '../model.ts';
import { emptyObservables, emptyRelated } from '../model.ts';
import { auditSeverity, SEVERITY_LABELS } from '../severity.ts';
import { add, cleanIp, int, type Obj, str, toMillis } from '../util.ts';
import { contentHash, recordId } from './common.ts';

export function mapAudit(raw: Obj, instance: string): Detection {
  const id = str(raw.id) ?? str(raw.uuid) ?? recordId(raw);
  const method = str(raw.method);
  const endpoint = str(raw.endpoint);
  const status = int(raw.status);
  const description = str(raw.description);
  const failed = description?.toLowerCase().includes('fail') === true;
  const severity = auditSeverity(status, failed);
  const observables = emptyObservables();
  add(observables.users, str(raw.username) ?? str(raw.user));
  add(observables.sourceIps, cleanIp(raw.ip));
  add(observables.uris, endpoint);
  add(observables.httpMethods, method);
  const time = toMillis(raw.time) ?? toMillis(raw.timestamp) ?? toMillis(raw.date);
  return {
    key: { instance, family: 'audit', id },
    uid: `${instance}/audit/${id}`,
    hash: contentHash([status, description]),
    activity: 'create',
    origin: { source: 'unknown', format: 'json' },
    time,
    firstSeen: time,
    lastSeen: time,
    title: description ?? `${method ?? '?'} ${endpoint ?? '?'}`,
    description,
    category: 'audit',
    analytic: { name: 'Threat Visualizer audit log', tags: [] },
    severity,
    severityLabel: SEVERITY_LABELS[severity],
    scores: {},
    devices: [],
    observables,
    tactics: [],
    techniques: [],
    state: { acknowledged: false },
    related: emptyRelated(),
    vendor: {
      method,
      endpoint,
      status,
      outcome: failed || (status !== undefined && status >= 400) ? 'failure' : 'success',
    },
    raw,
  };
}
