// A ServiceNow Table API simulator, for the subset the ServiceNow connector uses, as ServiceNow
// documents it: basic auth, errors as `{error: {message, detail}, status: "failure"}` (401 without
// credentials, 404 for an unknown record, 400 for an unknown table), `incident` records created with
// POST and changed with PATCH (journal fields `comments` and `work_notes`; Resolved needs a resolution
// code and notes, as the base system's data policy says: 403 otherwise), the read-only `sys_audit`
// table recording each field change, DELETE of an incident with the record's checkpoint, encoded queries (`a=b`, `aINx,y`,
// `a>=v`, `a>v`, `ORDERBYa`), `sysparm_limit`/`sysparm_offset` pagination with `X-Total-Count` and a
// `Link` header, `sysparm_fields`; and the webhook a Business Rule would send on a state or journal
// change, signed `X-ServiceNow-Signature: base64(HMAC-SHA256)`. Not a ServiceNow: the connector is
// tested against this only.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { listen, type SimUser, simApp, userOf, Webhooks } from './common.ts';

type Rec = Record<string, string>;

const failure = (message: string, detail: string | null) => ({
  error: { message, detail },
  status: 'failure',
});
const snowTime = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const sysId = () => randomBytes(16).toString('hex');
/** Fields whose changes the audit (and the Business Rule) records. */
const AUDITED = ['state', 'impact', 'urgency', 'short_description', 'comments', 'work_notes', 'close_code'];
const JOURNAL = ['comments', 'work_notes'];
const WRITABLE = [
  ...AUDITED,
  'description',
  'category',
  'close_notes',
  'correlation_id',
  'correlation_display',
];

/** An encoded query as a predicate and an order. */
function parseQuery(q: string): { test: (r: Rec) => boolean; order?: string } | string {
  const tests: ((r: Rec) => boolean)[] = [];
  let order: string | undefined;
  for (const part of q.split('^').filter(Boolean)) {
    const orderBy = /^ORDERBY(\w+)$/.exec(part);
    const inList = /^(\w+)IN(.*)$/.exec(part);
    const compare = /^(\w+)(>=|>|=)(.*)$/.exec(part);
    if (orderBy) order = orderBy[1];
    else if (inList) {
      const [f, vs] = [inList[1], inList[2].split(',')];
      tests.push((r) => vs.includes(r[f] ?? ''));
    } else if (compare) {
      const [f, op, v] = [compare[1], compare[2], compare[3]];
      tests.push((r) => (op === '=' ? r[f] === v : op === '>=' ? (r[f] ?? '') >= v : (r[f] ?? '') > v));
    } else return `Invalid query: ${part}`;
  }
  return { test: (r) => tests.every((t) => t(r)), order };
}

export interface ServiceNowSimulator {
  url: string;
  webhooks: Webhooks;
  incident(sysId: string): Rec | undefined;
  incidents(): Rec[];
  /** Journal entries of an incident (comments and work notes), oldest first. */
  journal(sysId: string): { field: string; text: string; user: string }[];
  close(): Promise<void>;
}

