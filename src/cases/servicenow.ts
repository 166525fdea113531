// ServiceNow through its Table API: an `incident` per case, work notes for our updates, impact and
// urgency from the severity, state Resolved (6, with a resolution code and notes) or In Progress (2).
// Inbound: a webhook sent by a Business Rule (see src/cases/README.md) signed with the shared secret
// (`X-ServiceNow-Signature: base64(HMAC-SHA256(secret, body))`), and a poll of `sys_audit` for state,
// comment and work-note changes after a cursor, for what a webhook missed. Tested against a simulator of
// this subset only (src/cases/simulators/servicenow.ts), never a real instance.
import { z } from 'zod';
import { basicAuth, JsonClient } from './http.ts';
import { signatureMatches } from './signature.ts';
import type { CaseChange, CaseContent, CaseSystem, CaseSystemModule, CaseUpdate } from './types.ts';

const spec = z.strictObject({
  url: z.url().describe('the instance, e.g. https://example.service-now.com'),
  username: z.string().min(1).describe('the integration user the connector acts as'),
  password: z.string().min(1).meta({ secret: true }).describe("that user's password"),
  closeCode: z
    .string()
    .min(1)
    .default('Solved (Permanently)')
    .describe('the resolution code set when Darktrace says the detection was acknowledged'),
  webhookSecret: z
    .string()
    .min(8)
    .optional()
    .meta({ secret: true })
    .describe('the secret the Business Rule signs its webhook with'),
});

type SnowConfig = z.infer<typeof spec>;

/** Incident states (the base system's values): Resolved, Closed, Canceled count as done. */
const DONE = new Set(['6', '7', '8']);
const IN_PROGRESS = '2';
const RESOLVED = '6';
const PAGE = 100;
const JOURNAL = new Set(['comments', 'work_notes']);
/** Impact and urgency (1 high … 3 low) for severities 0–5. */
export const IMPACT_URGENCY: readonly [number, number][] = [
  [3, 3],
  [3, 3],
  [2, 3],
  [2, 2],
  [1, 2],
  [1, 1],
];

interface Audit {
  sys_id: string;
  documentkey: string;
  fieldname: string;
  oldvalue: string;
  newvalue: string;
  user: string;
  record_checkpoint: string;
  sys_created_on: string;
}

/** ServiceNow's `yyyy-MM-dd HH:mm:ss` (UTC through the API) and back. */
const snowTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const fromSnowTime = (s: string) => Date.parse(`${s.replace(' ', 'T')}Z`);

/** A field's change as an inbound change, or nothing when it is not one the connector carries. */
function toChange(
  event: string,
  caseId: string,
  author: string,
  field: string,
  old: string,
  now: string,
): CaseChange | undefined {
  const base = { id: event, caseId, author };
  if (JOURNAL.has(field)) return { ...base, kind: 'comment', text: now };
  if (field !== 'state') return undefined;
  if (DONE.has(now) && !DONE.has(old)) return { ...base, kind: 'resolved' };
  if (DONE.has(old) && !DONE.has(now)) return { ...base, kind: 'reopened' };
  return undefined;
}

class ServiceNow implements CaseSystem {
  readonly self: string;
  readonly #c: SnowConfig;
  readonly #http: JsonClient;
  readonly webhook?: CaseSystem['webhook'];

