// Detection → OCSF 1.3. Model breaches, AI Analyst events and system status alerts are Detection
// Findings (class 2004); audit entries are API Activity (6003); RESPOND actions are Remediation
// Activity (7001); /EMAIL alerts are Email Activity (4009). Why is in ../README.md. Darktrace-only data
// goes under `unmapped.darktrace`.
import type { Detection, DeviceInfo } from '../model.ts';
import { SEVERITY_LABELS } from '../severity.ts';
import { iso } from '../util.ts';

export const OCSF_VERSION = '1.3.0';

type Doc = Record<string, any>;

// OCSF device.type_id
const DEVICE_TYPES: Record<string, [number, string]> = {
  server: [1, 'Server'],
  desktop: [2, 'Desktop'],
  laptop: [3, 'Laptop'],
  tablet: [4, 'Tablet'],
  mobile: [5, 'Mobile'],
  phone: [5, 'Mobile'],
  virtual: [6, 'Virtual'],
  iot: [7, 'IOT'],
  firewall: [9, 'Firewall'],
  switch: [10, 'Switch'],
  hub: [11, 'Hub'],
};

function osOf(name: string): Doc {
  const l = name.toLowerCase();
  let id = 99;
  let type = 'Other';
  if (l.includes('windows')) [id, type] = [100, 'Windows'];
  else if (l.includes('android')) [id, type] = [201, 'Android'];
  else if (l.includes('linux')) [id, type] = [200, 'Linux'];
  else if (l.includes('ios') && !l.includes('bios')) [id, type] = [301, 'iOS'];
  else if (l.includes('mac')) [id, type] = [300, 'macOS'];
  return { name, type_id: id, type };
}

/**
 * OCSF device object. The hardware vendor has no device attribute in 1.3 (`device.vendor_name` came in
 * 1.4), so it is only written where the device is already unmapped data (`vendor`), and otherwise
 * kept as `unmapped.darktrace.device_vendor`.
 */
function device(d: DeviceInfo, vendor = false): Doc {
  const ty = d.type ? DEVICE_TYPES[d.type.toLowerCase()] : undefined;
  return {
    uid: d.id !== undefined ? String(d.id) : undefined,
    ip: d.ips[0],
    hostname: d.saas ? undefined : d.hostname,
    name: d.name ?? d.hostname,
    mac: d.mac,
    type_id: ty ? ty[0] : d.type ? 99 : 0,
    type: ty ? ty[1] : (d.typeLabel ?? d.type ?? 'Unknown'),
    os: d.os ? osOf(d.os) : undefined,
    vendor_name: vendor ? d.vendor : undefined,
    subnet_uid: d.subnetId !== undefined ? String(d.subnetId) : undefined,
    first_seen_time: d.firstSeen,
    last_seen_time: d.lastSeen,
    groups: d.tags.length ? d.tags.map((name) => ({ name })) : undefined,
    owner: d.saas?.user ? { name: d.saas.user } : undefined,
  };
}

function observables(det: Detection): Doc[] {
  const out: Doc[] = [];
  const o = det.observables;
  for (const dev of det.devices) {
    for (const ip of dev.ips) out.push({ name: 'device.ip', type_id: 2, type: 'IP Address', value: ip });
    if (dev.hostname && !dev.saas)
      out.push({ name: 'device.hostname', type_id: 1, type: 'Hostname', value: dev.hostname });
    if (dev.mac) out.push({ name: 'device.mac', type_id: 3, type: 'MAC Address', value: dev.mac });
  }
  for (const ip of o.sourceIps)
    out.push({ name: 'src_endpoint.ip', type_id: 2, type: 'IP Address', value: ip });
  for (const ip of o.destinationIps)
    out.push({ name: 'dst_endpoint.ip', type_id: 2, type: 'IP Address', value: ip });
  for (const h of o.destinationHosts)
    out.push({ name: 'dst_endpoint.hostname', type_id: 1, type: 'Hostname', value: h });
  if (!det.email)
    for (const u of o.users) out.push({ name: 'user.name', type_id: 4, type: 'User Name', value: u });
  for (const u of o.uris) out.push({ name: 'url.url_string', type_id: 6, type: 'URL String', value: u });
  for (const h of o.ja3) out.push({ name: 'tls.ja3_hash.value', type_id: 8, type: 'Hash', value: h });
  for (const h of o.relatedHosts) out.push({ name: 'hostname', type_id: 1, type: 'Hostname', value: h });
  const em = det.email;
  if (em) {
    if (em.from) out.push({ name: 'email.from', type_id: 5, type: 'Email Address', value: em.from });
    for (const a of em.to) out.push({ name: 'email.to', type_id: 5, type: 'Email Address', value: a });
    for (const a of em.attachments) {
      if (a.name) out.push({ name: 'file.name', type_id: 7, type: 'File Name', value: a.name });
      for (const h of [a.sha256, a.sha1])
        if (h) out.push({ name: 'file.hashes.value', type_id: 8, type: 'Hash', value: h });
    }
  }
  return out;
}

