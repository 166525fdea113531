// Request Tracker 5 through its REST 2 API (basic auth). Outbound: a ticket in a queue, comments,
// Priority from the severity, Status resolved/open. Inbound: the global transaction history read after a
// cursor (the last transaction id seen), so what analysts did while the service was down is read when
// it starts again. RT has no webhooks of its own; the poll is the inbound path.
import { z } from 'zod';
import { basicAuth, JsonClient } from './http.ts';
import {
  type CaseChange,
  type CaseContent,
  CaseError,
  type CaseSystem,
  type CaseSystemModule,
} from './types.ts';

const spec = z.strictObject({
  url: z.url().describe('where RT answers, e.g. https://rt.example.com (the REST API is <url>/REST/2.0)'),
  username: z
    .string()
    .min(1)
    .describe('the RT user the connector acts as (its own changes are not carried back)'),
  password: z.string().min(1).meta({ secret: true }).describe("that user's password"),
  queue: z.string().min(1).default('General').describe('the queue new tickets go to'),
  /** RT priorities for severities 0–5. */
  priorities: z
    .array(z.number().int().min(0).max(100))
    .length(6)
    .default([0, 10, 30, 50, 70, 90])
    .describe('the RT Priority for each severity 0–5'),
});

type RtConfig = z.infer<typeof spec>;

/** RT statuses that mean "done". */
const CLOSED = new Set(['resolved', 'rejected', 'deleted']);
const PAGE = 100;
/** RT's Subject column holds 200 characters. */
const SUBJECT_MAX = 200;
/** Our key at the end of the subject: what `find` searches after a crash lost a ticket's link. */
const subjectTag = (key: string) => ` [dtc:${key}]`;
/** A TicketSQL string literal's inside. */
const tql = (v: string) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
/** Transaction fields the inbound reader needs. */
const FIELDS = 'Type,Creator,ObjectId,ObjectType,Field,OldValue,NewValue';

interface Txn {
  id: string;
  Type: string;
  Creator?: { id?: string } | string;
  ObjectId: string;
  ObjectType: string;
  Field?: string;
  OldValue?: string;
  NewValue?: string;
}

class RequestTracker implements CaseSystem {
  readonly self: string;
  readonly #c: RtConfig;
  readonly #http: JsonClient;
  readonly #base: string;

