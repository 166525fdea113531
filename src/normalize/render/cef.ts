// Detection → CEF:0. Escaping follows the CEF spec: in the header, `\` and `|` are backslash-escaped
// and line breaks become spaces; in extension values, `\` and `=` are backslash-escaped and CR/LF
// become the two-character sequences `\r` / `\n`. Keys are fixed ASCII names. Key map: ../README.md.
import type { Detection } from '../model.ts';
import { SEVERITY_TO_10 } from '../severity.ts';
import {
  actionOf,
  asnText,
  nameOf,
  PRODUCT_VERSION,
  round,
  signatureOf,
  sourceHost,
  sourceIp,
} from './common.ts';
import { escaper } from './escape.ts';

/** Header: `\` and `|` backslash-escaped, line breaks as spaces. */
export const cefHeaderEscape = escaper({ '\\': '\\\\', '|': '\\|', '\n': ' ', '\r': ' ' });

/** Extension values: `\` and `=` backslash-escaped, CR/LF as `\r` / `\n`; pipes stay as they are. */
export const cefValueEscape = escaper({ '\\': '\\\\', '=': '\\=', '\n': '\\n', '\r': '\\r' });

/** CEF caps msg at 1023 characters. */
const MSG_MAX = 1023;

export function renderCef(d: Detection): string {
  const o = d.observables;
  const parts: string[] = [];
  const put = (k: string, v: string | number | undefined): void => {
    if (v === undefined || v === '') return;
    parts.push(`${k}=${typeof v === 'number' ? v : cefValueEscape(v)}`);
  };
  const label = (slot: string, name: string, v: string | number | undefined): void => {
    if (v === undefined || v === '') return;
    put(slot, v);
    parts.push(`${slot}Label=${name}`);
  };
  const rsp = d.respond;
  const em = d.email;
  put('rt', d.time ?? d.created);
  // A RESPOND action runs from its start to its expiry.
  put('start', rsp ? rsp.start : d.firstSeen);
  put('end', rsp ? rsp.expires : d.lastSeen);
  put('externalId', d.key.id);
  put('deviceFacility', d.key.family);
  put('cat', d.dtCategory ?? d.category);
  const msg = d.description;
  put('msg', msg && msg.length > MSG_MAX ? msg.slice(0, MSG_MAX) : msg);
  put('src', sourceIp(d));
  put('shost', sourceHost(d));
  put('smac', d.devices[0]?.mac);
  put('spt', o.sourcePorts[0]);
  put('suser', o.users[0]);
  if (em) {
    put('duser', em.to.length ? em.to.join(',') : undefined);
    put('deviceDirection', em.direction === 'inbound' ? 0 : em.direction === 'outbound' ? 1 : undefined);
    put('fname', em.attachments.find((a) => a.name)?.name);
    put('fileHash', em.attachments[0]?.sha256 ?? em.attachments[0]?.sha1);
  }
  put('dst', o.destinationIps[0]);
  put('dhost', o.destinationHosts[0]);
  put('dpt', o.destinationPorts[0]);
  put('request', o.uris[0]);
  put('requestClientApplication', o.userAgents[0]);
  put('requestMethod', o.httpMethods[0]);
  put('in', o.bytesIn);
  put('out', o.bytesOut);
  put('act', actionOf(d));
  if (rsp) put('reason', rsp.reason);
  put('outcome', (d.vendor.outcome as string | undefined) ?? d.state.status);
  const did = d.devices[0]?.id;
  put('deviceExternalId', did);
  put('dvchost', d.key.instance);
  label('cs1', 'darktraceUrl', d.url);
  label('cs2', 'mitreTactics', d.tactics.length ? d.tactics.map((t) => t.name).join(',') : undefined);
  label('cs3', 'mitreTechniques', d.techniques.length ? d.techniques.map((t) => t.id).join(',') : undefined);
  label('cs4', 'groupId', d.related.group);
  label('cs5', 'asn', asnText(d));
  label('cs6', 'dtcKey', d.uid);
  label('cn1', 'score', round(d.scores.normalized));
  label('cn2', 'groupScore', round(d.scores.groupScore));
  label('cn3', 'commentCount', d.state.commentCount);
  label('flexString1', 'acknowledgedBy', d.state.acknowledgedBy);
  label('flexString2', 'ja3', o.ja3[0]);
  label('flexNumber1', 'pbid', d.related.breaches[0]?.pbid);
  return (
    `CEF:0|Darktrace|DCIP|${PRODUCT_VERSION}|${cefHeaderEscape(signatureOf(d))}|${cefHeaderEscape(nameOf(d))}|` +
    `${SEVERITY_TO_10[d.severity]}|${parts.join(' ')}`
  );
}