/** One evidence per destination (at least one when there is anything to say). */
function evidences(det: Detection): Doc[] | undefined {
  const o = det.observables;
  const dev0 = det.devices[0];
  const src =
    o.sourceIps[0] || o.sourceHosts[0] || dev0
      ? {
          ip: o.sourceIps[0] ?? dev0?.ips[0],
          hostname: o.sourceHosts[0] ?? (dev0?.saas ? undefined : dev0?.hostname),
          port: o.sourcePorts[0],
          uid: dev0?.id !== undefined ? String(dev0.id) : undefined,
        }
      : undefined;
  const asn = o.asns[0];
  // OCSF 1.3 evidences have a URL but no TLS or HTTP request (both came in 1.4): the JA3 hashes, HTTP
  // methods and user agents are kept under unmapped.darktrace.evidence (see unmappedEvidence).
  const url = o.uris.length ? urlOf(o.uris[0]) : undefined;
  const actor = o.users.length ? { user: { name: o.users[0] } } : undefined;
  const n = Math.max(o.destinationIps.length, o.destinationHosts.length, 1);
  const out: Doc[] = [];
  for (let i = 0; i < n && i < 16; i++) {
    const ip = o.destinationIps[i];
    const host = o.destinationHosts[i];
    const port = o.destinationPorts.length === 1 ? o.destinationPorts[0] : o.destinationPorts[i];
    const dst =
      ip || host || port !== undefined
        ? {
            ip,
            hostname: host,
            port,
            autonomous_system: i === 0 && asn ? { number: asn.number, name: asn.name } : undefined,
          }
        : undefined;
    if (!dst && !src && i === 0 && !url && !actor) return undefined;
    out.push(
      i === 0
        ? { src_endpoint: src, dst_endpoint: dst, url, actor }
        : { src_endpoint: src, dst_endpoint: dst },
    );
  }
  return out;
}

/** A URL as OCSF's url object: the whole string when it parses as a URL, the path when it is one. */
function urlOf(u: string): Doc {
  if (u.startsWith('/')) return { path: u };
  return URL.canParse(u) ? { url_string: u } : { path: u };
}

/** What Darktrace says of the connections that OCSF 1.3 evidences have no attribute for. */
function unmappedEvidence(d: Detection): Doc | undefined {
  const o = d.observables;
  if (!o.ja3.length && !o.httpMethods.length && !o.userAgents.length) return undefined;
  return {
    tls_ja3: o.ja3.length ? o.ja3 : undefined,
    http_methods: o.httpMethods.length ? o.httpMethods : undefined,
    user_agents: o.userAgents.length ? o.userAgents : undefined,
  };
}

function metadata(d: Detection): Doc {
  return {
    version: OCSF_VERSION,
    product: { name: 'Threat Visualizer', vendor_name: 'Darktrace', feature: { name: d.key.family } },
    uid: d.uid,
    correlation_uid: d.related.group,
    tenant_uid: d.key.instance,
    original_time: d.time !== undefined ? iso(d.time) : undefined,
    event_code: d.analytic?.id,
    labels: [d.key.family],
  };
}

/** `unmapped.darktrace`; the callers add their class's own keys after these. */
function unmappedDarktrace(d: Detection): Doc {
  const darktrace: Doc = {
    hash: d.hash,
    category: d.dtCategory,
    severity_label: d.severityLabel,
    scores: d.scores,
    state: d.state,
    device_vendor: d.devices[0]?.vendor,
  };
  // Set after the literal: a computed key in it costs a runtime call per document.
  darktrace[d.key.family] = d.vendor;
  return darktrace;
}

function unmapped(d: Detection): Doc {
  return { darktrace: unmappedDarktrace(d) };
}

