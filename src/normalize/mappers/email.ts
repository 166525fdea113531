// Darktrace /EMAIL alert → Detection. Two shapes: the REST e-mail object (API doc §15:
// `GET /agemail/…/emails/{uuid}` and the `emails/search` items: uuid, direction, dtime(_unix),
// header_from*, header_subject, model_score, n_links, n_attachments, rcpts[]) and the alert Darktrace
// pushes (uuid, timestamp, direction, from, recipients[], subject, message_id, anomaly_score, tags[],
// actions[], attachment_sha1s/sha256s[], link_hosts[], url). The key is the message uuid, so a hold or
// a release (a recipient's status and actions change) is a new version of the same detection.

import type { Detection, EmailAttachment, EmailInfo, EmailRecipient } from '../model.ts';
import { emptyObservables, emptyRelated } from '../model.ts';
import { emailSeverity, SEVERITY_LABELS } from '../severity.ts';
import { add, arr, bool, int, isEmailAddress, lower, num, type Obj, obj, str, toMillis } from '../util.ts';
import { contentHash, recordId } from './common.ts';

function strings(v: unknown, into: string[]): void {
  for (const x of arr(v)) if (typeof x === 'string' && x.length > 0) add(into, x);
}

/** `"Name" <addr@example.com>` → {address, name}; a bare address stays as it is. */
export function parseAddress(v: string): { address?: string; name?: string } {
  const lt = v.lastIndexOf('<');
  const gt = v.lastIndexOf('>');
  if (lt >= 0 && gt > lt) {
    const address = v.slice(lt + 1, gt).trim();
    let name = v.slice(0, lt).trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
    return { address: address || undefined, name: name || undefined };
  }
  const s = v.trim();
  return isEmailAddress(s) ? { address: s } : { name: s || undefined };
}

/** A pushed alert's `timestamp` is `2024-05-01 10:11:12.123456+00:00`; toMillis wants the ISO `T`. */
function timeOf(v: unknown): number | undefined {
  if (typeof v === 'string' && v.length > 19 && v.charCodeAt(10) === 32)
    return toMillis(`${v.slice(0, 10)}T${v.slice(11)}`);
  return toMillis(v);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}

function attachmentsOf(raw: Obj): EmailAttachment[] {
  const out: EmailAttachment[] = [];
  for (const a of arr(raw.attachments)) {
    const o = obj(a);
    if (!o) continue;
    const att: EmailAttachment = {
      name: str(o.filename) ?? str(o.name) ?? str(o.file_name),
      sha1: str(o.sha1),
      sha256: str(o.sha256),
      size: num(o.size),
      mimeType: str(o.mime_type) ?? str(o.mimetype) ?? str(o.content_type),
    };
    if (att.name ?? att.sha1 ?? att.sha256) out.push(att);
  }
  // The pushed alert lists hashes only, sha1s and sha256s in the same order.
  const sha1s = arr(raw.attachment_sha1s);
  const sha256s = arr(raw.attachment_sha256s);
  for (let i = 0; i < Math.max(sha1s.length, sha256s.length) && i < 100; i++) {
    const sha1 = str(sha1s[i]);
    const sha256 = str(sha256s[i]);
    if ((sha1 || sha256) && !out.some((x) => (sha1 && x.sha1 === sha1) || (sha256 && x.sha256 === sha256)))
      out.push({ sha1, sha256 });
  }
  return out;
}

