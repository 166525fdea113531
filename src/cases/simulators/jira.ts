// A Jira REST API simulator, for the subset the Jira connector uses, as Atlassian documents it. It
// serves one version: v2 (Data Center: descriptions and comment bodies are wiki-text strings) or v3
// (Cloud: they are Atlassian Document Format documents), and refuses the other shape with Jira's 400.
// basic (login + API token) or bearer auth, `401` for no or wrong credentials, errors as
// `{errorMessages, errors}`, issues with comments and a changelog, a To Do → In Progress → Done
// workflow with transitions, JQL search (`project = "K" AND updated >= "yyyy-MM-dd HH:mm" ORDER BY
// updated ASC`, and `project = "K" AND labels = "L" ORDER BY created ASC`) paginated by
// startAt/maxResults, comment pages, issue deletion, and admin webhooks (`comment_created`,
// `jira:issue_updated`) signed `X-Hub-Signature: sha256=<hex>`. Not a Jira: the connector is tested
// against this only.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { adfText } from '../adf.ts';
import { jiraSignature, listen, type SimUser, simApp, userOf, Webhooks } from './common.ts';

const STATUSES = [
  { id: '10000', name: 'To Do', statusCategory: { key: 'new', name: 'To Do' } },
  { id: '10001', name: 'In Progress', statusCategory: { key: 'indeterminate', name: 'In Progress' } },
  { id: '10002', name: 'Done', statusCategory: { key: 'done', name: 'Done' } },
];
/** One transition into each status, offered from every other status. */
const TRANSITIONS = [
  { id: '11', name: 'To Do', to: STATUSES[0] },
  { id: '21', name: 'Start progress', to: STATUSES[1] },
  { id: '31', name: 'Done', to: STATUSES[2] },
];
const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
const ISSUE_TYPES = ['Task', 'Bug', 'Incident'];

interface Comment {
  id: string;
  /** Kept as text; shown as the version's shape. */
  body: string;
  author: ReturnType<typeof person>;
  created: string;
  updated: string;
}
interface History {
  id: string;
  author: ReturnType<typeof person>;
  created: string;
  items: { field: string; fieldtype: string; fromString: string | null; toString: string | null }[];
}
interface Issue {
  id: string;
  key: string;
  fields: {
    summary: string;
    description: string | null;
    priority: { name: string };
    status: (typeof STATUSES)[number];
    issuetype: { name: string };
    labels: string[];
    project: { key: string };
    created: string;
    updated: string;
  };
  comments: Comment[];
  histories: History[];
}

const person = (u: SimUser) => ({
  accountId: `acc-${u.login}`,
  emailAddress: u.login,
  displayName: u.displayName,
  active: true,
});

/** Jira's timestamp form: 2024-01-15T09:30:00.000+0000. */
const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

const errors = (messages: string[], fields: Record<string, string> = {}) => ({
  errorMessages: messages,
  errors: fields,
});

/** Block and inline nodes the simulator accepts in an ADF document (the subset plain text needs, and lists). */
const ADF_BLOCKS = new Set(['paragraph', 'bulletList', 'orderedList', 'listItem', 'heading', 'codeBlock']);
const ADF_INLINE = new Set(['text', 'hardBreak', 'mention', 'emoji', 'inlineCard']);

/** Why a value is not an ADF document, or undefined when it is one. */
function adfProblem(v: unknown): string | undefined {
  const doc = v as { type?: unknown; version?: unknown; content?: unknown };
  if (!v || typeof v !== 'object' || doc.type !== 'doc' || doc.version !== 1 || !Array.isArray(doc.content))
    return 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
  const walk = (nodes: unknown[], inline: boolean): string | undefined => {
    for (const n of nodes as { type?: string; text?: unknown; content?: unknown }[]) {
      const allowed = inline ? ADF_INLINE : ADF_BLOCKS;
      if (!n || typeof n.type !== 'string' || (!allowed.has(n.type) && !(inline && ADF_BLOCKS.has(n.type))))
        return `INVALID_INPUT: node type ${String(n?.type)} is not allowed here`;
      if (n.type === 'text' && (typeof n.text !== 'string' || !n.text.length))
        return 'INVALID_INPUT: a text node needs non-empty text';
      if (n.content !== undefined) {
        if (!Array.isArray(n.content)) return 'INVALID_INPUT: content must be an array';
        const p = walk(n.content, n.type === 'paragraph' || n.type === 'heading' || n.type === 'codeBlock');
        if (p) return p;
      }
    }
    return undefined;
  };
  return walk(doc.content, false);
}

