// Detection → ECS 8.11 document. Covers every ECS field Elastic's Darktrace integration sets, with the
// same meaning and units (event.risk_score keeps each family's native scale, risk_score_norm is 0–100),
// and adds what it leaves in blobs: source/destination, url, tls.client.ja3, user_agent, user,
// threat.tactic/technique and event.id for every family. Vendor data goes under darktrace.*.
// Values left undefined are dropped by JSON.stringify, so the builder assigns freely.

import { tacticRef, techniqueRef } from '../mitre.ts';
import type { Detection, DeviceInfo, Family } from '../model.ts';
import { isEmailAddress, iso } from '../util.ts';
import { actionOf, saasOf } from './common.ts';

export const ECS_VERSION = '8.11.0';

const DATASET: Record<Family, string> = {
  model_breach: 'model_breach_alert',
  ai_analyst: 'ai_analyst_alert',
  system_status: 'system_status_alert',
  audit: 'audit',
  respond_action: 'respond_action',
  email_alert: 'email_alert',
};

type Doc = Record<string, any>;

// syslog facility and severity names, as ECS log.syslog.*.name expects them
const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];
const SEVERITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

function t(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : iso(ms);
}

/** ECS wants MACs upper-case and dash-separated. */
function ecsMac(mac: string): string {
  return mac.toUpperCase().replaceAll(':', '-');
}

function one<T>(list: T[]): T | T[] | undefined {
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : list;
}

function host(devices: DeviceInfo[]): Doc | undefined {
  if (devices.length === 0) return undefined;
  const ids: string[] = [];
  const names: string[] = [];
  const hostnames: string[] = [];
  const ips: string[] = [];
  const macs: string[] = [];
  const types: string[] = [];
  const oses: string[] = [];
  for (const d of devices) {
    // Negative dids are Darktrace pseudo-devices (System, grouped externals), not hosts.
    if (d.id !== undefined && d.id >= 0) ids.push(String(d.id));
    if (d.hostname && !d.saas) hostnames.push(d.hostname);
    const name = d.name ?? d.hostname;
    if (name) names.push(name);
    for (const ip of d.ips) if (!ips.includes(ip)) ips.push(ip);
    if (d.mac) macs.push(ecsMac(d.mac));
    if (d.type) types.push(d.type);
    if (d.os) oses.push(d.os);
  }
  const h: Doc = {
    id: one(ids),
    name: one(names),
    hostname: one(hostnames),
    ip: ips.length ? ips : undefined,
    mac: macs.length ? macs : undefined,
    type: one(types),
    os: oses.length ? { name: one(oses) } : undefined,
  };
  return (h.id ?? h.name ?? h.hostname ?? h.ip ?? h.mac) ? h : undefined;
}

function kind(d: Detection): string {
  if (d.key.family === 'audit' || d.key.family === 'respond_action') return 'event';
  if (d.key.family === 'system_status') return d.state.status === 'resolved' ? 'event' : 'alert';
  return 'alert';
}

