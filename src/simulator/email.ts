// Darktrace /EMAIL (API doc §15): a stream of scanned messages, each a pure function of (seed, index),
// like the breach timeline. History is spread over the days before start; live messages keep arriving
// after it. Hold and release change a per-recipient overlay. Shapes follow xsoar/get_email.json (one
// message) and xsoar/fetch_incidents.json (the search summaries, without `summary`, `campaign_id` and
// `requestedRelease`).
import type { Email, EmailRecipient, EmailTag } from '../darktrace/types.ts';
import { badRequest, HttpError, notFound } from './http.ts';
import { h32, hexOf, int, u } from './prng.ts';
import type { World } from './world.ts';

const DAY = 86_400_000;
const S = { TIME: 201, SENDER: 202, SUBJECT: 203, RCPT: 204, SCORE: 205, LINKS: 206, ATT: 207, TAGS: 208 };
const DOMAIN = 'corp.example.com';

const SENDERS: [string, string][] = [
  ['IT Service Desk', 'it-support@corp-example-helpdesk.com'],
  ['Microsoft 365', 'no-reply@m365-account-security.example'],
  ['DocuSign', 'dse@docusign-envelopes.example'],
  ['Accounts Payable', 'ap@partner-corp.example'],
  ['gov.uk email', 'gov.uk.email@notifications.service.gov.uk'],
  ['LinkedIn', 'messages-noreply@linkedin.example'],
  ['Payroll', 'payroll@corp-example-payroll.example'],
  ['Shipping Notice', 'tracking@parcel-delivery.example'],
];
const SUBJECTS = [
  'Action required: your password expires today',
  'Invoice INV-{n} overdue',
  'Please review and sign: contract {n}',
  'Your parcel could not be delivered',
  'Update from GOV.UK for: new guidance published',
  'Salary adjustment letter {n}',
  'You have 3 new messages',
  'Unusual sign-in activity',
];
/** /EMAIL tags (xsoar/get_tags.json) with their severity. */
export const EMAIL_TAGS: EmailTag[] = [
  ['aa', 'Automatic Response', 'info', 'Content'],
  ['ac', 'Account Confirmation', 'info', 'Content'],
  ['ah', 'Out of Character', 'warn', 'Association'],
  ['cp', 'Credential Harvesting', 'critical', 'Intent'],
  ['fa', 'Forged Address', 'warn', 'Header'],
  ['ii', 'Internal IT Impersonation', 'critical', 'Intent'],
  ['pl', 'Phishing Link', 'critical', 'Link'],
  ['pa', 'Phishing Attachment', 'critical', 'Attachment'],
  ['sp', 'Spam', 'info', 'Content'],
  ['vi', 'VIP Impersonation', 'critical', 'Intent'],
  ['na', 'No Association', 'warn', 'Association'],
  ['so', 'Solicitation', 'warn', 'Content'],
].map(([tag_id, name, status, category]) => ({
  tag_id,
  name,
  description: `${name}: a /EMAIL behaviour tag.`,
  status: status as EmailTag['status'],
  readable_status: status === 'warn' ? 'Warn' : status === 'info' ? 'Info' : 'Critical',
  category,
}));

interface RecipientState {
  status: string;
  actions: string[];
  requestedRelease: string | null;
  /** When and by whom the last action was taken (for the live stream). */
  changedAt?: number;
}

export interface EmailChange {
  time: number;
  uuid: string;
  recipient: string;
  action: 'hold' | 'release';
  username: string;
}

export class EmailStream {
  readonly historyCount: number;
  readonly historyStart: number;
  /** Mean gap between live messages, ms. */
  readonly liveInterval: number;
  readonly overlay = new Map<string, RecipientState>();
  readonly changes: EmailChange[] = [];

  constructor(
    readonly world: World,
    readonly t0: number,
    history: { count: number; days: number },
    messagesPerHour = 10,
  ) {
    this.historyStart = t0 - history.days * DAY;
    this.historyCount = Math.min(2000, Math.max(10, Math.round(history.days * 48)));
    this.liveInterval = messagesPerHour > 0 ? 3_600_000 / messagesPerHour : Number.POSITIVE_INFINITY;
  }

  get seed(): number {
    return this.world.seed;
  }

  /** dtime of message k (history k < historyCount, live slots after), non-decreasing in k. */
  time(k: number): number {
    if (k < this.historyCount) {
      const span = this.t0 - this.historyStart;
      return Math.floor(this.historyStart + ((k + u(this.seed, k, S.TIME)) * span) / this.historyCount);
    }
    const j = k - this.historyCount;
    return Math.floor(this.t0 + (j + u(this.seed, k, S.TIME)) * this.liveInterval);
  }

