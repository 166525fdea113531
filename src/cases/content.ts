// What a case says: a detection (or an AI Analyst incident group) as a title and a plain-text body with
// the summary, devices, MITRE ATT&CK, observables and the links back to our console and the Threat
// Visualizer; and, for a later version, a comment saying what changed. No I/O here.
import type { Detection } from '../normalize/index.ts';
import { SEVERITY_LABELS } from '../normalize/severity.ts';
import type { CaseContent, CaseUpdate } from './types.ts';

/** Where the console shows a detection (web/src/lib/search.ts keyFromPath). */
export function consoleLink(publicUrl: string | undefined, key: string): string | undefined {
  return publicUrl ? new URL(`/detections/${encodeURIComponent(key)}`, publicUrl).href : undefined;
}

const list = (xs: readonly (string | number)[], max = 20) =>
  xs.length > max ? `${xs.slice(0, max).join(', ')} (+${xs.length - max} more)` : xs.join(', ');

export function severityText(s: number): string {
  return `${SEVERITY_LABELS[s] ?? 'Unknown'} (${s})`;
}

/** The body of a new case. */
export function caseBody(d: Omit<Detection, 'raw'>, publicUrl?: string): string {
  const lines: string[] = [d.title, ''];
  const score = d.scores.normalized !== undefined ? ` · score ${Math.round(d.scores.normalized)}/100` : '';
  lines.push(`Severity: ${severityText(d.severity)}${score}`);
  if (d.analytic?.name) lines.push(`Model: ${d.analytic.name}`);
  if (d.time) lines.push(`Time: ${new Date(d.time).toISOString()}`);
  lines.push(`Darktrace: ${d.uid}`);
  if (d.description) lines.push('', 'Summary:', d.description.trim());
  if (d.devices.length) {
    lines.push('', 'Devices:');
    for (const dv of d.devices.slice(0, 20)) {
      const name = dv.hostname ?? dv.name ?? dv.label ?? (dv.id !== undefined ? `device ${dv.id}` : 'device');
      const facts = [dv.ips.length ? list(dv.ips, 5) : '', dv.mac ?? '', dv.typeLabel ?? dv.type ?? '']
        .filter(Boolean)
        .join(', ');
      lines.push(`- ${name}${facts ? ` (${facts})` : ''}${dv.id !== undefined ? ` [did ${dv.id}]` : ''}`);
    }
  }
  if (d.tactics.length || d.techniques.length) {
    lines.push('', 'MITRE ATT&CK:');
    if (d.tactics.length)
      lines.push(`- tactics: ${list(d.tactics.map((t) => (t.id ? `${t.id} ${t.name}` : t.name)))}`);
    if (d.techniques.length)
      lines.push(`- techniques: ${list(d.techniques.map((t) => (t.name ? `${t.id} ${t.name}` : t.id)))}`);
  }
  const o = d.observables;
  const obs: [string, readonly (string | number)[]][] = [
    ['source IPs', o.sourceIps],
    ['source hosts', o.sourceHosts],
    ['destination IPs', o.destinationIps],
    ['destination hosts', o.destinationHosts],
    ['destination ports', o.destinationPorts],
    ['URIs', o.uris],
    ['users', o.users],
    ['JA3', o.ja3],
  ];
  const present = obs.filter(([, xs]) => xs.length);
  if (present.length) {
    lines.push('', 'Observables:');
    for (const [what, xs] of present) lines.push(`- ${what}: ${list(xs)}`);
  }
  const console = consoleLink(publicUrl, d.uid);
  if (console || d.url) {
    lines.push('', 'Links:');
    if (console) lines.push(`- console: ${console}`);
    if (d.url) lines.push(`- Threat Visualizer: ${d.url}`);
  }
  return lines.join('\n');
}

/** A new case for `key` (the detection's, or its incident group's with `group`). */
export function newCase(
  d: Omit<Detection, 'raw'>,
  key: string,
  publicUrl?: string,
  group?: string,
): CaseContent {
  const title = group ? `Darktrace AI Analyst incident ${group}: ${d.title}` : `Darktrace: ${d.title}`;
  return { key, title: title.slice(0, 250), body: caseBody(d, publicUrl), severity: d.severity };
}

/** What the case last said of a detection (stored with its link). */
export interface CaseState {
  acknowledged: boolean;
  severity: number;
}

/**
 * The update a new version of a detection makes to its case, or undefined when nothing the case shows
 * changed (a comment count going up, say: that comment may be one the case itself sent).
 */
export function caseUpdate(
  d: Omit<Detection, 'raw'>,
  was: CaseState,
  o: { resolveOnAcknowledge: boolean },
): CaseUpdate | undefined {
  const said: string[] = [];
  const u: Partial<CaseUpdate> = {};
  if (d.severity !== was.severity) {
    said.push(`severity ${severityText(was.severity)} → ${severityText(d.severity)}`);
    u.severity = d.severity;
  }
  if (d.state.acknowledged !== was.acknowledged) {
    const by = d.state.acknowledgedBy ? ` by ${d.state.acknowledgedBy}` : '';
    said.push(d.state.acknowledged ? `acknowledged in Darktrace${by}` : 'unacknowledged in Darktrace');
    if (o.resolveOnAcknowledge) u[d.state.acknowledged ? 'resolve' : 'reopen'] = true;
  }
  if (!said.length) return undefined;
  return { ...u, comment: `Darktrace ${d.uid}: ${said.join('; ')}.` };
}

/** The comment on an incident group's case when one more of its events arrives. */
export function groupEventComment(d: Omit<Detection, 'raw'>, publicUrl?: string): string {
  return `Another event in this incident:\n\n${caseBody(d, publicUrl)}`;
}
