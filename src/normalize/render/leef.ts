// Detection → LEEF 2.0 with `^` as the attribute delimiter (printable, so it survives syslog relays that
// mangle tabs). Escaping: in the header, `\` and `|` are backslash-escaped and line breaks become
// spaces; in values, `\` and `^` are backslash-escaped and CR/LF/TAB become `\r`/`\n`/`\t`. `=` needs no
// escape in a value: LEEF parsers split a pair at its first `=`, and our keys never contain one.
// Key map: ../README.md.
import type { Detection } from '../model.ts';
import { SEVERITY_TO_10 } from '../severity.ts';
import { iso } from '../util.ts';
import { cefHeaderEscape } from './cef.ts';
import { asnText, nameOf, PRODUCT_VERSION, round, signatureOf, sourceHost, sourceIp } from './common.ts';
import { escaper } from './escape.ts';

export const LEEF_DELIMITER = '^';

/** LEEF's header rules are CEF's: `\` and `|` escaped, line breaks as spaces. */
export const leefHeaderEscape = cefHeaderEscape;

/** Values: `\` and `^` backslash-escaped, CR/LF/TAB as `\r` / `\n` / `\t`. */
export const leefValueEscape = escaper({ '\\': '\\\\', '^': '\\^', '\n': '\\n', '\r': '\\r', '\t': '\\t' });

export function renderLeef(d: Detection): string {
  const o = d.observables;
  const parts: string[] = [];
  const put = (k: string, v: string | number | boolean | undefined): void => {
    if (v === undefined || v === '') return;
    parts.push(`${k}=${typeof v === 'string' ? leefValueEscape(v) : v}`);
  };
  const time = d.time ?? d.created;
  if (time !== undefined) {
    put('devTime', iso(time));
    put('devTimeFormat', "yyyy-MM-dd'T'HH:mm:ss.SSSX");
  }
  put('cat', d.dtCategory ?? d.category ?? d.key.family);
  put('sev', Math.max(1, SEVERITY_TO_10[d.severity]));
  put('externalId', d.key.id);
  put('family', d.key.family);
  put('instance', d.key.instance);
  put('dtcKey', d.uid);
  put('name', nameOf(d));
  put('policy', d.analytic?.name);
  put('msg', d.description);
  put('src', sourceIp(d));
  put('identHostName', sourceHost(d));
  put('srcMAC', d.devices[0]?.mac);
  put('srcPort', o.sourcePorts[0]);
  put('deviceId', d.devices[0]?.id);
  put('usrName', o.users[0]);
  put('dst', o.destinationIps[0]);
  put('dstHost', o.destinationHosts[0]);
  put('dstPort', o.destinationPorts[0]);
  put('asn', asnText(d));
  put('url', o.uris[0]);
  put('userAgent', o.userAgents[0]);
  put('httpMethod', o.httpMethods[0]);
  put('ja3', o.ja3[0]);
  put('srcBytes', o.bytesOut);
  put('dstBytes', o.bytesIn);
  put('mitreTactics', d.tactics.length ? d.tactics.map((t) => t.name).join(',') : undefined);
  put('mitreTechniques', d.techniques.length ? d.techniques.map((t) => t.id).join(',') : undefined);
  put('score', round(d.scores.normalized));
  put('groupScore', round(d.scores.groupScore));
  put('groupID', d.related.group);
  put('acknowledged', d.state.acknowledged);
  put('acknowledgedBy', d.state.acknowledgedBy);
  put('commentCount', d.state.commentCount);
  put('status', d.state.status);
  put('darktraceUrl', d.url);
  const rsp = d.respond;
  if (rsp) {
    put('respondAction', rsp.action);
    put('respondState', rsp.state);
    put('reason', rsp.reason);
    if (rsp.start !== undefined) put('start', iso(rsp.start));
    if (rsp.expires !== undefined) put('expires', iso(rsp.expires));
    put('pbid', d.related.breaches[0]?.pbid);
  }
  const em = d.email;
  if (em) {
    put('sender', em.from);
    put('recipient', em.to.length ? em.to.join(',') : undefined);
    put('subject', em.subject);
    put('messageId', em.messageId);
    put('direction', em.direction);
    put('fileName', em.attachments.find((a) => a.name)?.name);
    put('fileHash', em.attachments[0]?.sha256 ?? em.attachments[0]?.sha1);
    put('linkHosts', em.linkHosts.length ? em.linkHosts.join(',') : undefined);
    put('emailActions', em.actions.length ? em.actions.join(',') : undefined);
    put('emailTags', em.tags.length ? em.tags.join(',') : undefined);
  }
  return (
    `LEEF:2.0|Darktrace|DCIP|${PRODUCT_VERSION}|${leefHeaderEscape(signatureOf(d))}|${LEEF_DELIMITER}|` +
    parts.join(LEEF_DELIMITER)
  );
}
