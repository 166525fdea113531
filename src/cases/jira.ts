// Jira (Cloud or Data Center) through its REST API: v3 with Atlassian Document Format bodies (Cloud) or
// v2 with wiki text (Data Center). An issue per case, comments, priority, and workflow transitions to
// resolve or reopen; each issue carries our key as a label, so a crash before its link was stored
// adopts the issue instead of opening another. Inbound: admin webhooks signed with the shared secret
// (`X-Hub-Signature: sha256=<hex>` over the raw body) for comments and status changes, plus a JQL poll
// of recently updated issues for what a webhook missed. Tested against a simulator of this subset only
// (src/cases/simulators/jira.ts), never a real Jira.
import { z } from 'zod';
import { adfText, toAdf, wikiText } from './adf.ts';
import { basicAuth, JsonClient } from './http.ts';
import { signatureMatches } from './signature.ts';
import type { CaseChange, CaseContent, CaseSystem, CaseSystemModule, CaseUpdate } from './types.ts';

const spec = z.strictObject({
  url: z.url().describe('the Jira site, e.g. https://example.atlassian.net'),
  user: z
    .string()
    .min(1)
    .describe(
      'the account the connector acts as: its e-mail (Cloud, with an API token) or user name (Data Center)',
    ),
  token: z.string().min(1).meta({ secret: true }).describe('its API token (Cloud) or personal access token'),
  auth: z
    .enum(['basic', 'bearer'])
    .default('basic')
    .describe('basic: user + API token (Cloud); bearer: a personal access token (Data Center)'),
  project: z.string().min(1).describe('the project key new issues go to, e.g. SOC'),
  apiVersion: z
    .union([z.literal(2), z.literal(3)])
    .optional()
    .describe(
      'REST API version: 3 (Atlassian Document Format, Jira Cloud) or 2 (wiki text, Data Center); default 3 for *.atlassian.net, else 2',
    ),
  issueType: z.string().min(1).default('Task').describe('the issue type of new issues'),
  priorities: z
    .array(z.string().min(1))
    .length(6)
    .default(['Lowest', 'Lowest', 'Low', 'Medium', 'High', 'Highest'])
    .describe('the Jira priority name for each severity 0–5'),
  webhookSecret: z
    .string()
    .min(8)
    .optional()
    .meta({ secret: true })
    .describe('the secret of the Jira admin webhook pointed at <our API>/api/cases/<name>/webhook'),
  /** Minutes of overlap between polls: Jira's JQL dates have minute precision. */
  pollOverlapMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(2)
    .describe('how far each poll looks back past the last'),
});

type JiraConfig = z.infer<typeof spec>;

const PAGE = 50;

interface JiraUser {
  accountId?: string;
  name?: string;
  emailAddress?: string;
  displayName?: string;
}
interface JiraComment {
  id: string;
  /** A string (v2, and webhooks) or an ADF document (v3). */
  body: unknown;
  author?: JiraUser;
  created?: string;
}
interface ChangelogEntry {
  id: string;
  author?: JiraUser;
  created?: string;
  items: { field: string; fromString?: string | null; toString?: string | null }[];
}
interface Transition {
  id: string;
  name: string;
  to: { name: string; statusCategory?: { key: string } };
}

/** The version a site speaks when the config does not say: Cloud sites live under atlassian.net. */
export const jiraApiVersion = (c: { url: string; apiVersion?: 2 | 3 }): 2 | 3 =>
  c.apiVersion ?? (/\.atlassian\.net$/i.test(new URL(c.url).hostname) ? 3 : 2);

/** The label that carries our key on an issue (labels hold no spaces; keys have none). */
const keyLabel = (key: string) => `dtc:${key}`.slice(0, 255);

const who = (u: JiraUser | undefined) => u?.emailAddress ?? u?.name ?? u?.accountId ?? 'unknown';

/** JQL's date form, UTC (the poll's own time zone is the account's; the overlap covers the difference). */
const jqlDate = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

