// The Jira connector against the Jira simulator (the documented REST v2 subset; no real Jira here) and
// the Darktrace simulator, with webhooks through our API's route: one issue per breach above the
// threshold; Darktrace's acknowledgement resolves it; an analyst's comment and transition come back by
// webhook; a wrong signature is refused (401, logged); a missed webhook is caught by the poll; our own
// changes are not echoed; a restart and a replay open no second issue.
import { describe, expect, it } from 'vitest';
import { CaseConnector, CaseConnectors } from '../../src/cases/connector.ts';
import { hmacSha256 } from '../../src/cases/signature.ts';
import { jiraSignature } from '../../src/cases/simulators/common.ts';
import { startJiraSimulator } from '../../src/cases/simulators/jira.ts';
import { caseConnectorSpec } from '../../src/cases/spec.ts';
import { cleanupsAfterAll, darktrace, logLines, postWebhook, replayOpensNothing } from './harness.ts';
import { webhookServer } from './webhook-server.ts';

const cleanups = cleanupsAfterAll();

const SECRET = 'jira-webhook-secret-1';
const users = [
  { login: 'dtc@example.com', secret: 'jira-token-dtc', displayName: 'Darktrace hub' },
  { login: 'alice@example.com', secret: 'jira-token-alice', displayName: 'Alice Analyst' },
];

describe('Jira connector (against the Jira simulator)', () => {
  it('round-trips a breach and an issue by webhook and poll, refusing bad signatures', async () => {
    const dt = await darktrace(cleanups);
    const jira = await startJiraSimulator({ users, project: { key: 'SOC', name: 'Security operations' } });
    cleanups.push(() => jira.close());
    const { lines, log } = logLines();
    const config = caseConnectorSpec.parse({
      name: 'soc-jira',
      type: 'jira',
      url: jira.url,
      user: 'dtc@example.com',
      token: 'jira-token-dtc',
      project: 'SOC',
      webhookSecret: SECRET,
      filter: { minScore: 80 },
      publicUrl: 'https://dtc.example.com',
    }) as never;
    const cases = new CaseConnectors(dt.store, [config], { log });
    const c = cases.get('soc-jira')!;
    const hooks = await webhookServer(cases);
    cleanups.push(() => hooks.close());
    jira.webhooks.target = {
      url: hooks.url('soc-jira'),
      secret: SECRET,
      header: 'x-hub-signature',
      sign: jiraSignature,
    };
    const asAlice = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${jira.url}/rest/api/2/${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from('alice@example.com:jira-token-alice').toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      expect(r.status).toBeLessThan(300);
      await jira.webhooks.flush();
    };

    expect(await c.system.test()).toBe(
      `Jira at ${jira.url}: project SOC ("Security operations") reachable as dtc@example.com`,
    );
    await c.poll();
    const low = await dt.breach(0.1);
    const a = await dt.breach(0.95);
    const b = await dt.breach(0.96);
    await c.pass();
    expect(jira.issues()).toHaveLength(2);
    expect(dt.store.cases.links.get('soc-jira', low.key)).toBeUndefined();
    const keyA = dt.store.cases.links.get('soc-jira', a.key)!.caseId;
    const keyB = dt.store.cases.links.get('soc-jira', b.key)!.caseId;
    const issueA = jira.issue(keyA)!;
    const row = dt.store.getDetection(a.key)!;
    expect(issueA.fields).toMatchObject({
      summary: `Darktrace: ${row.title}`,
      priority: { name: ['Lowest', 'Lowest', 'Low', 'Medium', 'High', 'Highest'][row.severity] },
      issuetype: { name: 'Task' },
      labels: ['darktrace'],
    });
    expect(issueA.fields.description).toContain(
      `console: https://dtc.example.com/detections/${encodeURIComponent(a.key)}`,
    );
    expect(dt.store.cases.links.get('soc-jira', a.key)!.caseUrl).toBe(`${jira.url}/browse/${keyA}`);

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
    await asAlice('POST', `issue/${keyB}/comment`, { body: 'False positive: the scanner.' });
    await asAlice('POST', `issue/${keyB}/transitions`, { transition: { id: '31' } });
    expect(await dt.comments(b.pbid)).toEqual([
      `alice@example.com in case ${keyB}: False positive: the scanner.`,
    ]);
    expect(await dt.acknowledged(b.pbid)).toBe(true);
    expect(dt.store.commandRuns.list(10).map((r) => r.who)).toContain('case:soc-jira:alice@example.com');

    // A webhook with a wrong signature (or none) is refused and logged; nothing reaches Darktrace.
    const forged = JSON.stringify({
      webhookEvent: 'comment_created',
      issue: { key: keyB },
      comment: { id: '999', body: 'forged', author: { emailAddress: 'mallory@example.com' } },
    });
    for (const sig of [`sha256=${hmacSha256('wrong-secret', forged, 'hex')}`, undefined]) {
      expect(await postWebhook(hooks.url('soc-jira'), forged, sig ? { 'x-hub-signature': sig } : {})).toBe(
        401,
      );
    }
    expect(
      lines.filter((l) => /refused a webhook from 127\.0\.0\.1: the signature is missing or wrong/.test(l)),
    ).toHaveLength(2);
    expect(await dt.comments(b.pbid)).toHaveLength(1);
    expect(
      (
        await fetch(hooks.url('nope'), {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(404);

    // Webhooks lost in transit: the poll catches the comment and the reopening, and re-applies nothing.
    jira.webhooks.drop = true;
    await asAlice('POST', `issue/${keyB}/comment`, { body: 'Reopening: it happened again.' });
    await asAlice('POST', `issue/${keyB}/transitions`, { transition: { id: '21' } });
    expect(await dt.comments(b.pbid)).toHaveLength(1);
    expect(await c.poll()).toBe(2);
    expect(await dt.comments(b.pbid)).toHaveLength(2);
    expect(await dt.acknowledged(b.pbid)).toBe(false);
    expect(await c.poll()).toBe(0);

    // The new versions (acknowledged from Jira, then not) change nothing the issue does not say already.
    await dt.poll();
    const commentsB = jira.issue(keyB)!.comments.length;
    await c.pass();
    expect(jira.issue(keyB)!.comments).toHaveLength(commentsB);

    // A restart and a replay from offset 0 open no second issue.
    await cases.stop();
    const again = await replayOpensNothing(dt.store, config, () => jira.issues().length);
    expect(JSON.stringify(again.status())).not.toMatch(/jira-token-dtc|jira-webhook-secret-1/);
    expect(lines.join('\n')).not.toMatch(/jira-token-dtc|jira-webhook-secret-1/);
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