  constructor(c: RtConfig, name: string) {
    this.#c = c;
    this.self = c.username;
    this.#base = c.url.replace(/\/+$/, '');
    this.#http = new JsonClient({
      baseUrl: `${this.#base}/REST/2.0/`,
      what: `rt[${name}]`,
      headers: { authorization: basicAuth(c.username, c.password) },
    });
  }

  #priority(severity: number): number {
    return this.#c.priorities[Math.max(0, Math.min(5, severity))];
  }

  async open(c: CaseContent) {
    const tag = subjectTag(c.key);
    const r = await this.#http.call<{ id: string }>('POST', 'ticket', {
      Queue: this.#c.queue,
      Subject: `${c.title.slice(0, SUBJECT_MAX - tag.length)}${tag}`,
      Content: c.body,
      ContentType: 'text/plain',
      Priority: this.#priority(c.severity),
    });
    return { id: String(r.id), url: this.#url(r.id) };
  }

  #url(id: string): string {
    return `${this.#base}/Ticket/Display.html?id=${id}`;
  }

  /** The ticket whose subject ends with the key's tag (LIKE narrows, the exact ending decides). */
  async find(key: string) {
    const tag = subjectTag(key);
    const query = `Queue = '${tql(this.#c.queue)}' AND Subject LIKE '${tql(tag.trim())}'`;
    const r = await this.#http.call<{ items?: { id: string; Subject?: string }[] }>(
      'GET',
      `tickets?query=${encodeURIComponent(query)}&fields=Subject&orderby=id&order=ASC&per_page=20`,
    );
    const hit = (r.items ?? []).find((t) => t.Subject?.endsWith(tag));
    return hit ? { id: String(hit.id), url: this.#url(hit.id) } : undefined;
  }

  async update(id: string, u: Parameters<CaseSystem['update']>[1]) {
    try {
      await this.#http.call('POST', `ticket/${id}/comment`, {
        Content: u.comment,
        ContentType: 'text/plain',
      });
    } catch (err) {
      // RT answers a comment on a ticket that no longer exists (shredded) with 400 "Message could not
      // be recorded": the ticket's own 404 then says it is gone rather than the comment refused.
      if (err instanceof CaseError && err.status === 400) await this.#http.call('GET', `ticket/${id}`);
      throw err;
    }
    const fields: Record<string, unknown> = {};
    if (u.severity !== undefined) fields.Priority = this.#priority(u.severity);
    if (u.resolve) fields.Status = 'resolved';
    if (u.reopen) fields.Status = 'open';
    if (Object.keys(fields).length) await this.#http.call('PUT', `ticket/${id}`, fields);
  }

  /** Ticket transactions with an id above `after`, oldest first (one page). */
  async #after(after: number, per = PAGE, order = 'ASC'): Promise<Txn[]> {
    const r = await this.#http.call<{ items?: Txn[] }>(
      'POST',
      `transactions?fields=${FIELDS}&orderby=id&order=${order}&per_page=${per}&page=1`,
      [
        { field: 'id', operator: '>', value: String(after) },
        { field: 'ObjectType', value: 'RT::Ticket' },
      ],
    );
    return r.items ?? [];
  }

  async #content(txnId: string): Promise<string> {
    const r = await this.#http.call<{ items?: { Content?: string; ContentType?: string }[] }>(
      'GET',
      `transaction/${txnId}/attachments?fields=Content,ContentType`,
    );
    const part = (r.items ?? []).find((a) => a.ContentType?.startsWith('text/plain')) ?? r.items?.[0];
    return (part?.Content ?? '').trim();
  }

  async changes(cursor: unknown) {
    if (typeof cursor !== 'number') {
      // First start: from the newest transaction on, not RT's whole history.
      const newest = await this.#after(0, 1, 'DESC');
      return { changes: [], cursor: Number(newest[0]?.id ?? 0) };
    }
    const out: CaseChange[] = [];
    let at = cursor;
    for (let round = 0; round < 20; round++) {
      const txns = await this.#after(at);
      for (const t of txns) {
        const author = typeof t.Creator === 'string' ? t.Creator : (t.Creator?.id ?? '');
        const base = { id: `txn:${t.id}`, caseId: String(t.ObjectId), author };
        if ((t.Type === 'Comment' || t.Type === 'Correspond') && author !== this.self)
          out.push({ ...base, kind: 'comment', text: await this.#content(t.id) });
        else if (t.Type === 'Status' || (t.Type === 'Set' && t.Field === 'Status')) {
          const was = CLOSED.has(t.OldValue ?? '');
          const now = CLOSED.has(t.NewValue ?? '');
          if (now && !was) out.push({ ...base, kind: 'resolved' });
          else if (was && !now) out.push({ ...base, kind: 'reopened' });
        }
        at = Number(t.id);
      }
      if (txns.length < PAGE) break;
    }
    return { changes: out, cursor: at };
  }

  async test() {
    const q = await this.#http.call<{ id: string; Name: string }>(
      'GET',
      `queue/${encodeURIComponent(this.#c.queue)}`,
    );
    return `RT at ${this.#base}: queue "${q.Name}" (id ${q.id}) reachable as ${this.self}`;
  }
}

export const rtSystem: CaseSystemModule<typeof spec> = {
  type: 'rt',
  summary: 'Request Tracker 5 (REST 2, basic auth); inbound from the transaction history',
  spec,
  webhook: false,
  create: (c, ctx) => new RequestTracker(c, ctx.name),
};