function apiActivity(d: Detection): Doc {
  const method = String(d.vendor.method ?? '').toUpperCase();
  const act =
    method === 'POST'
      ? 1
      : method === 'GET'
        ? 2
        : method === 'PUT' || method === 'PATCH'
          ? 3
          : method === 'DELETE'
            ? 4
            : 99;
  const names: Record<number, string> = { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' };
  const failed = d.vendor.outcome === 'failure';
  const o = d.observables;
  return {
    activity_id: act,
    activity_name: names[act],
    category_uid: 6,
    category_name: 'Application Activity',
    class_uid: 6003,
    class_name: 'API Activity',
    type_uid: 600300 + act,
    type_name: `API Activity: ${names[act]}`,
    time: d.time,
    severity_id: d.severity,
    severity: SEVERITY_LABELS[d.severity],
    status_id: failed ? 2 : 1,
    status: failed ? 'Failure' : 'Success',
    status_code: d.vendor.status !== undefined ? String(d.vendor.status) : undefined,
    message: d.title,
    actor: { user: { name: o.users[0] } },
    api: { operation: method || 'unknown', service: { name: 'Threat Visualizer' } },
    http_request: { http_method: method || undefined, url: { path: d.vendor.endpoint } },
    src_endpoint: { ip: o.sourceIps[0] },
    observables: observables(d),
    metadata: metadata(d),
    unmapped: unmapped(d),
  };
}

const REMEDIATION_ACTIVITIES: Record<number, string> = { 1: 'Isolate', 3: 'Restore', 99: 'Other' };

/**
 * RESPOND action → Remediation Activity (7001, category 7 Remediation). The activity is the D3FEND
 * tactic: an action in force isolates the device or its connections (1 Isolate); clearing or expiry
 * gives the device its traffic back (3 Restore). A proposed action not yet confirmed has not acted:
 * status 99 Other ("Pending confirmation"); every other state change is a done fact, 1 Success.
 */
function remediationActivity(d: Detection): Doc {
  const r = d.respond;
  const st = r?.state ?? 'unknown';
  const act = st === 'cleared' || st === 'expired' ? 3 : st === 'unknown' ? 99 : 1;
  const pending = st === 'created';
  const b = d.related.breaches[0];
  return {
    activity_id: act,
    activity_name: REMEDIATION_ACTIVITIES[act],
    category_uid: 7,
    category_name: 'Remediation',
    class_uid: 7001,
    class_name: 'Remediation Activity',
    type_uid: 700100 + act,
    type_name: `Remediation Activity: ${REMEDIATION_ACTIVITIES[act]}`,
    time: d.time ?? d.created,
    start_time: r?.start,
    end_time: r?.expires,
    severity_id: d.severity,
    severity: SEVERITY_LABELS[d.severity],
    status_id: pending ? 99 : st === 'unknown' ? 0 : 1,
    status: pending ? 'Pending confirmation' : st === 'unknown' ? 'Unknown' : 'Success',
    status_detail: st,
    message: d.description ?? d.title,
    command_uid: r?.codeId !== undefined ? String(r.codeId) : d.key.id,
    device: d.devices.length ? device(d.devices[0]) : undefined,
    actor: r?.user ? { user: { name: r.user } } : undefined,
    observables: observables(d),
    metadata: {
      ...metadata(d),
      correlation_uid: b ? String(b.pbid) : undefined,
      event_code: r?.action,
    },
    unmapped: {
      ...unmapped(d),
      respond: r,
      triggered_by: b ? { pbid: b.pbid, model_name: b.modelName, score: b.threatScore } : undefined,
    },
  };
}

const DIRECTIONS: Record<string, [number, string]> = {
  inbound: [1, 'Inbound'],
  outbound: [2, 'Outbound'],
  internal: [3, 'Internal'],
};

/**
 * /EMAIL alert → Email Activity (4009, category 4 Network Activity), activity 3 Scan: Darktrace
 * scanned the message and scored it. Attachments and links have no place in the 1.3 email object;
 * they are observables (file names, hashes, URLs, hostnames) and stay whole under unmapped.
 */
function emailActivity(d: Detection): Doc {
  const em = d.email;
  const dir = em?.direction ? DIRECTIONS[em.direction] : undefined;
  return {
    activity_id: 3,
    activity_name: 'Scan',
    category_uid: 4,
    category_name: 'Network Activity',
    class_uid: 4009,
    class_name: 'Email Activity',
    type_uid: 400903,
    type_name: 'Email Activity: Scan',
    time: d.time ?? d.created,
    severity_id: d.severity,
    severity: SEVERITY_LABELS[d.severity],
    message: d.title,
    direction_id: dir ? dir[0] : em?.direction ? 99 : 0,
    direction: dir ? dir[1] : (em?.direction ?? 'Unknown'),
    email: {
      uid: em?.uuid,
      message_uid: em?.messageId,
      from: em?.from,
      to: em?.to ?? [],
      cc: em?.cc.length ? em.cc : undefined,
      subject: em?.subject,
    },
    observables: observables(d),
    metadata: metadata(d),
    unmapped: {
      ...unmapped(d),
      email: em
        ? {
            from_name: em.fromName,
            recipients: em.recipients,
            tags: em.tags,
            actions: em.actions,
            attachments: em.attachments,
            links: em.links,
            link_hosts: em.linkHosts,
            summary: em.summary,
          }
        : undefined,
    },
  };
}

export function toOcsf(d: Detection): Doc {
  if (d.key.family === 'audit') return apiActivity(d);
  if (d.key.family === 'respond_action') return remediationActivity(d);
  if (d.key.family === 'email_alert') return emailActivity(d);
  const fam = d.key.family;
  // Status: acknowledged breaches/events have been triaged; a resolved system alert is closed.
  const closed = fam === 'system_status' ? d.state.status === 'resolved' : false;
  const act = closed ? 3 : d.activity === 'update' ? 2 : 1;
  const actName = act === 1 ? 'Create' : act === 2 ? 'Update' : 'Close';
  const resolved = closed || d.state.acknowledged;
  const statusId = resolved ? 4 : d.activity === 'update' ? 2 : 1;
  const a = d.analytic;
  const related: Doc[] = [];
  // OCSF 1.3 related events carry an id and a type only (title and times came in 1.4): the breach's
  // model name and time stay under unmapped.darktrace.related_breaches.
  for (const b of d.related.breaches) related.push({ uid: String(b.pbid), type: 'Model Breach' });
  for (const id of d.related.incidents) related.push({ uid: id, type: 'AI Analyst Incident Event' });
  const attacks: Doc[] = [];
  // OCSF attaches one tactic and/or one technique per attack entry. With a single tactic, every
  // technique belongs to it; with several, Darktrace does not say which goes where, so they stay apart.
  const only = d.tactics.length === 1 ? { uid: d.tactics[0].id, name: d.tactics[0].name } : undefined;
  // A sub-technique id (T1567.002) goes in sub_technique, its parent technique's id in technique.
  for (const x of d.techniques) {
    const dot = x.id.indexOf('.');
    attacks.push(
      dot > 0
        ? {
            tactic: only,
            technique: { uid: x.id.slice(0, dot) },
            sub_technique: { uid: x.id, name: x.name },
            version: '15',
          }
        : { tactic: only, technique: { uid: x.id, name: x.name }, version: '15' },
    );
  }
  if (!only || d.techniques.length === 0)
    for (const x of d.tactics) attacks.push({ tactic: { uid: x.id, name: x.name }, version: '15' });
  const types = [
    fam === 'model_breach'
      ? 'Model Breach'
      : fam === 'ai_analyst'
        ? 'AI Analyst Incident Event'
        : 'System Status',
  ];
  if (d.category) types.push(d.category);
  const riskLevel = d.severity > 0 ? d.severity - 1 : undefined;
  // Built in place rather than spread from unmapped(d): the copies were a measurable share of the render.
  const darktrace = unmappedDarktrace(d);
  // is_alert is a 1.4 attribute; the signal is kept for consumers that read it.
  darktrace.is_alert = fam !== 'system_status' || !closed;
  darktrace.evidence = unmappedEvidence(d);
  darktrace.related_breaches = d.related.breaches.length
    ? d.related.breaches.map((b) => ({ pbid: b.pbid, model_name: b.modelName, time: b.time }))
    : undefined;
  return {
    activity_id: act,
    activity_name: actName,
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2004,
    class_name: 'Detection Finding',
    type_uid: 200400 + act,
    type_name: `Detection Finding: ${actName}`,
    time: d.time ?? d.created,
    start_time: d.firstSeen,
    end_time: d.lastSeen,
    severity_id: d.severity,
    severity: SEVERITY_LABELS[d.severity],
    status_id: statusId,
    status: statusId === 4 ? 'Resolved' : statusId === 2 ? 'In Progress' : 'New',
    message: d.title,
    risk_score: d.scores.normalized !== undefined ? Math.round(d.scores.normalized) : undefined,
    risk_level_id: riskLevel,
    risk_level:
      riskLevel !== undefined ? ['Info', 'Low', 'Medium', 'High', 'Critical'][riskLevel] : undefined,
    finding_info: {
      uid: d.key.id,
      title: d.title,
      desc: d.description,
      types,
      created_time: d.created,
      first_seen_time: d.firstSeen,
      last_seen_time: d.lastSeen,
      modified_time: d.state.acknowledgedAt ?? d.updated,
      src_url: d.url,
      product_uid: d.key.instance,
      analytic: a
        ? {
            uid: a.uid ?? a.id,
            name: a.name,
            type_id: fam === 'ai_analyst' ? 4 : fam === 'model_breach' ? 2 : 1,
            type: fam === 'ai_analyst' ? 'Learning (ML/DL)' : fam === 'model_breach' ? 'Behavioral' : 'Rule',
            category: a.category,
            desc: fam === 'system_status' ? undefined : a.description,
            version: a.version,
          }
        : undefined,
      attacks: attacks.length ? attacks : undefined,
      related_events: related.length ? related : undefined,
    },
    device: d.devices.length ? device(d.devices[0]) : undefined,
    evidences: evidences(d),
    observables: observables(d),
    metadata: metadata(d),
    unmapped: {
      darktrace,
      devices: d.devices.length > 1 ? d.devices.slice(1).map((x) => device(x, true)) : undefined,
    },
  };
}

export function renderOcsf(d: Detection): string {
  return JSON.stringify(toOcsf(d));
}