  constructor(c: SnowConfig, name: string) {
    this.#c = c;
    this.self = c.username;
    this.#http = new JsonClient({
      baseUrl: `${c.url.replace(/\/+$/, '')}/api/now/`,
      what: `servicenow[${name}]`,
      headers: { authorization: basicAuth(c.username, c.password) },
    });
    const secret = c.webhookSecret;
    if (secret)
      this.webhook = {
        verify: (h, raw) =>
          signatureMatches(h['x-servicenow-signature'], secret, raw, { encoding: 'base64' }),
        parse: (body) => {
          const b = body as {
            sys_id?: string;
            sys_mod_count?: number | string;
            user?: string;
            changes?: { field: string; old?: string; new?: string }[];
          };
          if (!b.sys_id || b.sys_mod_count === undefined || !Array.isArray(b.changes))
            throw new Error('expected {sys_id, sys_mod_count, user, changes: [{field, old, new}]}');
          return b.changes.flatMap(
            (ch) =>
              toChange(
                `${b.sys_id}:${b.sys_mod_count}:${ch.field}`,
                b.sys_id!,
                b.user ?? 'unknown',
                ch.field,
                ch.old ?? '',
                ch.new ?? '',
              ) ?? [],
          );
        },
      };
  }

  async open(c: CaseContent) {
    const [impact, urgency] = IMPACT_URGENCY[c.severity];
    const { result } = await this.#http.call<{ result: { sys_id: string; number: string } }>(
      'POST',
      'table/incident?sysparm_fields=sys_id,number',
      {
        short_description: c.title.slice(0, 160),
        description: c.body,
        impact,
        urgency,
        category: 'security',
        // The field ServiceNow keeps for an outside system's id: `find` searches it after a crash.
        correlation_id: c.key.slice(0, 100),
        correlation_display: 'Darktrace',
      },
    );
    return { id: result.sys_id, url: this.#url(result.sys_id) };
  }

  #url(sysId: string): string {
    return `${this.#c.url.replace(/\/+$/, '')}/nav_to.do?uri=incident.do?sys_id=${sysId}`;
  }

  async find(key: string) {
    // `^` separates an encoded query's terms; no key carries one, and one that did could match nothing.
    if (key.includes('^')) return undefined;
    const { result } = await this.#http.call<{ result: { sys_id: string }[] }>(
      'GET',
      `table/incident?sysparm_query=${encodeURIComponent(`correlation_id=${key.slice(0, 100)}^ORDERBYsys_created_on`)}&sysparm_limit=1&sysparm_fields=sys_id`,
    );
    return result[0] ? { id: result[0].sys_id, url: this.#url(result[0].sys_id) } : undefined;
  }

  async update(sysId: string, u: CaseUpdate) {
    const patch: Record<string, unknown> = { work_notes: u.comment };
    if (u.severity !== undefined) [patch.impact, patch.urgency] = IMPACT_URGENCY[u.severity];
    if (u.resolve)
      Object.assign(patch, { state: RESOLVED, close_code: this.#c.closeCode, close_notes: u.comment });
    if (u.reopen) patch.state = IN_PROGRESS;
    await this.#http.call('PATCH', `table/incident/${sysId}?sysparm_fields=sys_id`, patch);
  }

  async changes(cursor: unknown) {
    if (typeof cursor !== 'number') return { changes: [], cursor: Date.now() };
    // `>=` the last second seen: entries of that second may have come after the last read (seen ones
    // are recognised by their id).
    const query = `tablename=incident^fieldnameINstate,comments,work_notes^sys_created_on>=${snowTime(cursor)}^ORDERBYsys_created_on`;
    const out: CaseChange[] = [];
    let last = cursor;
    for (let offset = 0; ; offset += PAGE) {
      const { result } = await this.#http.call<{ result: Audit[] }>(
        'GET',
        `table/sys_audit?sysparm_query=${encodeURIComponent(query)}&sysparm_limit=${PAGE}&sysparm_offset=${offset}` +
          '&sysparm_fields=sys_id,documentkey,fieldname,oldvalue,newvalue,user,record_checkpoint,sys_created_on',
      );
      for (const a of result) {
        const ch = toChange(
          `${a.documentkey}:${a.record_checkpoint}:${a.fieldname}`,
          a.documentkey,
          a.user,
          a.fieldname,
          a.oldvalue,
          a.newvalue,
        );
        if (ch) out.push(ch);
        last = Math.max(last, fromSnowTime(a.sys_created_on));
      }
      if (result.length < PAGE) break;
    }
    return { changes: out, cursor: last };
  }

  async test() {
    const { result } = await this.#http.call<{ result: unknown[] }>(
      'GET',
      'table/incident?sysparm_limit=1&sysparm_fields=sys_id',
    );
    return `ServiceNow at ${this.#c.url}: the incident table is readable as ${this.self} (${result.length ? 'has incidents' : 'empty'})`;
  }
}

export const serviceNowSystem: CaseSystemModule<typeof spec> = {
  type: 'servicenow',
  summary:
    'ServiceNow Table API (incident, work notes, state); inbound by signed Business Rule webhook and a sys_audit poll',
  spec,
  webhook: true,
  create: (c, ctx) => new ServiceNow(c, ctx.name),
};
