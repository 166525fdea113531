// The Jira connector against the Jira simulator (the documented REST subset; no real Jira here), in
// both API versions (v2: wiki-text strings, v3: Atlassian Document Format, each enforced by the
// simulator), and the Darktrace simulator, with webhooks through our API's route: one issue per breach
// above the threshold; Darktrace's acknowledgement resolves it; an analyst's comment and transition come
// back by webhook; a wrong signature is refused (401, logged); a missed webhook is caught by the poll;
// our own changes are not echoed; a restart, a replay and a crash before the link was stored open no
// second issue; a deleted issue is marked gone, never retried.
import { describe, expect, it } from 'vitest';
import { adfText } from '../../src/cases/adf.ts';
import { CaseConnector } from '../../src/cases/connector.ts';
import { jiraApiVersion } from '../../src/cases/jira.ts';
import { hmacSha256 } from '../../src/cases/signature.ts';
import { jiraSignature } from '../../src/cases/simulators/common.ts';
import { startJiraSimulator } from '../../src/cases/simulators/jira.ts';
import { caseConnectorSpec } from '../../src/cases/spec.ts';
import {
  cleanupsAfterAll,
  crashThenReplayAdopts,
  darktrace,
  deletedCaseIsGone,
  postWebhook,
  replayOpensNothing,
  webhookLab,
} from './harness.ts';

const cleanups = cleanupsAfterAll();

const SECRET = 'jira-webhook-secret-1';
const dtc = { login: 'dtc@example.com', secret: 'jira-token-dtc', displayName: 'Darktrace hub' };
const alice = { login: 'alice@example.com', secret: 'jira-token-alice', displayName: 'Alice Analyst' };
const users = [dtc, alice];

const lab = async (apiVersion: 2 | 3) =>
  webhookLab(cleanups, {
    sim: await startJiraSimulator({
      users,
      project: { key: 'SOC', name: 'Security operations' },
      apiVersion,
    }),
    declare: {
      name: 'soc-jira',
      type: 'jira',
      user: dtc.login,
      token: dtc.secret,
      project: 'SOC',
      apiVersion,
    },
    secret: SECRET,
    header: 'x-hub-signature',
    sign: jiraSignature,
    api: `/rest/api/${apiVersion}/`,
  });

