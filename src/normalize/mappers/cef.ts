// Darktrace CEF line → Detection. CEF carries far less than the JSON, so this maps what the known
// Darktrace layouts hold (`CEF:0|Darktrace|DCIP|…|<name>|<sev>|externalId=<pbid> dvc= dvchost= src= dst=
// dhost= darktraceUrl= …`, the older `Enterprise Immune System` / `AI Analyst` products) and our own
// CEF output (its cs/cn labels), so a line we wrote reads back.

import type { CefRecord } from '../frame.ts';
import { isTechniqueId, tactic } from '../mitre.ts';
import type { Detection, DeviceInfo, Family, SeverityId } from '../model.ts';
import { emptyObservables, emptyRelated, FAMILIES } from '../model.ts';
import { SEVERITY_LABELS } from '../severity.ts';
import { add, cleanIp, int, lookup, num, parseAsn, toMillis } from '../util.ts';
import { contentHash, recordId } from './common.ts';

function sev10(v: string): SeverityId {
  const n = Number(v);
  if (!Number.isFinite(n)) {
    const l = v.toLowerCase();
    return l === 'very-high' ? 5 : l === 'high' ? 4 : l === 'medium' ? 3 : l === 'low' ? 2 : 0;
  }
  if (n >= 9) return 5;
  if (n >= 7) return 4;
  if (n >= 5) return 3;
  if (n >= 3) return 2;
  if (n >= 1) return 1;
  return 0;
}

function familyOf(c: CefRecord, labelled: Record<string, string>): Family {
  const own = c.ext.deviceFacility;
  if ((FAMILIES as readonly string[]).includes(own)) return own as Family;
  const p = c.product.toLowerCase();
  const url = labelled.darktraceUrl ?? '';
  if (p.includes('ai analyst') || url.includes('aiincident') || url.includes('aiaincident'))
    return 'ai_analyst';
  if (p.includes('system')) return 'system_status';
  if (p.includes('audit')) return 'audit';
  return 'model_breach';
}

/** `10.0.0.1:443` → ip and port; IPv6 stays whole. */
function hostPort(v: string | undefined): [string | undefined, number | undefined] {
  if (!v) return [undefined, undefined];
  const ip = cleanIp(v);
  if (ip) return [ip, undefined];
  const colon = v.lastIndexOf(':');
  if (colon > 0) {
    const p = int(v.slice(colon + 1));
    return [cleanIp(v.slice(0, colon)), p];
  }
  return [undefined, undefined];
}

export function mapCef(c: CefRecord, instance: string): Detection {
  const e = c.ext;
  // Custom string/number slots by their labels: cs1Label=darktraceUrl cs1=https://…
  const labelled: Record<string, string> = lookup();
  for (const k of Object.keys(e)) {
    if (k.endsWith('Label')) {
      const slot = k.slice(0, -5);
      const v = e[slot];
      if (v !== undefined) labelled[e[k]] = v;
    }
  }
  if (e.darktraceUrl) labelled.darktraceUrl = e.darktraceUrl;
  const family = familyOf(c, labelled);
  const id = e.externalId || labelled.dtcId || recordId(c);
  const severity = sev10(c.severity);
  const observables = emptyObservables();
  const dev: DeviceInfo = { ips: [], tags: [] };
  const [src, spt] = hostPort(e.src ?? e.dvc);
  if (src && src !== '0.0.0.0') add(dev.ips, src);
  const shost = e.shost ?? e.dvchost;
  if (shost) dev.hostname = shost;
  if (e.smac) dev.mac = e.smac;
  const did = int(e.deviceExternalId);
  if (did !== undefined) dev.id = did;
  const [dst, dptFromDst] = hostPort(e.dst);
  add(observables.destinationIps, dst);
  add(observables.destinationHosts, e.dhost);
  const dpt = int(e.dpt) ?? dptFromDst;
  if (dpt !== undefined) add(observables.destinationPorts, dpt);
  const sptN = int(e.spt) ?? spt;
  if (sptN !== undefined) add(observables.sourcePorts, sptN);
  add(observables.users, e.suser);
  add(observables.users, e.duser);
  add(observables.uris, e.request);
  add(observables.userAgents, e.requestClientApplication);
  add(observables.httpMethods, e.requestMethod);
  if (labelled.ja3) add(observables.ja3, labelled.ja3);
  if (labelled.asn) observables.asns.push(parseAsn(labelled.asn));
  const bi = num(e.in);
  if (bi !== undefined) observables.bytesIn = bi;
  const bo = num(e.out);
  if (bo !== undefined) observables.bytesOut = bo;
  const tactics = (labelled.mitreTactics ?? '')
    .split(',')
    .filter((s) => s.trim())
    .map((s) => tactic(s));
  const techniques = (labelled.mitreTechniques ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(isTechniqueId)
    .map((id) => ({ id }));
  const time = toMillis(e.rt) ?? toMillis(e.start);
  const name = c.name || 'Darktrace alert';
  const slash = name.indexOf('/');
  const score = num(labelled.score);
  const ackBy = e.flexString1Label === 'acknowledgedBy' ? e.flexString1 : undefined;
  const related = emptyRelated();
  related.group = labelled.groupId ?? e.groupingId;
  return {
    key: { instance, family, id },
    uid: `${instance}/${family}/${id}`,
    hash: contentHash([c.severity, score, ackBy, labelled.commentCount, e.msg ?? e.message]),
    activity: 'create',
    origin: { source: 'unknown', format: 'cef' },
    time,
    firstSeen: toMillis(e.start) ?? time,
    lastSeen: toMillis(e.end) ?? time,
    title: name,
    description: e.msg ?? e.message,
    category: e.cat ?? (slash > 0 ? name.slice(0, slash).trim() : undefined),
    dtCategory: e.cat?.toLowerCase(),
    analytic: { id: c.signatureId, name, tags: [] },
    severity,
    severityLabel: SEVERITY_LABELS[severity],
    scores: { normalized: score },
    devices: dev.ips.length || dev.hostname || dev.id !== undefined ? [dev] : [],
    observables,
    tactics,
    techniques,
    url: labelled.darktraceUrl,
    state: {
      acknowledged: ackBy !== undefined,
      acknowledgedBy: ackBy,
      commentCount: int(labelled.commentCount),
    },
    related,
    vendor: { cef_product: c.product, cef_version: c.deviceVersion, signature_id: c.signatureId },
    raw: c,
  };
}
