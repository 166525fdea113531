// The Request Tracker connector against a real RT 5 (rt-server on loopback over a copy of the installed
// database) and the Darktrace simulator: a breach above the threshold opens one ticket; its
// acknowledgement in Darktrace updates the ticket; an analyst resolving a ticket in RT acknowledges the
// breach, and commenting comments on it; our own comments are not carried back; a restart and a
// replay open no second ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseConnector } from '../../src/cases/connector.ts';
import { caseConnectorSpec } from '../../src/cases/spec.ts';
import { crashThenReplayAdopts, darktrace, deletedCaseIsGone, replayOpensNothing } from './harness.ts';
import { type Rt, rtInstalled, startRt, USERS } from './rt-server.ts';

const installed = rtInstalled();
const cleanups: (() => unknown)[] = [];
let rt: Rt;
beforeAll(async () => {
  if (installed) rt = await startRt();
}, 120_000);
afterAll(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
  await rt?.stop();
});

const lines: string[] = [];
const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) };

describe.skipIf(!installed)('Request Tracker 5 connector', () => {
  it('opens one ticket per breach above the threshold, and carries changes both ways without loops', async () => {
    const dt = await darktrace(cleanups);
    const config = caseConnectorSpec.parse({
      name: 'soc-rt',
      type: 'rt',
      url: rt.url,
      username: 'dtc',
      password: USERS.dtc,
      filter: { minScore: 80 },
      publicUrl: 'https://dtc.example.com',
    });
    const connector = () => new CaseConnector(dt.store, config as never, { log });
    const c = connector();
    expect(await c.system.test()).toMatch(/queue "General" \(id 1\) reachable as dtc/);
    // The inbound cursor starts at RT's newest transaction: history before it is not replayed.
    await c.poll();

    const low = await dt.breach(0.2);
    const a = await dt.breach(0.95);
    const b = await dt.breach(0.97);
    await c.pass();
    const linkA = (await dt.store.cases.links.get('soc-rt', a.key))!;
    const linkB = (await dt.store.cases.links.get('soc-rt', b.key))!;
    expect(await dt.store.cases.links.get('soc-rt', low.key)).toBeUndefined();
    expect(linkA.caseUrl).toBe(`${rt.url}/Ticket/Display.html?id=${linkA.caseId}`);
    const tickets = async () =>
      (await rt.call('root', 'GET', `tickets?query=${encodeURIComponent("Queue='General'")}`)).total;
    expect(await tickets()).toBe(2);

    // The ticket: subject, queue, priority from the severity, and a body with the facts and the links.
    const ta = await rt.call('root', 'GET', `ticket/${linkA.caseId}`);
    const row = (await dt.store.getDetection(a.key))!;
    // The subject ends with our key: after a crash the ticket is found by it, not opened again.
    expect(ta.Subject).toBe(`Darktrace: ${row.title} [dtc:soc-rt:${a.key}]`);
    expect(Number(ta.Priority)).toBe([0, 10, 30, 50, 70, 90][row.severity]);
    const hist = await rt.call('root', 'GET', `ticket/${linkA.caseId}/history?fields=Type`);
    const create = hist.items.find((t: { Type: string }) => t.Type === 'Create');
    const [body] = (await rt.call('root', 'GET', `transaction/${create.id}/attachments?fields=Content`))
      .items;
    expect(body.Content).toContain(`Darktrace: ${a.key}`);
    expect(body.Content).toContain(
      `console: https://dtc.example.com/detections/${encodeURIComponent(a.key)}`,
    );
    expect(body.Content).toMatch(/Threat Visualizer: http/);
    expect(body.Content).toMatch(/Devices:\n- /);

    // Acknowledged in Darktrace: the next version comments on the ticket and resolves it.
    await dt.client.modelBreaches.acknowledge({ pbid: a.pbid, acknowledge: 'true' });
    await dt.poll();
    await c.pass();
    expect((await rt.call('root', 'GET', `ticket/${linkA.caseId}`)).Status).toBe('resolved');
    const commentsA = await rt.call('root', 'GET', `ticket/${linkA.caseId}/history?fields=Type,Creator`);
    expect(commentsA.items.filter((t: { Type: string }) => t.Type === 'Comment')).toHaveLength(1);

    // Alice comments on B's ticket and resolves it in RT.
    await rt.call('alice', 'POST', `ticket/${linkB.caseId}/comment`, {
      Content: 'Checked with the owner: a backup job.',
      ContentType: 'text/plain',
    });
    await rt.call('alice', 'PUT', `ticket/${linkB.caseId}`, { Status: 'resolved' });
    expect(await dt.acknowledged(b.pbid)).toBe(false);
    expect(await c.poll()).toBe(2);
    expect(await dt.acknowledged(b.pbid)).toBe(true);
    expect(await dt.comments(b.pbid)).toEqual([
      `alice in case ${linkB.caseId}: Checked with the owner: a backup job.`,
    ]);
    // Audited as the connector with the case user, with per-item results.
    const runs = await dt.store.commandRuns.list(10);
    expect(runs.map((r) => [r.who, r.command, r.outcome])).toEqual(
      expect.arrayContaining([
        ['case:soc-rt:alice', 'acknowledge', 'Successful'],
        ['case:soc-rt:alice', 'add-comments', 'Successful'],
      ]),
    );
    expect(
      lines.some((l) => /resolved by alice in case \d+ → Darktrace: 1 of 1 item\(s\) done/.test(l)),
    ).toBe(true);

    // Our own comment and status change on A were read too, and not carried back.
    expect(await dt.comments(a.pbid)).toEqual([]);

    // The acknowledgement made from RT comes back as a new version: the ticket already says so.
    await dt.poll();
    await c.pass();
    const hb = await rt.call('root', 'GET', `ticket/${linkB.caseId}/history?fields=Type,Creator`);
    expect(
      hb.items.filter(
        (t: { Type: string; Creator: { id: string } }) => t.Creator.id === 'dtc' && t.Type === 'Comment',
      ),
    ).toHaveLength(0);
    expect(await c.poll()).toBe(0);

    // A restart (a new connector on the same store) and a replay from offset 0 open no second ticket.
    await c.stop();
    const again = await replayOpensNothing(dt.store, config as never, tickets);
    expect(await tickets()).toBe(2);
    await crashThenReplayAdopts(dt.store, config as never, a.key, tickets);
    expect(await again.poll()).toBe(0);
    expect(await again.status()).toMatchObject({
      name: 'soc-rt',
      type: 'rt',
      cases: 2,
      lag: 0,
      lastError: null,
    });
    expect(JSON.stringify(await again.status())).not.toContain(USERS.dtc);

    // A reopened ticket unacknowledges the breach.
    await rt.call('alice', 'PUT', `ticket/${linkB.caseId}`, { Status: 'open' });
    expect(await again.poll()).toBe(1);
    expect(await dt.acknowledged(b.pbid)).toBe(false);

    // A ticket shredded in RT: its link is marked gone, never retried (or a new ticket, when configured).
    const d = await dt.breach(0.98);
    await deletedCaseIsGone({
      store: dt.store,
      dt,
      config: config as never,
      breach: d,
      deleteCase: async (id) => rt.shred(id),
      countCases: tickets,
    });
  }, 180_000);
});