class Jira implements CaseSystem {
  readonly self: string;
  readonly #c: JiraConfig;
  readonly #http: JsonClient;
  /** Status names whose category is "done", learned from transitions and searches. */
  readonly #done = new Set<string>();
  readonly webhook?: CaseSystem['webhook'];
  /** Text as the version takes it: ADF (v3) or wiki text (v2). */
  readonly #text: (plain: string) => unknown;

  constructor(c: JiraConfig, name: string) {
    this.#c = c;
    this.self = c.user;
    const version = jiraApiVersion(c);
    this.#text = version === 3 ? toAdf : wikiText;
    this.#http = new JsonClient({
      baseUrl: `${c.url.replace(/\/+$/, '')}/rest/api/${version}/`,
      what: `jira[${name}]`,
      headers: { authorization: c.auth === 'bearer' ? `Bearer ${c.token}` : basicAuth(c.user, c.token) },
    });
    const secret = c.webhookSecret;
    if (secret)
      this.webhook = {
        verify: (h, raw) =>
          signatureMatches(h['x-hub-signature'], secret, raw, { encoding: 'hex', prefix: 'sha256=' }),
        parse: (body) => this.#fromWebhook(body),
      };
  }

  async open(c: CaseContent) {
    const r = await this.#http.call<{ id: string; key: string }>('POST', 'issue', {
      fields: {
        project: { key: this.#c.project },
        summary: c.title,
        description: this.#text(c.body),
        issuetype: { name: this.#c.issueType },
        priority: { name: this.#c.priorities[c.severity] },
        labels: ['darktrace', keyLabel(c.key)],
      },
    });
    return { id: r.key, url: this.#url(r.key) };
  }

  #url(key: string): string {
    return `${this.#c.url.replace(/\/+$/, '')}/browse/${key}`;
  }

  async find(key: string) {
    const jql = `project = "${this.#c.project}" AND labels = "${keyLabel(key).replace(/["\\]/g, '\\$&')}" ORDER BY created ASC`;
    const r = await this.#http.call<{ issues: { key: string }[] }>(
      'GET',
      `search?jql=${encodeURIComponent(jql)}&maxResults=1&fields=summary`,
    );
    return r.issues[0] ? { id: r.issues[0].key, url: this.#url(r.issues[0].key) } : undefined;
  }

  async update(key: string, u: CaseUpdate) {
    await this.#http.call('POST', `issue/${key}/comment`, { body: this.#text(u.comment) });
    const fields: Record<string, unknown> = {};
    if (u.severity !== undefined) fields.priority = { name: this.#c.priorities[u.severity] };
    if (Object.keys(fields).length) await this.#http.call('PUT', `issue/${key}`, { fields });
    if (u.resolve || u.reopen) {
      const { transitions } = await this.#http.call<{ transitions: Transition[] }>(
        'GET',
        `issue/${key}/transitions`,
      );
      for (const t of transitions) if (t.to.statusCategory?.key === 'done') this.#done.add(t.to.name);
      const done = (t: Transition) => t.to.statusCategory?.key === 'done';
      const t = transitions.find((x) => (u.resolve ? done(x) : !done(x)));
      // No transition of that kind from where the issue is: it is there already (or the workflow says no).
      if (t) await this.#http.call('POST', `issue/${key}/transitions`, { transition: { id: t.id } });
    }
  }

  #statusChange(
    id: string,
    key: string,
    author: string,
    from?: string | null,
    to?: string | null,
  ): CaseChange[] {
    const was = !!from && this.#isDone(from);
    const now = !!to && this.#isDone(to);
    if (now === was) return [];
    return [{ id: `changelog:${id}`, caseId: key, kind: now ? 'resolved' : 'reopened', author }];
  }

  #isDone(status: string): boolean {
    return this.#done.has(status) || /^(done|resolved|closed)$/i.test(status);
  }

  #fromWebhook(body: unknown): CaseChange[] {
    const b = body as {
      webhookEvent?: string;
      issue?: { key?: string };
      comment?: JiraComment;
      changelog?: ChangelogEntry;
      user?: JiraUser;
    };
    const key = b.issue?.key;
    if (!key || typeof b.webhookEvent !== 'string')
      throw new Error('expected a Jira webhook with webhookEvent and issue.key');
    if (b.webhookEvent === 'comment_created' && b.comment)
      return [
        {
          id: `comment:${b.comment.id}`,
          caseId: key,
          kind: 'comment',
          author: who(b.comment.author),
          text: adfText(b.comment.body),
        },
      ];
    if (b.webhookEvent === 'jira:issue_updated' && b.changelog)
      return b.changelog.items
        .filter((i) => i.field === 'status')
        .flatMap((i) => this.#statusChange(b.changelog!.id, key, who(b.user), i.fromString, i.toString));
    return [];
  }

  async changes(cursor: unknown) {
    const now = Date.now();
    if (typeof cursor !== 'number') return { changes: [], cursor: now };
    const since = cursor - this.#c.pollOverlapMinutes * 60_000;
    const jql = `project = "${this.#c.project}" AND updated >= "${jqlDate(since)}" ORDER BY updated ASC`;
    const out: CaseChange[] = [];
    for (let startAt = 0; ; startAt += PAGE) {
      const page = await this.#http.call<{
        total: number;
        issues: {
          key: string;
          fields: { comment?: { comments: JiraComment[]; total: number } };
          changelog?: { histories: ChangelogEntry[] };
        }[];
      }>(
        'GET',
        `search?jql=${encodeURIComponent(jql)}&startAt=${startAt}&maxResults=${PAGE}&fields=comment,status&expand=changelog`,
      );
      // Only what happened since (less the overlap): older changes were read by an earlier poll.
      const recent = (x: { created?: string }) => !x.created || Date.parse(x.created) >= since;
      for (const issue of page.issues) {
        for (const h of (issue.changelog?.histories ?? []).filter(recent))
          for (const i of h.items.filter((x) => x.field === 'status'))
            out.push(...this.#statusChange(h.id, issue.key, who(h.author), i.fromString, i.toString));
        for (const c of (await this.#comments(issue.key, issue.fields.comment)).filter(recent))
          out.push({
            id: `comment:${c.id}`,
            caseId: issue.key,
            kind: 'comment',
            author: who(c.author),
            text: adfText(c.body),
          });
      }
      if (startAt + page.issues.length >= page.total || !page.issues.length) break;
    }
    return { changes: out, cursor: now };
  }

  /** Every comment of an issue: the search carries the first ones; the rest page in. */
  async #comments(key: string, first?: { comments: JiraComment[]; total: number }): Promise<JiraComment[]> {
    const all = [...(first?.comments ?? [])];
    while (first && all.length < first.total) {
      const page = await this.#http.call<{ comments: JiraComment[] }>(
        'GET',
        `issue/${key}/comment?startAt=${all.length}&maxResults=${PAGE}`,
      );
      if (!page.comments.length) break;
      all.push(...page.comments);
    }
    return all;
  }

  async test() {
    const me = await this.#http.call<JiraUser>('GET', 'myself');
    const p = await this.#http.call<{ key: string; name: string }>(
      'GET',
      `project/${encodeURIComponent(this.#c.project)}`,
    );
    return `Jira at ${this.#c.url}: project ${p.key} ("${p.name}") reachable as ${who(me)}`;
  }
}

export const jiraSystem: CaseSystemModule<typeof spec> = {
  type: 'jira',
  summary:
    'Jira REST v3 (ADF) or v2 (wiki text): issues, comments, transitions; inbound by signed webhook and a JQL poll',
  spec,
  webhook: true,
  create: (c, ctx) => new Jira(c, ctx.name),
};