export function mapEmail(raw: Obj, instance: string): Detection {
  const fromHeader = str(raw.header_from) ?? str(raw.from);
  const parsedFrom = fromHeader ? parseAddress(fromHeader) : {};
  const from = str(raw.header_from_email) ?? parsedFrom.address;
  const fromName = str(raw.header_from_personal) ?? parsedFrom.name;
  const messageId = str(raw.message_id) ?? str(raw.header_message_id) ?? str(raw.messageId);

  const recipients: EmailRecipient[] = [];
  const to: string[] = [];
  const tags: string[] = [];
  const actions: string[] = [];
  const summary: string[] = [];
  for (const r of arr(raw.rcpts)) {
    const o = obj(r);
    const address = str(o?.rcpt_to);
    if (!o || !address) continue;
    const rec: EmailRecipient = { address, status: lower(o.rcpt_status), actions: [], tags: [] };
    strings(o.rcpt_actions_taken, rec.actions);
    strings(o.tags, rec.tags);
    recipients.push(rec);
    add(to, address);
    for (const t of rec.tags) add(tags, t);
    for (const a of rec.actions) add(actions, a);
    strings(o.summary, summary);
  }
  for (const r of arr(raw.recipients)) {
    const s = typeof r === 'string' ? r : str(obj(r)?.address);
    if (s) add(to, parseAddress(s).address ?? s);
  }
  strings(raw.header_to, to);
  strings(raw.tags, tags);
  strings(raw.actions, actions);
  strings(raw.summary, summary);
  const cc: string[] = [];
  strings(raw.header_cc, cc);

  const links: string[] = [];
  const linkHosts: string[] = [];
  for (const l of arr(raw.links)) {
    const u = typeof l === 'string' ? l : (str(obj(l)?.url) ?? str(obj(l)?.href));
    if (!u) continue;
    add(links, u);
    add(linkHosts, hostOf(u));
  }
  strings(raw.link_hosts, linkHosts);
  const attachments = attachmentsOf(raw);

  const email: EmailInfo = {
    uuid: str(raw.uuid),
    messageId: messageId?.startsWith('<') && messageId.endsWith('>') ? messageId.slice(1, -1) : messageId,
    direction: lower(raw.direction),
    from,
    fromName,
    to,
    cc,
    subject: str(raw.header_subject) ?? str(raw.subject),
    recipients,
    attachments,
    attachmentCount: int(raw.n_attachments) ?? (attachments.length || undefined),
    links,
    linkHosts,
    linkCount: int(raw.n_links) ?? (links.length || linkHosts.length || undefined),
    tags,
    actions,
    summary,
  };

  const id = email.uuid ?? email.messageId ?? recordId(raw);
  const score = num(raw.model_score) ?? num(raw.anomaly_score);
  const severity = emailSeverity(score);
  const time = toMillis(raw.dtime_unix) ?? timeOf(raw.dtime) ?? timeOf(raw.timestamp) ?? timeOf(raw.time);
  const statuses = recipients.map((r) => r.status ?? '');
  const status = statuses.find((s) => s) ?? undefined;

  const observables = emptyObservables();
  add(observables.users, from);
  for (const t of to) add(observables.users, t);
  for (const l of links) add(observables.uris, l);
  for (const h of linkHosts) add(observables.relatedHosts, h);

  return {
    key: { instance, family: 'email_alert', id },
    uid: `${instance}/email_alert/${id}`,
    // What changes over a message's life: held, released, read, re-scored, re-tagged.
    hash: contentHash([
      score,
      statuses,
      recipients.map((r) => r.actions),
      actions,
      tags,
      bool(raw.in_progress),
      arr(raw.rcpts).map((r) => [obj(r)?.requestedRelease, obj(r)?.is_read, obj(r)?.action_status]),
    ]),
    activity: 'create',
    origin: { source: 'unknown', format: 'json' },
    time,
    created: time,
    firstSeen: time,
    lastSeen: time,
    title: email.subject ?? `E-mail ${id}`,
    description: summary.length ? summary.join('\n') : undefined,
    category: 'email',
    analytic: { id: 'darktrace-email', name: 'Darktrace /EMAIL', tags: [] },
    severity,
    severityLabel: SEVERITY_LABELS[severity],
    scores: { normalized: score },
    devices: [],
    observables,
    tactics: [],
    techniques: [],
    url: str(raw.url),
    state: { acknowledged: false, status },
    related: emptyRelated(),
    email,
    vendor: {
      campaign_id: str(raw.campaign_id),
      in_progress: bool(raw.in_progress),
      restricted_recipients: arr(raw.restricted_recipients).length || undefined,
    },
    raw,
  };
}