  /** Number of messages that exist at `now`. */
  count(now: number): number {
    if (now < this.t0) return this.lowerBound(now + 1);
    if (!Number.isFinite(this.liveInterval)) return this.historyCount;
    let j = Math.max(0, Math.floor((now - this.t0) / this.liveInterval) - 1);
    while (this.time(this.historyCount + j) <= now) j++;
    return this.historyCount + j;
  }

  /** First index whose time is >= t (history only). */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.historyCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.time(mid) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  uuid(k: number): string {
    const h = hexOf(this.seed, k, 209, 20).toUpperCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${k.toString(16).toUpperCase().padStart(12, '0')}.1`;
  }

  /** The index a uuid encodes, when it is one of ours and exists at `now`. */
  indexOf(uuid: string, now: number): number | undefined {
    const m = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-([0-9A-F]{12})\.1$/i.exec(uuid);
    if (!m) return undefined;
    const k = Number.parseInt(m[1], 16);
    if (!(k < this.count(now)) || this.uuid(k) !== uuid.toUpperCase()) return undefined;
    return k;
  }

  /** Indices with time in [start, end], newest first. */
  window(start: number, end: number, now: number): number[] {
    const n = this.count(Math.min(now, end));
    const out: number[] = [];
    for (let k = n - 1; k >= 0; k--) {
      const t = this.time(k);
      if (t < start) break;
      if (t <= end) out.push(k);
    }
    return out;
  }

  recipients(k: number): string[] {
    const users = this.world.users;
    const n = 1 + (h32(this.seed, k, S.RCPT) % 5 === 0 ? 1 : 0);
    return Array.from(
      { length: n },
      (_, i) => `${users[(h32(this.seed, k, S.RCPT + i + 1) % users.length) >>> 0]}@${DOMAIN}`,
    ).filter((x, i, a) => a.indexOf(x) === i);
  }

  score(k: number): number {
    const x = u(this.seed, k, S.SCORE);
    return x < 0.55
      ? int(this.seed, k, S.SCORE + 1, 0, 30)
      : x < 0.85
        ? int(this.seed, k, S.SCORE + 2, 31, 79)
        : int(this.seed, k, S.SCORE + 3, 80, 100);
  }

  tags(k: number, score: number): string[] {
    if (score < 31) return score > 10 ? ['Spam'] : [];
    const pool = EMAIL_TAGS.map((t) => t.name);
    const n = score >= 80 ? 4 : 2;
    const out = new Set<string>();
    for (let i = 0; i < n; i++) out.add(pool[h32(this.seed, k, S.TAGS + i) % pool.length]);
    return [...out];
  }

  /** The initial per-recipient state: Darktrace holds high scorers, locks links of medium ones. */
  initial(k: number): RecipientState {
    const s = this.score(k);
    if (s >= 80) return { status: 'held', actions: ['Hold message'], requestedRelease: null };
    if (s >= 50) return { status: 'delivered', actions: ['Lock links'], requestedRelease: null };
    return { status: 'delivered', actions: [], requestedRelease: null };
  }

  state(k: number, rcpt: string): RecipientState {
    return this.overlay.get(`${k}|${rcpt}`) ?? this.initial(k);
  }

  /** One message: the search summary (`full` false) or the single read (`full` true). */
  message(k: number, full: boolean): Email {
    const t = this.time(k);
    const [personal, addr] = SENDERS[h32(this.seed, k, S.SENDER) % SENDERS.length];
    const subject = SUBJECTS[h32(this.seed, k, S.SUBJECT) % SUBJECTS.length].replace(
      '{n}',
      String(10_000 + (h32(this.seed, k, S.SUBJECT + 1) % 90_000)),
    );
    const score = this.score(k);
    const tags = this.tags(k, score);
    const rcpts: EmailRecipient[] = this.recipients(k).map((to) => {
      const st = this.state(k, to);
      const r: EmailRecipient = {
        rcpt_to: to,
        rcpt_status: st.status,
        tags,
        is_read: st.status === 'delivered' && h32(this.seed, k, 210) % 2 === 0,
        rcpt_actions_taken: st.actions,
        action_status: st.actions.length > 0,
        is_group_email: false,
      };
      if (full) {
        const name = to.split('@')[0].replace('.', ' ');
        r.summary = [
          `The sender ${addr} has previously sent emails to ${1 + (k % 7)} users in this organisation.`,
          `The recipient ${name} has ${score >= 50 ? 'never' : 'often'} corresponded with ${addr.split('@')[1]}.`,
          `The email was sent from ${score >= 80 ? 'an unauthenticated' : 'an authentic'} source for ${addr.split('@')[1]}.`,
        ];
        r.requestedRelease = st.requestedRelease;
      }
      return r;
    });
    const out: Email = {
      uuid: this.uuid(k),
      direction: h32(this.seed, k, 211) % 10 === 0 ? 'outbound' : 'inbound',
      dtime: new Date(t).toISOString(),
      dtime_unix: t,
      header_from: `"${personal}" <${addr}>`,
      header_from_personal: personal,
      header_from_email: addr,
      header_subject: subject,
      in_progress: false,
      n_links: h32(this.seed, k, S.LINKS) % 9,
      n_attachments: h32(this.seed, k, S.ATT) % 4 === 0 ? 1 : 0,
      model_score: score,
      rcpts,
      restricted_recipients: [],
    };
    if (full) return { ...out, campaign_id: null };
    return out;
  }

  /** POST …/emails/search: the criteria XS-EM sends, newest first, paged. */
  search(body: Record<string, unknown>, now: number): Email[] {
    const page = num(body.page, 'page') ?? 0;
    const per = num(body.itemsPerPage, 'itemsPerPage') ?? 20;
    if (per < 1 || per > 1000) throw badRequest('itemsPerPage must be between 1 and 1000');
    const to = num(body.timeTo, 'timeTo');
    const from = num(body.timeFrom, 'timeFrom');
    const end = to !== undefined ? to * 1000 + 999 : now;
    const start = from !== undefined ? from * 1000 : end - DAY;
    const q = (body.query ?? { criteriaList: [], mode: 'and' }) as {
      criteriaList?: { apiFilter?: string; value?: string; operator?: string }[];
      mode?: string;
    };
    const tests = (q.criteriaList ?? []).map((c) => criterion(c));
    const keep = (e: Email) =>
      tests.length === 0 || (q.mode === 'or' ? tests.some((f) => f(e)) : tests.every((f) => f(e)));
    const all = this.window(start, end, now)
      .map((k) => this.message(k, false))
      .filter(keep);
    return all.slice(page * per, page * per + per);
  }

  /** POST …/emails/{uuid}/action. */
  act(
    uuid: string,
    action: string,
    recipients: unknown,
    username: string,
    now: number,
  ): Record<string, unknown> {
    const k = this.indexOf(uuid, now);
    if (k === undefined) throw notFound('Email not found');
    if (action !== 'hold' && action !== 'release') throw badRequest('action must be hold or release');
    if (
      !Array.isArray(recipients) ||
      recipients.length === 0 ||
      !recipients.every((r) => typeof r === 'string')
    )
      throw badRequest('recipients must be a non-empty list of addresses');
    const known = this.recipients(k);
    for (const r of recipients)
      if (!known.includes(r)) throw badRequest(`Recipient ${r} not found on this email`);
    for (const r of recipients as string[]) {
      const st = this.state(k, r);
      if (action === 'hold' && (st.status === 'held' || st.status === 'released'))
        throw new HttpError(409, { error: 'Failed to hold email - Previously Held or Released' });
      if (action === 'release' && st.status !== 'held')
        throw new HttpError(409, { error: 'Failed to release email - Not Held or Previously Released' });
    }
    for (const r of recipients as string[]) {
      const st = this.state(k, r);
      const next: RecipientState =
        action === 'hold'
          ? {
              status: 'held',
              actions: [...st.actions, 'Hold message'],
              requestedRelease: null,
              changedAt: now,
            }
          : {
              status: 'released',
              actions: [...st.actions, 'Released'],
              requestedRelease: new Date(now).toISOString(),
              changedAt: now,
            };
      this.overlay.set(`${k}|${r}`, next);
      this.changes.push({ time: now, uuid, recipient: r, action, username });
    }
    return action === 'hold' ? { code: 0, resp: 'Held Email' } : { resp: 'Email added to queue' };
  }
}

function num(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw badRequest(`Invalid value for ${name}`);
  return n;
}

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
};

/** The filters XS-EM sends (`Email.Antigena Email Anomaly`, `Action.Action Taken`, ...). */
function criterion(c: { apiFilter?: string; value?: string; operator?: string }): (e: Email) => boolean {
  const op = c.operator ?? '=';
  const value = String(c.value ?? '');
  switch (c.apiFilter) {
    case 'Email.Antigena Email Anomaly': {
      const cmp = OPS[op];
      const v = Number(value);
      if (!cmp || !Number.isFinite(v)) throw badRequest(`Invalid criterion for ${c.apiFilter}`);
      return (e) => cmp(e.model_score, v);
    }
    case 'Action.Action Taken':
      return (e) => e.rcpts.some((r) => r.rcpt_actions_taken.length > 0) === (value === 'true');
    case 'Connection.Direction':
      return (e) => e.direction === value;
    case 'Antigena Tag':
      return (e) => e.rcpts.some((r) => r.tags.includes(value));
    case 'Model Tag Severity': {
      const names = new Set(EMAIL_TAGS.filter((t) => t.status === value).map((t) => t.name));
      return (e) => e.rcpts.some((r) => r.tags.some((t) => names.has(t)));
    }
    default:
      throw badRequest(`Unknown apiFilter ${c.apiFilter}`);
  }
}
