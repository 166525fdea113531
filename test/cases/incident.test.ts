// `per: incident`: AI Analyst events of one incident group share one case (against the Jira simulator):
// the first event opens it, the next adds a comment; resolving the case acknowledges every event in it.
import { describe, expect, it } from 'vitest';
import { jiraSignature } from '../../src/cases/simulators/common.ts';
import { startJiraSimulator } from '../../src/cases/simulators/jira.ts';
import { DIALECTS } from '../store/helpers.ts';
import { cleanupsAfterAll, webhookLab } from './harness.ts';

const cleanups = cleanupsAfterAll();
const dtc = { login: 'dtc@example.com', secret: 'jira-token-dtc', displayName: 'Darktrace hub' };
const alice = { login: 'alice@example.com', secret: 'jira-token-alice', displayName: 'Alice Analyst' };

describe.each(DIALECTS)('one case per AI Analyst incident group (%s store)', (dialect) => {
  it('puts the events of a group in one case and acknowledges them all when it is resolved', async () => {
    const {
      dt,
      sim: jira,
      c,
      as,
    } = await webhookLab(cleanups, {
      sim: await startJiraSimulator({ users: [dtc, alice], project: { key: 'SOC', name: 'SOC' } }),
      declare: {
        name: 'incidents',
        type: 'jira',
        user: dtc.login,
        token: dtc.secret,
        project: 'SOC',
        per: 'incident',
        filter: { families: ['ai_analyst'] },
      },
      secret: 'incident-hook-secret',
      header: 'x-hub-signature',
      sign: jiraSignature,
      api: '/rest/api/2/',
      dialect,
    });

    const e1 = dt.sim.injectAiaEvent({ currentGroup: 'gshared1', aiaScore: 95 });
    const e2 = dt.sim.injectAiaEvent({ currentGroup: 'gshared1', aiaScore: 97 });
    const other = dt.sim.injectAiaEvent({ currentGroup: 'gother2', aiaScore: 90 });
    await dt.poll();
    await c.pass();
    const link = async (id: string) => (await dt.store.cases.links.get('incidents', `lab/ai_analyst/${id}`))!;
    expect(jira.issues()).toHaveLength(2);
    expect((await link(e1.id)).caseId).toBe((await link(e2.id)).caseId);
    expect((await link(other.id)).caseId).not.toBe((await link(e1.id)).caseId);
    const issue = jira.issue((await link(e1.id)).caseId)!;
    expect(issue.fields.summary).toMatch(/^Darktrace AI Analyst incident gshared1: /);
    expect(issue.comments.map((x) => x.body.split('\n')[0])).toEqual(['Another event in this incident:']);

    // Alice moves the issue to Done: both events of the group are acknowledged, each with its result.
    expect(
      (await as(alice, 'POST', `issue/${issue.key}/transitions`, { transition: { id: '31' } })).status,
    ).toBe(204);
    const run = (await dt.store.commandRuns.list(5)).find(
      (x) => x.command === 'acknowledge-ai-analyst-incident-event',
    )!;
    expect(run).toMatchObject({ who: 'case:incidents:alice@example.com', outcome: 'Successful' });
    expect([...(run.params.eventIds as string[])].sort()).toEqual([e1.id, e2.id].sort());
    await dt.poll();
    for (const id of [e1.id, e2.id])
      expect((await dt.store.getDetection(`lab/ai_analyst/${id}`))!.acknowledged).toBe(true);
    expect((await dt.store.getDetection(`lab/ai_analyst/${other.id}`))!.acknowledged).toBe(false);

    // The group's issue deleted in Jira: the group's next event finds it gone, says so once, opens none.
    expect((await as(dtc, 'DELETE', `issue/${issue.key}`)).status).toBe(204);
    const before = jira.issues().length;
    const e3 = dt.sim.injectAiaEvent({ currentGroup: 'gshared1', aiaScore: 99 });
    await dt.poll();
    await c.pass();
    expect(jira.issues()).toHaveLength(before);
    expect(await dt.store.cases.links.get('incidents', `lab/ai_analyst/${e3.id}`)).toBeUndefined();
    expect(await c.status()).toMatchObject({
      lastError: null,
      lag: 0,
      goneCases: expect.arrayContaining([expect.objectContaining({ caseId: issue.key })]),
    });
  });
});