export interface JiraSimulator {
  url: string;
  apiVersion: 2 | 3;
  users: SimUser[];
  webhooks: Webhooks;
  issue(key: string): Issue | undefined;
  issues(): Issue[];
  close(): Promise<void>;
}

export async function startJiraSimulator(o: {
  users: SimUser[];
  project: { key: string; name: string };
  /** The version served (default 2): its body shape is enforced. */
  apiVersion?: 2 | 3;
}): Promise<JiraSimulator> {
  const app = simApp();
  const v = o.apiVersion ?? 2;
  const api = `/rest/api/${v}`;
  /** A description or comment body as the served version takes it: its text, or Jira's complaint. */
  const bodyIn = (x: unknown): { text: string } | { problem: string } => {
    if (v === 2) return typeof x === 'string' ? { text: x } : { problem: 'Operation value must be a string' };
    const problem = adfProblem(x);
    return problem ? { problem } : { text: adfText(x) };
  };
  /** Text as the served version shows it (a one-paragraph-per-block document in v3). */
  const bodyOut = (text: string | null) =>
    v === 2 || text === null
      ? text
      : {
          type: 'doc',
          version: 1,
          content: text.split(/\n{2,}/).map((p) => ({
            type: 'paragraph',
            content: p
              .split('\n')
              .flatMap((l, i) => [
                ...(i ? [{ type: 'hardBreak' }] : []),
                ...(l ? [{ type: 'text', text: l }] : []),
              ]),
          })),
        };
  const commentOut = (c: Comment) => ({ ...c, body: bodyOut(c.body) });
  const webhooks = new Webhooks();
  const issues = new Map<string, Issue>();
  let ids = 10_000;
  let issueNumbers = 0;
  let now = Date.now();
  /** Times only grow, so "updated since" is exact however fast a test runs. */
  const tick = () => {
    now = Math.max(now + 1, Date.now());
    return now;
  };

  app.addHook('onRequest', async (req, reply) => {
    const user = userOf(req, o.users);
    if (!user)
      return reply
        .status(401)
        .header('www-authenticate', 'Basic realm="protected-area"')
        .send(errors(['You are not authenticated. Authentication required to perform this operation.']));
    (req as FastifyRequest & { user: SimUser }).user = user;
  });
  const userIn = (req: FastifyRequest) => (req as FastifyRequest & { user: SimUser }).user;
  const find = (req: FastifyRequest, reply: FastifyReply): Issue | undefined => {
    const i = issues.get((req.params as { key: string }).key);
    if (!i) reply.status(404).send(errors(['Issue does not exist or you do not have permission to see it.']));
    return i;
  };
  const view = (i: Issue, withComments: boolean) => ({
    id: i.id,
    key: i.key,
    self: `${url}${api}/issue/${i.id}`,
    fields: {
      ...i.fields,
      description: bodyOut(i.fields.description),
      ...(withComments
        ? {
            comment: {
              comments: i.comments.slice(0, 5).map(commentOut),
              maxResults: 5,
              total: i.comments.length,
              startAt: 0,
            },
          }
        : {}),
    },
  });
  const changed = (i: Issue, by: SimUser, items: History['items']) => {
    const t = tick();
    const h: History = { id: String(++ids), author: person(by), created: jiraTime(t), items };
    i.histories.push(h);
    i.fields.updated = jiraTime(t);
    webhooks.send({
      timestamp: t,
      webhookEvent: 'jira:issue_updated',
      user: person(by),
      issue: view(i, false),
      changelog: { id: h.id, items },
    });
  };

  app.get(`${api}/myself`, async (req) => person(userIn(req)));
  app.get(`${api}/project/:key`, async (req, reply) => {
    const { key } = req.params as { key: string };
    if (key !== o.project.key)
      return reply.status(404).send(errors([`No project could be found with key '${key}'.`]));
    return { id: '10000', key: o.project.key, name: o.project.name };
  });
  app.post(`${api}/issue`, async (req, reply) => {
    const f = ((req.body ?? {}) as { fields?: Record<string, any> }).fields ?? {};
    const bad: Record<string, string> = {};
    if (f.project?.key !== o.project.key) bad.project = 'project is required';
    if (typeof f.summary !== 'string' || !f.summary.trim())
      bad.summary = 'You must specify a summary of the issue.';
    else if (f.summary.length > 255) bad.summary = 'Summary must be less than 255 characters.';
    if (!ISSUE_TYPES.includes(f.issuetype?.name)) bad.issuetype = 'valid issue type is required';
    if (f.priority && !PRIORITIES.includes(f.priority.name))
      bad.priority = `Specify a valid 'id' or 'name' for Priority`;
    const description = f.description === undefined || f.description === null ? null : bodyIn(f.description);
    if (description && 'problem' in description) bad.description = description.problem;
    if (Object.keys(bad).length) return reply.status(400).send(errors([], bad));
    const t = tick();
    const id = String(++ids);
    const key = `${o.project.key}-${++issueNumbers}`;
    issues.set(key, {
      id,
      key,
      fields: {
        summary: f.summary,
        description: description && 'text' in description ? description.text : null,
        priority: { name: f.priority?.name ?? 'Medium' },
        status: STATUSES[0],
        issuetype: { name: f.issuetype.name },
        labels: Array.isArray(f.labels) ? f.labels : [],
        project: { key: o.project.key },
        created: jiraTime(t),
        updated: jiraTime(t),
      },
      comments: [],
      histories: [],
    });
    return reply.status(201).send({ id, key, self: `${url}${api}/issue/${id}` });
  });
  app.delete(`${api}/issue/:key`, async (req, reply) => {
    const i = find(req, reply);
    if (!i) return;
    issues.delete(i.key);
    return reply.status(204).send();
  });
  app.get(`${api}/issue/:key`, async (req, reply) => {
    const i = find(req, reply);
    return i && view(i, true);
  });
  app.put(`${api}/issue/:key`, async (req, reply) => {
    const i = find(req, reply);
    if (!i) return;
    const f = ((req.body ?? {}) as { fields?: Record<string, any> }).fields ?? {};
    if (f.priority && !PRIORITIES.includes(f.priority.name))
      return reply.status(400).send(errors([], { priority: `Specify a valid 'id' or 'name' for Priority` }));
    const items: History['items'] = [];
    if (f.priority && f.priority.name !== i.fields.priority.name) {
      items.push({
        field: 'priority',
        fieldtype: 'jira',
        fromString: i.fields.priority.name,
        toString: f.priority.name,
      });
      i.fields.priority = { name: f.priority.name };
    }
    if (typeof f.summary === 'string' && f.summary !== i.fields.summary) {
      items.push({ field: 'summary', fieldtype: 'jira', fromString: i.fields.summary, toString: f.summary });
      i.fields.summary = f.summary;
    }
    if (items.length) changed(i, userIn(req), items);
    return reply.status(204).send();
  });
  app.post(`${api}/issue/:key/comment`, async (req, reply) => {
    const i = find(req, reply);
    if (!i) return;
    const given = bodyIn((req.body as { body?: unknown } | undefined)?.body);
    if ('problem' in given) return reply.status(400).send(errors([], { comment: given.problem }));
    if (!given.text.trim())
      return reply.status(400).send(errors([], { comment: 'Comment body can not be empty!' }));
    const t = tick();
    const c: Comment = {
      id: String(++ids),
      body: given.text,
      author: person(userIn(req)),
      created: jiraTime(t),
      updated: jiraTime(t),
    };
    i.comments.push(c);
    i.fields.updated = jiraTime(t);
    webhooks.send({
      timestamp: t,
      webhookEvent: 'comment_created',
      comment: commentOut(c),
      issue: view(i, false),
    });
    return reply.status(201).send(commentOut(c));
  });
  app.get(`${api}/issue/:key/comment`, async (req, reply) => {
    const i = find(req, reply);
    if (!i) return;
    const q = req.query as { startAt?: string; maxResults?: string };
    const startAt = Math.max(0, Number(q.startAt ?? 0) || 0);
    const maxResults = Math.min(100, Math.max(1, Number(q.maxResults ?? 50) || 50));
    return {
      startAt,
      maxResults,
      total: i.comments.length,
      comments: i.comments.slice(startAt, startAt + maxResults).map(commentOut),
    };
  });
  app.get(`${api}/issue/:key/transitions`, async (req, reply) => {
    const i = find(req, reply);
    return i && { transitions: TRANSITIONS.filter((t) => t.to.id !== i.fields.status.id) };
  });
  app.post(`${api}/issue/:key/transitions`, async (req, reply) => {
    const i = find(req, reply);
    if (!i) return;
    const id = (req.body as { transition?: { id?: string } } | undefined)?.transition?.id;
    const t = TRANSITIONS.find((x) => x.id === id && x.to.id !== i.fields.status.id);
    if (!t) return reply.status(400).send(errors([`Transition id '${id}' is not valid for this issue.`]));
    const from = i.fields.status;
    i.fields.status = t.to;
    changed(i, userIn(req), [
      { field: 'status', fieldtype: 'jira', fromString: from.name, toString: t.to.name },
    ]);
    return reply.status(204).send();
  });
  app.get(`${api}/search`, async (req, reply) => {
    const q = req.query as { jql?: string; startAt?: string; maxResults?: string; expand?: string };
    const jql = q.jql ?? '';
    const label = /^project = "([^"]+)" AND labels = "((?:[^"\\]|\\.)+)" ORDER BY created ASC$/.exec(jql);
    const m = /^project = "([^"]+)" AND updated >= "(\d{4}-\d\d-\d\d \d\d:\d\d)" ORDER BY updated ASC$/.exec(
      jql,
    );
    if (label) {
      const want = label[2].replace(/\\(.)/g, '$1');
      const hits = [...issues.values()].filter(
        (i) => i.fields.project.key === label[1] && i.fields.labels.includes(want),
      );
      const maxResults = Math.min(100, Math.max(1, Number(q.maxResults ?? 50) || 50));
      return {
        startAt: 0,
        maxResults,
        total: hits.length,
        issues: hits.slice(0, maxResults).map((i) => view(i, false)),
      };
    }
    if (!m)
      return reply
        .status(400)
        .send(
          errors([
            `Error in the JQL Query: the simulator understands only project = "K" AND updated >= "yyyy-MM-dd HH:mm" ORDER BY updated ASC, and project = "K" AND labels = "L" ORDER BY created ASC`,
          ]),
        );
    const since = Date.parse(`${m[2].replace(' ', 'T')}:00Z`);
    const startAt = Math.max(0, Number(q.startAt ?? 0) || 0);
    const maxResults = Math.min(100, Math.max(1, Number(q.maxResults ?? 50) || 50));
    const hits = [...issues.values()]
      .filter(
        (i) => i.fields.project.key === m[1] && Date.parse(i.fields.updated.replace('+0000', 'Z')) >= since,
      )
      .sort((a, b) => a.fields.updated.localeCompare(b.fields.updated));
    return {
      startAt,
      maxResults,
      total: hits.length,
      issues: hits.slice(startAt, startAt + maxResults).map((i) => ({
        ...view(i, true),
        ...(q.expand?.split(',').includes('changelog')
          ? {
              changelog: {
                startAt: 0,
                maxResults: i.histories.length,
                total: i.histories.length,
                histories: i.histories,
              },
            }
          : {}),
      })),
    };
  });

  const url = await listen(app);
  return {
    url,
    apiVersion: v,
    users: o.users,
    webhooks,
    issue: (key) => issues.get(key),
    issues: () => [...issues.values()],
    close: async () => {
      await webhooks.flush();
      await app.close();
    },
  };
}

export { jiraSignature };
