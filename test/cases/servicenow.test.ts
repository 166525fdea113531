// The ServiceNow connector against the ServiceNow simulator (the documented Table API subset; no real
// instance here) and the Darktrace simulator, with the Business Rule's webhooks through our API's route:
// one incident per breach above the threshold; Darktrace's acknowledgement resolves it (with the
// resolution code the data policy wants); an analyst's comment and resolution come back by webhook; a
// wrong signature is refused (401, logged); a missed webhook is caught by the sys_audit poll; our own
// work notes are not echoed; a restart, a replay and a crash before the link was stored open no second
// incident; a deleted incident is marked gone, never retried.
import { describe, expect, it } from 'vitest';
import { CaseConnector } from '../../src/cases/connector.ts';
import { IMPACT_URGENCY } from '../../src/cases/servicenow.ts';
import { hmacSha256 } from '../../src/cases/signature.ts';
import { base64Signature } from '../../src/cases/simulators/common.ts';
import { startServiceNowSimulator } from '../../src/cases/simulators/servicenow.ts';
import { caseConnectorSpec } from '../../src/cases/spec.ts';
import { DIALECTS } from '../store/helpers.ts';
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

const SECRET = 'snow-webhook-secret-1';
const dtc = { login: 'dtc.integration', secret: 'snow-password-dtc', displayName: 'Darktrace hub' };
const alice = { login: 'alice', secret: 'snow-password-alice', displayName: 'Alice Analyst' };
const users = [dtc, alice];