describe.each([2, 3] as const)('Jira connector, REST v%i (against the Jira simulator)', (v) => {
  it('round-trips a breach and an issue by webhook and poll, refusing bad signatures', async () => {
    const { dt, sim: jira, config, cases, c, hooks, lines, as, registry } = await lab(v);
    const body = (text: string) => (v === 3 ? adfText : (x: unknown) => x)(text);

    expect(await c.system.test()).toBe(
      `Jira at ${jira.url}: project SOC ("Security operations") reachable as dtc@example.com`,
    );
    await c.poll();
    const low = await dt.breach(0.1);
    const a = await dt.breach(0.95);
    const b = await dt.breach(0.96);
    await c.pass();
    expect(jira.issues()).toHaveLength(2);
    expect(await dt.store.cases.links.get('soc-jira', low.key)).toBeUndefined();
    const keyA = (await dt.store.cases.links.get('soc-jira', a.key))!.caseId;
    const keyB = (await dt.store.cases.links.get('soc-jira', b.key))!.caseId;
    const row = (await dt.store.getDetection(a.key))!;
    expect(jira.issue(keyA)!.fields).toMatchObject({
      summary: `Darktrace: ${row.title}`,
      priority: { name: ['Lowest', 'Lowest', 'Low', 'Medium', 'High', 'Highest'][row.severity] },
      issuetype: { name: 'Task' },
      labels: ['darktrace', `dtc:soc-jira:${a.key}`],
    });
    // The description as the version shows it: an ADF document (v3) or a string (v2).
    const shown = (await as(alice, 'GET', `issue/${keyA}`)).body.fields.description;
    if (v === 3) expect(shown).toMatchObject({ type: 'doc', version: 1, content: expect.any(Array) });
    else expect(typeof shown).toBe('string');
    expect(body(shown)).toContain(`console: https://dtc.example.com/detections/${encodeURIComponent(a.key)}`);
    expect(body(shown)).toMatch(/\n\nDevices:\n- /);
    expect((await dt.store.cases.links.get('soc-jira', a.key))!.caseUrl).toBe(`${jira.url}/browse/${keyA}`);

    // Acknowledged in Darktrace: a comment and the Done transition; their webhooks are our own, not echoed.
    await dt.client.modelBreaches.acknowledge({ pbid: a.pbid, acknowledge: 'true' });
    await dt.poll();
    await c.pass();
    await jira.webhooks.flush();
    expect(jira.issue(keyA)!.fields.status.name).toBe('Done');
    expect(jira.issue(keyA)!.comments.map((x) => x.body)).toEqual([
      `Darktrace ${a.key}: acknowledged in Darktrace by api.user.`,
    ]);
    expect(jira.webhooks.delivered.map((d) => d.status)).toEqual([200, 200]);
    expect(await dt.comments(a.pbid)).toEqual([]);

    // Alice comments and resolves B in Jira: the webhooks carry both to Darktrace, audited as her.
    const say = (text: string) =>
      v === 3
        ? { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] }
        : text;
    expect(
      (await as(alice, 'POST', `issue/${keyB}/comment`, { body: say('False positive: the scanner.') }))
        .status,
    ).toBe(201);
    expect((await as(alice, 'POST', `issue/${keyB}/transitions`, { transition: { id: '31' } })).status).toBe(
      204,
    );
    expect(await dt.comments(b.pbid)).toEqual([
      `alice@example.com in case ${keyB}: False positive: the scanner.`,
    ]);
    expect(await dt.acknowledged(b.pbid)).toBe(true);
    expect((await dt.store.commandRuns.list(10)).map((r) => r.who)).toContain(
      'case:soc-jira:alice@example.com',
    );
    expect((await c.status()).inbound.recent[0]).toMatchObject({
      caseId: keyB,
      kind: 'resolved',
      author: 'alice@example.com',
      outcome: 'applied',
      via: 'webhook',
      ok: 1,
      failed: 0,
    });

    // A webhook with a wrong signature (or none) is refused and logged; nothing reaches Darktrace.
    const forged = JSON.stringify({
      webhookEvent: 'comment_created',
      issue: { key: keyB },
      comment: { id: '999', body: 'forged', author: { emailAddress: 'mallory@example.com' } },
    });
    for (const sig of [`sha256=${hmacSha256('wrong-secret', forged, 'hex')}`, undefined])
      expect(await postWebhook(hooks.url('soc-jira'), forged, sig ? { 'x-hub-signature': sig } : {})).toBe(
        401,
      );
    expect(
      lines.filter((l) => /refused a webhook from 127\.0\.0\.1: the signature is missing or wrong/.test(l)),
    ).toHaveLength(2);
    expect(await dt.comments(b.pbid)).toHaveLength(1);
    expect(await postWebhook(hooks.url('nope'), '{}', {})).toBe(404);

    // Webhooks lost in transit: the poll catches the comment and the reopening, and re-applies nothing.
    jira.webhooks.drop = true;
    await as(alice, 'POST', `issue/${keyB}/comment`, { body: say('Reopening: it happened again.') });
    await as(alice, 'POST', `issue/${keyB}/transitions`, { transition: { id: '21' } });
    expect(await dt.comments(b.pbid)).toHaveLength(1);
    expect(await c.poll()).toBe(2);
    expect(await dt.comments(b.pbid)).toEqual([
      `alice@example.com in case ${keyB}: False positive: the scanner.`,
      `alice@example.com in case ${keyB}: Reopening: it happened again.`,
    ]);
    expect(await dt.acknowledged(b.pbid)).toBe(false);
    expect(await c.poll()).toBe(0);

    // The new versions (acknowledged from Jira, then not) change nothing the issue does not say already.
    await dt.poll();
    const commentsB = jira.issue(keyB)!.comments.length;
    await c.pass();
    expect(jira.issue(keyB)!.comments).toHaveLength(commentsB);

    // What GET /api/cases and the metrics say of it all.
    expect(await hooks.status()).toEqual([
      expect.objectContaining({
        name: 'soc-jira',
        type: 'jira',
        lag: 0,
        cases: 2,
        links: { open: 2, gone: 0 },
        goneCases: [],
        lastError: null,
        config: expect.objectContaining({ token: 'redacted', webhookSecret: 'redacted' }),
        inbound: expect.objectContaining({
          webhook: true,
          lastPollError: null,
          recent: expect.arrayContaining([
            expect.objectContaining({ caseId: keyB, kind: 'reopened', via: 'poll', outcome: 'applied' }),
            expect.objectContaining({ caseId: keyB, kind: 'comment', via: 'webhook', outcome: 'applied' }),
          ]),
        }),
      }),
    ]);
    const metrics = await registry.metrics();
    expect(metrics).toContain('dtc_case_opened_total{connector="soc-jira"} 2');
    expect(metrics).toContain('dtc_case_links{connector="soc-jira",status="open"} 2');
    expect(metrics).toContain('dtc_case_lag{connector="soc-jira"} 0');
    expect(metrics).toContain(
      'dtc_case_inbound_changes_total{connector="soc-jira",kind="comment",outcome="applied"} 2',
    );
    // Our own comments, read back by the webhook and the poll, are counted and never carried.
    expect(metrics).toMatch(
      /dtc_case_inbound_changes_total\{connector="soc-jira",kind="comment",outcome="own"\} [1-9]/,
    );

    // A restart and a replay from offset 0 open no second issue; nor does a crash before the link was stored.
    await cases.stop();
    const again = await replayOpensNothing(dt.store, config, () => jira.issues().length);
    await crashThenReplayAdopts(dt.store, config, a.key, () => jira.issues().length);
    expect(JSON.stringify(await again.status())).not.toMatch(/jira-token-dtc|jira-webhook-secret-1/);
    expect(lines.join('\n')).not.toMatch(/jira-token-dtc|jira-webhook-secret-1/);

    // A deleted issue: marked gone and left alone (or, when configured, a new issue for the next change).
    const d = await dt.breach(0.97);
    await deletedCaseIsGone({
      store: dt.store,
      dt,
      config,
      breach: d,
      deleteCase: async (key) => expect((await as(dtc, 'DELETE', `issue/${key}`)).status).toBe(204),
      countCases: () => jira.issues().length,
    });
  });

  it('refuses the body shape of the other version, as Jira does', async () => {
    const { as } = await lab(v);
    const fields = { project: { key: 'SOC' }, summary: 's', issuetype: { name: 'Task' } };
    const adf = {
      type: 'doc',
      version: 1,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x' }] }],
    };
    const wrong = await as(dtc, 'POST', 'issue', {
      fields: { ...fields, description: v === 3 ? 'plain text' : adf },
    });
    expect(wrong).toEqual({
      status: 400,
      body: {
        errorMessages: [],
        errors: {
          description:
            v === 3
              ? 'Operation value must be an Atlassian Document (see the Atlassian Document Format)'
              : 'Operation value must be a string',
        },
      },
    });
    const bad = await as(dtc, 'POST', 'issue', {
      fields: {
        ...fields,
        description: {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }],
        },
      },
    });
    expect(bad.status).toBe(400);
  });
});