export function toEcs(d: Detection, opts: { original?: boolean } = {}): Doc {
  const o = d.observables;
  const fam = d.key.family;
  const dataset = `darktrace.${DATASET[fam]}`;
  const network =
    o.destinationIps.length > 0 || o.destinationHosts.length > 0 || o.destinationPorts.length > 0;
  let category: string[];
  let type: string[];
  if (fam === 'model_breach' || fam === 'ai_analyst') {
    // ECS expects `indicator` with `threat`, and `info`/`connection` with `network` only.
    category = network ? ['threat', 'network'] : ['threat'];
    type = network ? ['info', 'indicator', 'connection'] : ['indicator'];
  } else if (fam === 'system_status') {
    category = ['host'];
    type = ['info'];
  } else if (fam === 'respond_action') {
    // A RESPOND action blocks traffic: it starts denying when in force and ends when cleared/expired.
    const st = d.respond?.state;
    category = ['network'];
    type =
      st === 'cleared' || st === 'expired'
        ? ['end']
        : st === 'activated' || st === 'confirmed' || st === 'reactivated'
          ? ['start', 'denied']
          : st === 'extended'
            ? ['denied']
            : ['info'];
  } else if (fam === 'email_alert') {
    category = ['email', 'threat'];
    type = ['info', 'indicator'];
  } else {
    const ep = String(d.vendor.endpoint ?? '');
    const auth = ep.includes('login') || ep.includes('logout');
    category = auth ? ['authentication'] : ['web'];
    type = auth ? ['info'] : ['access'];
  }

  const dev0 = d.devices[0];
  const srcIp = o.sourceIps[0] ?? dev0?.ips[0];
  const srcDomain = o.sourceHosts[0] ?? (dev0?.saas ? undefined : dev0?.hostname);
  const dstIp = o.destinationIps[0];
  const dstDomain = o.destinationHosts[0];
  const asn = o.asns[0];
  const uri = o.uris[0];
  const rsp = d.respond;
  const em = d.email;
  // RESPOND: the user who made this state change. Otherwise the first user observable.
  const user = rsp ? rsp.user : em ? undefined : o.users[0];
  const saas = saasOf(d);

  const relatedIp: string[] = [];
  for (const dev of d.devices) for (const ip of dev.ips) if (!relatedIp.includes(ip)) relatedIp.push(ip);
  for (const list of [o.sourceIps, o.destinationIps, o.relatedIps])
    for (const ip of list) if (!relatedIp.includes(ip)) relatedIp.push(ip);
  const relatedHosts: string[] = [];
  for (const dev of d.devices)
    if (dev.hostname && !dev.saas && !relatedHosts.includes(dev.hostname)) relatedHosts.push(dev.hostname);
  for (const list of [o.sourceHosts, o.destinationHosts, o.relatedHosts])
    for (const h of list) if (!relatedHosts.includes(h)) relatedHosts.push(h);
  const relatedUser = o.users.slice();
  const author = d.analytic?.author;
  if (author && !relatedUser.includes(author)) relatedUser.push(author);
  const editor = d.analytic?.editedBy;
  if (editor && !relatedUser.includes(editor)) relatedUser.push(editor);
  const relatedHash = o.ja3.slice();
  if (em)
    for (const a of em.attachments)
      for (const h of [a.sha1, a.sha256]) if (h && !relatedHash.includes(h)) relatedHash.push(h);

  // A RESPOND action runs from its start to its expiry.
  const start = rsp ? (rsp.start ?? d.time) : d.firstSeen;
  const end = rsp ? rsp.expires : d.lastSeen;
  const a = d.analytic;
  const s = d.scores;
  let riskScore: number | undefined;
  if (fam === 'model_breach') riskScore = s.score;
  else if (fam === 'ai_analyst') riskScore = s.aiaScore;
  else if (fam === 'system_status') riskScore = s.statusPriority;
  else if (fam === 'email_alert') riskScore = s.normalized;

  const ruleName =
    fam === 'ai_analyst' && d.related.breaches.length
      ? one(d.related.breaches.map((b) => b.modelName).filter((n): n is string => n !== undefined))
      : a?.name;

  const doc: Doc = {
    '@timestamp': t(d.time ?? d.created),
    ecs: { version: ECS_VERSION },
    // A breach's description is the model's, already in rule.description (Elastic sets no message).
    message: fam === 'model_breach' ? d.title : (d.description ?? d.title),
    event: {
      kind: kind(d),
      category,
      type,
      id: d.key.id,
      code: a?.id,
      dataset,
      module: 'darktrace',
      provider: d.key.instance,
      created: t(d.created),
      start: t(start),
      end: end !== start || rsp ? t(end) : undefined,
      duration: start !== undefined && end !== undefined && end > start ? (end - start) * 1e6 : undefined,
      reason: fam === 'system_status' ? (d.description ?? d.title) : d.title,
      risk_score: riskScore,
      risk_score_norm: s.normalized,
      severity: d.severity,
      url: d.url,
      action: actionOf(d),
      outcome: fam === 'audit' ? d.vendor.outcome : undefined,
      original: opts.original ? JSON.stringify(d.raw) : undefined,
    },
    host: host(d.devices),
    source:
      srcIp || srcDomain || rsp?.user
        ? {
            ip: srcIp,
            address: srcIp ?? srcDomain,
            domain: srcDomain,
            port: o.sourcePorts[0],
            mac: dev0?.mac ? ecsMac(dev0.mac) : undefined,
            bytes: o.bytesOut,
            user: rsp?.user ? { name: rsp.user } : undefined,
          }
        : undefined,
    destination:
      dstIp || dstDomain || o.destinationPorts.length
        ? {
            ip: dstIp,
            address: dstIp ?? dstDomain,
            domain: dstDomain,
            port: o.destinationPorts[0],
            as: asn
              ? { number: asn.number, organization: asn.name ? { name: asn.name } : undefined }
              : undefined,
            bytes: o.bytesIn,
          }
        : undefined,
    url: uri ? { original: uri, path: uri.charCodeAt(0) === 47 ? uri : undefined } : undefined,
    tls: o.ja3.length ? { client: { ja3: o.ja3[0] } } : undefined,
    user_agent: o.userAgents.length ? { original: o.userAgents[0] } : undefined,
    http: o.httpMethods.length ? { request: { method: o.httpMethods[0] } } : undefined,
    // A SaaS account (`SaaS::Zoom: john.doe@example.com`): the service, and the address as e-mail too.
    service: saas?.service ? { name: saas.service } : undefined,
    user: user ? { name: user, email: isEmailAddress(user) ? user : undefined } : undefined,
    email: em
      ? {
          direction: em.direction,
          from: em.from ? { address: [em.from] } : undefined,
          to: em.to.length ? { address: em.to } : undefined,
          cc: em.cc.length ? { address: em.cc } : undefined,
          subject: em.subject,
          message_id: em.messageId,
          local_id: em.uuid,
          delivery_timestamp: t(d.time),
          attachments: em.attachments.length
            ? em.attachments.map((a) => ({
                file: {
                  name: a.name,
                  size: a.size,
                  mime_type: a.mimeType,
                  hash: a.sha1 || a.sha256 ? { sha1: a.sha1, sha256: a.sha256 } : undefined,
                },
              }))
            : undefined,
        }
      : undefined,
    rule: a
      ? {
          name: ruleName,
          id: a.id,
          uuid: a.uid,
          version: a.version,
          description: a.description,
          category: a.category,
          ruleset: a.tags.length ? a.tags : undefined,
          author: a.author ? [a.author] : undefined,
          reference: d.url,
        }
      : undefined,
    threat:
      d.tactics.length || d.techniques.length || d.related.group
        ? {
            framework: d.tactics.length || d.techniques.length ? 'MITRE ATT&CK' : undefined,
            tactic: d.tactics.length
              ? {
                  id: d.tactics.map((x) => x.id).filter((x) => x !== undefined),
                  name: d.tactics.map((x) => x.name),
                  reference: d.tactics.map((x) => (x.id ? tacticRef(x.id) : undefined)).filter((x) => x),
                }
              : undefined,
            technique: d.techniques.length
              ? {
                  id: d.techniques.map((x) => x.id),
                  name: d.techniques.map((x) => x.name).filter((x) => x !== undefined),
                  reference: d.techniques.map((x) => techniqueRef(x.id)),
                }
              : undefined,
            // Parity with Elastic: the AI Analyst incident id and the event's children.
            group: d.related.group ? { id: d.related.group } : undefined,
            enrichments: d.related.children.length ? { matched: { id: d.related.children } } : undefined,
          }
        : undefined,
    related:
      relatedIp.length || relatedHosts.length || relatedUser.length || relatedHash.length
        ? {
            ip: relatedIp.length ? relatedIp : undefined,
            hosts: relatedHosts.length ? relatedHosts : undefined,
            user: relatedUser.length ? relatedUser : undefined,
            hash: relatedHash.length ? relatedHash : undefined,
          }
        : undefined,
    observer: { vendor: 'Darktrace', product: 'Threat Visualizer', type: 'ids', hostname: d.key.instance },
    log: d.origin.syslog
      ? {
          syslog: {
            priority: d.origin.syslog.priority,
            facility:
              d.origin.syslog.facility !== undefined
                ? { code: d.origin.syslog.facility, name: FACILITIES[d.origin.syslog.facility] }
                : undefined,
            severity:
              d.origin.syslog.severity !== undefined
                ? { code: d.origin.syslog.severity, name: SEVERITIES[d.origin.syslog.severity] }
                : undefined,
            hostname: d.origin.syslog.hostname,
            appname: d.origin.syslog.appname,
            version: d.origin.syslog.version !== undefined ? String(d.origin.syslog.version) : undefined,
          },
        }
      : undefined,
    tags: [`darktrace-${DATASET[fam]}`],
    darktrace: {
      instance: d.key.instance,
      family: fam,
      key: d.uid,
      hash: d.hash,
      activity: d.activity,
      severity: d.severity,
      severity_label: d.severityLabel,
      category: d.dtCategory,
      scores: {
        score: s.score,
        pbscore: s.pbscore,
        percentscore: s.percentscore,
        devicescore: s.devicescore,
        devicepercentscore: s.devicepercentscore,
        model_priority: s.priority,
        aia_score: s.aiaScore,
        group_score: s.groupScore,
        priority: s.statusPriority,
        priority_level: s.priorityLevel,
      },
      state: {
        acknowledged: d.state.acknowledged,
        acknowledged_by: d.state.acknowledgedBy,
        acknowledged_at: t(d.state.acknowledgedAt),
        comment_count: d.state.commentCount,
        pinned: d.state.pinned,
        status: d.state.status,
      },
      devices: d.devices.length
        ? d.devices.map((x) => ({
            did: x.id,
            sid: x.subnetId,
            label: x.label,
            type_label: x.typeLabel,
            vendor: x.vendor,
            tags: x.tags.length ? x.tags : undefined,
            saas_service: x.saas?.service,
            saas_user: x.saas?.user,
            first_seen: t(x.firstSeen),
            last_seen: t(x.lastSeen),
          }))
        : undefined,
      related:
        d.related.breaches.length || d.related.group || d.related.incidents.length
          ? {
              breaches: d.related.breaches.length
                ? d.related.breaches.map((b) => ({
                    pbid: b.pbid,
                    model_name: b.modelName,
                    threat_score: b.threatScore,
                    time: t(b.time),
                  }))
                : undefined,
              group_id: d.related.group,
              group_category: d.related.groupCategory,
              previous_groups: d.related.previousGroups.length ? d.related.previousGroups : undefined,
              incidents: d.related.incidents.length ? d.related.incidents : undefined,
              activity_id: d.related.activityId,
            }
          : undefined,
    },
  };
  // The family's own data goes last under its dataset name. Set after the literal: a computed key
  // in the literal costs a runtime call per document.
  doc.darktrace[DATASET[fam]] = rsp
    ? {
        code_id: rsp.codeId,
        action: rsp.action,
        label: rsp.label,
        state: rsp.state,
        action_family: rsp.actionFamily,
        user: rsp.user,
        reason: rsp.reason,
        manual: rsp.manual,
        active: rsp.active,
        start: t(rsp.start),
        expires: t(rsp.expires),
        detail: rsp.detail,
        ...d.vendor,
      }
    : em
      ? {
          uuid: em.uuid,
          from_name: em.fromName,
          recipients: em.recipients.length ? em.recipients : undefined,
          tags: em.tags.length ? em.tags : undefined,
          actions: em.actions.length ? em.actions : undefined,
          links: em.links.length ? em.links : undefined,
          link_hosts: em.linkHosts.length ? em.linkHosts : undefined,
          link_count: em.linkCount,
          attachment_count: em.attachmentCount,
          summary: em.summary.length ? em.summary : undefined,
          ...d.vendor,
        }
      : d.vendor;
  return doc;
}

export function renderEcs(d: Detection): string {
  return JSON.stringify(toEcs(d));
}