// The case store (links, offsets, cursors, events) on each database.
describe.each(DIALECTS)('ServiceNow connector (against the ServiceNow simulator), %s store', (dialect) => {
  it('round-trips a breach and an incident by webhook and poll, refusing bad signatures', async () => {
    const {
      dt,
      sim: snow,
      config,
      cases,
      c,
      hooks,
      lines,
      as,
    } = await webhookLab(cleanups, {
      sim: await startServiceNowSimulator({ users }),
      declare: { name: 'soc-snow', type: 'servicenow', username: dtc.login, password: dtc.secret },
      secret: SECRET,
      header: 'x-servicenow-signature',
      sign: base64Signature,
      api: '/api/now/table/',
      dialect,
    });
    const asAlice = async (sysId: string, patch: Record<string, string>) =>
      expect((await as(alice, 'PATCH', `incident/${sysId}`, patch)).status).toBe(200);

    expect(await c.system.test()).toMatch(/incident table is readable as dtc\.integration \(empty\)/);
    await c.poll();
    const low = await dt.breach(0.1);
    const a = await dt.breach(0.95);
    const b = await dt.breach(0.96);
    await c.pass();
    expect(snow.incidents()).toHaveLength(2);
    expect(await dt.store.cases.links.get('soc-snow', low.key)).toBeUndefined();
    const idA = (await dt.store.cases.links.get('soc-snow', a.key))!.caseId;
    const idB = (await dt.store.cases.links.get('soc-snow', b.key))!.caseId;
    const row = (await dt.store.getDetection(a.key))!;
    const [impact, urgency] = IMPACT_URGENCY[row.severity];
    expect(snow.incident(idA)).toMatchObject({
      short_description: `Darktrace: ${row.title}`.slice(0, 160),
      impact: String(impact),
      urgency: String(urgency),
      category: 'security',
      state: '1',
      sys_created_by: 'dtc.integration',
      correlation_id: `soc-snow:${a.key}`,
    });

    expect(snow.incident(idA)!.description).toContain(
      `console: https://dtc.example.com/detections/${encodeURIComponent(a.key)}`,
    );

    // Acknowledged in Darktrace: a work note and Resolved (with code and notes); the webhook is our own.
    await dt.client.modelBreaches.acknowledge({ pbid: a.pbid, acknowledge: 'true' });
    await dt.poll();
    await c.pass();
    await snow.webhooks.flush();
    expect(snow.incident(idA)).toMatchObject({ state: '6', close_code: 'Solved (Permanently)' });
    expect(snow.journal(idA)).toEqual([
      {
        field: 'work_notes',
        text: `Darktrace ${a.key}: acknowledged in Darktrace by api.user.`,
        user: 'dtc.integration',
      },
    ]);
    expect(snow.webhooks.delivered.map((d) => d.status)).toEqual([200]);
    expect(await dt.comments(a.pbid)).toEqual([]);

    // Alice comments on B and resolves it: the Business Rule's webhooks carry both to Darktrace.
    await asAlice(idB, { comments: 'Known admin activity.' });
    await asAlice(idB, { state: '6', close_code: 'Solved (Permanently)', close_notes: 'Benign.' });
    expect(await dt.comments(b.pbid)).toEqual([`alice in case ${idB}: Known admin activity.`]);
    expect(await dt.acknowledged(b.pbid)).toBe(true);
    expect((await dt.store.commandRuns.list(10)).map((r) => r.who)).toContain('case:soc-snow:alice');

    // A forged webhook: refused and logged.
    const forged = JSON.stringify({
      sys_id: idB,
      sys_mod_count: 99,
      user: 'mallory',
      changes: [{ field: 'comments', new: 'forged' }],
    });
    for (const sig of [hmacSha256('wrong-secret', forged, 'base64'), undefined]) {
      expect(
        await postWebhook(hooks.url('soc-snow'), forged, sig ? { 'x-servicenow-signature': sig } : {}),
      ).toBe(401);
    }
    expect(lines.filter((l) => /refused a webhook from 127\.0\.0\.1/.test(l))).toHaveLength(2);
    expect(await dt.comments(b.pbid)).toHaveLength(1);

    // Webhooks lost: the sys_audit poll catches the work note and the reopening, once.
    snow.webhooks.drop = true;
    await asAlice(idB, { work_notes: 'Seen again from another host.' });
    await asAlice(idB, { state: '2' });
    expect(await dt.comments(b.pbid)).toHaveLength(1);
    expect(await c.poll()).toBe(2);
    expect(await dt.comments(b.pbid)).toHaveLength(2);
    expect(await dt.acknowledged(b.pbid)).toBe(false);
    expect(await c.poll()).toBe(0);

    // The versions made from ServiceNow change nothing the incident does not already say.
    await dt.poll();
    const notes = snow.journal(idB).length;
    await c.pass();
    expect(snow.journal(idB)).toHaveLength(notes);

    // A restart and a replay from offset 0 open no second incident; nor does a crash before the link was stored.
    await cases.stop();
    await replayOpensNothing(dt.store, config, () => snow.incidents().length);
    await crashThenReplayAdopts(dt.store, config, b.key, () => snow.incidents().length);
    expect(lines.join('\n')).not.toMatch(/snow-password-dtc|snow-webhook-secret-1/);

    // A deleted incident: marked gone and left alone (or, when configured, a new one for the next change).
    const d = await dt.breach(0.97);
    await deletedCaseIsGone({
      store: dt.store,
      dt,
      config,
      breach: d,
      deleteCase: async (id) => expect((await as(dtc, 'DELETE', `incident/${id}`)).status).toBe(204),
      countCases: () => snow.incidents().length,
    });
  });

  it('says what ServiceNow answered: wrong credentials, an unknown record', async () => {
    const snow = await startServiceNowSimulator({ users });
    cleanups.push(() => snow.close());
    const dt = await darktrace(cleanups, dialect);
    const parse = (password: string) =>
      caseConnectorSpec.parse({
        name: 'snow',
        type: 'servicenow',
        url: snow.url,
        username: 'dtc.integration',
        password,
      }) as never;
    const bad = new CaseConnector(dt.store, parse('wrong'), { log: { info() {}, warn() {} } });
    await expect(bad.system.test()).rejects.toThrow(
      /servicenow\[snow\]: GET \/api\/now\/table\/incident answered 401: User Not Authenticated: Required to provide Auth information/,
    );
    const good = new CaseConnector(dt.store, parse('snow-password-dtc'), { log: { info() {}, warn() {} } });
    await expect(good.system.update('nope', { comment: 'x' })).rejects.toMatchObject({
      message: expect.stringMatching(/answered 404: No Record found/),
      retry: true,
    });
  });
});