describe('Jira connector configuration', () => {
  it('speaks v3 to Jira Cloud sites and v2 elsewhere unless told', async () => {
    expect(jiraApiVersion({ url: 'https://example.atlassian.net' })).toBe(3);
    expect(jiraApiVersion({ url: 'https://jira.example.com' })).toBe(2);
    expect(jiraApiVersion({ url: 'https://example.atlassian.net', apiVersion: 2 })).toBe(2);
    expect(() =>
      caseConnectorSpec.parse({
        name: 'j',
        type: 'jira',
        url: 'https://j.example.com',
        user: 'u',
        token: 't',
        project: 'P',
        apiVersion: 4,
      }),
    ).toThrow(/apiVersion/);
  });

  it('says what Jira answered when the credentials are wrong', async () => {
    const jira = await startJiraSimulator({ users, project: { key: 'SOC', name: 'SOC' } });
    cleanups.push(() => jira.close());
    const dt = await darktrace(cleanups);
    const config = caseConnectorSpec.parse({
      name: 'bad',
      type: 'jira',
      url: jira.url,
      user: 'dtc@example.com',
      token: 'not-the-token',
      project: 'SOC',
    }) as never;
    const c = new CaseConnector(dt.store, config, { log: { info() {}, warn() {} } });
    await expect(c.system.test()).rejects.toThrow(
      /jira\[bad\]: GET \/rest\/api\/2\/myself answered 401: You are not authenticated/,
    );
  });
});