export async function startServiceNowSimulator(o: { users: SimUser[] }): Promise<ServiceNowSimulator> {
  const app = simApp();
  const webhooks = new Webhooks();
  const incidents = new Map<string, Rec>();
  const audit: Rec[] = [];
  let numbers = 10_000;

  app.addHook('onRequest', async (req, reply) => {
    const user = userOf(req, o.users);
    if (!user)
      return reply
        .status(401)
        .send(failure('User Not Authenticated', 'Required to provide Auth information'));
    (req as FastifyRequest & { user: SimUser }).user = user;
  });
  const userIn = (req: FastifyRequest) => (req as FastifyRequest & { user: SimUser }).user.login;
  const pick = (r: Rec, fields?: string) =>
    fields ? Object.fromEntries(fields.split(',').map((f) => [f, r[f] ?? ''])) : { ...r };
  const table = (req: FastifyRequest, reply: FastifyReply): Rec[] | undefined => {
    const { table: t } = req.params as { table: string };
    if (t === 'incident') return [...incidents.values()];
    if (t === 'sys_audit') return audit;
    reply.status(400).send(failure(`Invalid table ${t}`, null));
    return undefined;
  };

  /** Applies a change as the user, recording each audited field and sending the Business Rule's webhook. */
  const change = (rec: Rec, patch: Record<string, unknown>, user: string) => {
    const changes: { field: string; old: string; new: string }[] = [];
    const mod = String(Number(rec.sys_mod_count) + 1);
    const at = snowTime(Date.now());
    for (const [f, raw] of Object.entries(patch)) {
      if (!WRITABLE.includes(f)) continue;
      const v = String(raw);
      const old = JOURNAL.includes(f) ? '' : (rec[f] ?? '');
      if (!JOURNAL.includes(f) && old === v) continue;
      if (!JOURNAL.includes(f)) rec[f] = v;
      if (AUDITED.includes(f)) {
        changes.push({ field: f, old, new: v });
        audit.push({
          sys_id: sysId(),
          tablename: 'incident',
          documentkey: rec.sys_id,
          fieldname: f,
          oldvalue: old,
          newvalue: v,
          user,
          record_checkpoint: mod,
          sys_created_on: at,
        });
      }
    }
    if (!changes.length) return;
    rec.sys_mod_count = mod;
    rec.sys_updated_on = at;
    rec.sys_updated_by = user;
    const sent = changes.filter((c) => c.field === 'state' || JOURNAL.includes(c.field));
    if (sent.length)
      webhooks.send({
        sys_id: rec.sys_id,
        number: rec.number,
        sys_mod_count: Number(mod),
        user,
        changes: sent,
      });
  };

  app.get('/api/now/table/:table', async (req, reply) => {
    const rows = table(req, reply);
    if (!rows) return;
    const q = req.query as {
      sysparm_query?: string;
      sysparm_limit?: string;
      sysparm_offset?: string;
      sysparm_fields?: string;
    };
    const parsed = parseQuery(q.sysparm_query ?? '');
    if (typeof parsed === 'string') return reply.status(400).send(failure(parsed, null));
    const hits = rows.filter(parsed.test);
    if (parsed.order) hits.sort((a, b) => (a[parsed.order!] ?? '').localeCompare(b[parsed.order!] ?? ''));
    const limit = Math.min(10_000, Math.max(1, Number(q.sysparm_limit ?? 10_000) || 10_000));
    const offset = Math.max(0, Number(q.sysparm_offset ?? 0) || 0);
    reply.header('x-total-count', String(hits.length));
    if (offset + limit < hits.length) {
      const next = new URL(req.url, url);
      next.searchParams.set('sysparm_offset', String(offset + limit));
      reply.header('link', `<${next.href}>;rel="next"`);
    }
    return { result: hits.slice(offset, offset + limit).map((r) => pick(r, q.sysparm_fields)) };
  });
  app.post('/api/now/table/:table', async (req, reply) => {
    const { table: t } = req.params as { table: string };
    if (t !== 'incident')
      return reply
        .status(t === 'sys_audit' ? 403 : 400)
        .send(failure(t === 'sys_audit' ? 'Operation Failed' : `Invalid table ${t}`, null));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const now = snowTime(Date.now());
    const id = sysId();
    const rec: Rec = {
      sys_id: id,
      number: `INC00${++numbers}`,
      state: '1',
      impact: '3',
      urgency: '3',
      short_description: '',
      description: '',
      category: 'inquiry',
      close_code: '',
      close_notes: '',
      correlation_id: '',
      correlation_display: '',
      sys_mod_count: '0',
      sys_created_on: now,
      sys_created_by: userIn(req),
      sys_updated_on: now,
      sys_updated_by: userIn(req),
    };
    for (const [f, v] of Object.entries(body))
      if (WRITABLE.includes(f) && !JOURNAL.includes(f)) rec[f] = String(v);
    incidents.set(id, rec);
    const q = req.query as { sysparm_fields?: string };
    return reply.status(201).send({ result: pick(rec, q.sysparm_fields) });
  });
  app.patch('/api/now/table/:table/:id', async (req, reply) => {
    const { table: t, id } = req.params as { table: string; id: string };
    if (t !== 'incident') return reply.status(400).send(failure(`Invalid table ${t}`, null));
    const rec = incidents.get(id);
    if (!rec)
      return reply
        .status(404)
        .send(failure('No Record found', "Record doesn't exist or ACL restricts the record retrieval"));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const state = body.state === undefined ? rec.state : String(body.state);
    const code = String(body.close_code ?? rec.close_code ?? '');
    const notes = String(body.close_notes ?? rec.close_notes ?? '');
    if (state === '6' && (!code || !notes))
      return reply
        .status(403)
        .send(
          failure(
            'Operation Failed',
            'Data Policy Exception: \n\tThe following fields are mandatory: Resolution code, Resolution notes\n',
          ),
        );
    change(rec, body, userIn(req));
    const q = req.query as { sysparm_fields?: string };
    return { result: pick(rec, q.sysparm_fields) };
  });

  app.delete('/api/now/table/:table/:id', async (req, reply) => {
    const { table: t, id } = req.params as { table: string; id: string };
    if (t !== 'incident') return reply.status(400).send(failure(`Invalid table ${t}`, null));
    if (!incidents.delete(id))
      return reply
        .status(404)
        .send(failure('No Record found', "Record doesn't exist or ACL restricts the record retrieval"));
    return reply.status(204).send();
  });

  const url = await listen(app);
  return {
    url,
    webhooks,
    incident: (id) => incidents.get(id),
    incidents: () => [...incidents.values()],
    journal: (id) =>
      audit
        .filter((a) => a.documentkey === id && JOURNAL.includes(a.fieldname))
        .map((a) => ({ field: a.fieldname, text: a.newvalue, user: a.user })),
    close: async () => {
      await webhooks.flush();
      await app.close();
    },
  };
}
