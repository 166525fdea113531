// A Jira REST API v2 simulator, for the subset the Jira connector uses, as Atlassian documents it:
// basic (login + API token) or bearer auth, `401` for no or wrong credentials, errors as
// `{errorMessages, errors}`, issues with comments and a changelog, a To Do → In Progress → Done
// workflow with transitions, JQL search (`project = "K" AND updated >= "yyyy-MM-dd HH:mm" ORDER BY
// updated ASC`) paginated by startAt/maxResults, comment pages, and admin webhooks (`comment_created`,
// `jira:issue_updated`) signed `X-Hub-Signature: sha256=<hex>`. Not a Jira: the connector is tested
// against this only.
import type { FastifyReply, FastifyRequest } from 'fastify';
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

export interface JiraSimulator {
  url: string;
  users: SimUser[];
  webhooks: Webhooks;
  issue(key: string): Issue | undefined;
  issues(): Issue[];
  close(): Promise<void>;
}

export async function startJiraSimulator(o: {
  users: SimUser[];
  project: { key: string; name: string };
}): Promise<JiraSimulator> {
  const app = simApp();
  const webhooks = new Webhooks();
  const issues = new Map<string, Issue>();
  let ids = 10_000;
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
    self: `${url}/rest/api/2/issue/${i.id}`,
    fields: {
      ...i.fields,
      ...(withComments
        ? {
            comment: {
              comments: i.comments.slice(0, 5),
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

  app.get('/rest/api/2/myself', async (req) => person(userIn(req)));
  app.get('/rest/api/2/project/:key', async (req, reply) => {
    const { key } = req.params as { key: string };
    if (key !== o.project.key)
      return reply.status(404).send(errors([`No project could be found with key '${key}'.`]));
    return { id: '10000', key: o.project.key, name: o.project.name };
  });
  app.post('/rest/api/2/issue', async (req, reply) => {
    const f = ((req.body ?? {}) as { fields?: Record<string, any> }).fields ?? {};
    const bad: Record<string, string> = {};
    if (f.project?.key !== o.project.key) bad.project = 'project is required';
    if (typeof f.summary !== 'string' || !f.summary.trim())
      bad.summary = 'You must specify a summary of the issue.';
    else if (f.summary.length > 255) bad.summary = 'Summary must be less than 255 characters.';
    if (!ISSUE_TYPES.includes(f.issuetype?.name)) bad.issuetype = 'valid issue type is required';
    if (f.priority && !PRIORITIES.includes(f.priority.name))
      bad.priority = `Specify a valid 'id' or 'name' for Priority`;
    if (Object.keys(bad).length) return reply.status(400).send(errors([], bad));
    const t = tick();
    const id = String(++ids);
    const key = `${o.project.key}-${issues.size + 1}`;
    issues.set(key, {
      id,
      key,
      fields: {
        summary: f.summary,
        description: f.description ?? null,
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
    return reply.status(201).send({ id, key, self: `${url}/rest/api/2/issue/${id}` });
  });
  app.get('/rest/api/2/issue/:key', async (req, reply) => {
    const i = find(req, reply);
    return i && view(i, true);
  });
  app.put('/rest/api/2/issue/:key', async (req, reply) => {
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
  app.post('/rest/api/2/issue/:key/comment', async (req, reply) => {
    const i = find(req, reply);
    if (!i) return;
    const body = (req.body as { body?: unknown } | undefined)?.body;
    if (typeof body !== 'string' || !body.trim())
      return reply.status(400).send(errors([], { comment: 'Comment body can not be empty!' }));
    const t = tick();
    const c: Comment = {
      id: String(++ids),
      body,
      author: person(userIn(req)),
      created: jiraTime(t),
      updated: jiraTime(t),
    };
    i.comments.push(c);
    i.fields.updated = jiraTime(t);
    webhooks.send({ timestamp: t, webhookEvent: 'comment_created', comment: c, issue: view(i, false) });
    return reply.status(201).send(c);
  });
  app.get('/rest/api/2/issue/:key/comment', async (req, reply) => {
    const i = find(req, reply);
    if (!i) return;
    const q = req.query as { startAt?: string; maxResults?: string };
    const startAt = Math.max(0, Number(q.startAt ?? 0) || 0);
    const maxResults = Math.min(100, Math.max(1, Number(q.maxResults ?? 50) || 50));
    return {
      startAt,
      maxResults,
      total: i.comments.length,
      comments: i.comments.slice(startAt, startAt + maxResults),
    };
  });
  app.get('/rest/api/2/issue/:key/transitions', async (req, reply) => {
    const i = find(req, reply);
    return i && { transitions: TRANSITIONS.filter((t) => t.to.id !== i.fields.status.id) };
  });
  app.post('/rest/api/2/issue/:key/transitions', async (req, reply) => {
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
  app.get('/rest/api/2/search', async (req, reply) => {
    const q = req.query as { jql?: string; startAt?: string; maxResults?: string; expand?: string };
    const m = /^project = "([^"]+)" AND updated >= "(\d{4}-\d\d-\d\d \d\d:\d\d)" ORDER BY updated ASC$/.exec(
      q.jql ?? '',
    );
    if (!m)
      return reply
        .status(400)
        .send(
          errors([
            `Error in the JQL Query: the simulator understands only project = "K" AND updated >= "yyyy-MM-dd HH:mm" ORDER BY updated ASC`,
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
