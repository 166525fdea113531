// The simulator's live stream: RESPOND actions change state over time (created, activated, confirmed,
// extended, cleared, expired) with the time and the user, /antigena shows each change to a poller, and
// the syslog output carries RESPOND state changes and e-mail alerts next to breaches and AI Analyst events.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import type { AntigenaAction } from '../../src/darktrace/types.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { control } from './helpers.ts';

const HOUR = 3_600_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let clock: number;
let t0: number;
let sim: Simulator;
let dt: DarktraceClient;

beforeAll(async () => {
  t0 = Date.now();
  clock = t0;
  sim = await startSimulator({
    publicToken: 'live-pub',
    privateToken: 'live-priv',
    seed: 11,
    now: () => clock,
    history: { count: 2000, days: 7 },
    ratePerMinute: 30,
  });
  dt = new DarktraceClient({
    url: sim.url,
    publicToken: 'live-pub',
    privateToken: 'live-priv',
    logger: quiet,
    retryBaseMs: 5,
  });
});
afterAll(async () => {
  await dt?.close();
  await sim?.close();
});

/** Moves the simulator clock; the client learns the appliance's clock from its API DATE ERROR. */
const advance = (ms: number) => {
  clock += ms;
};

describe('RESPOND state changes over time', () => {
  let live: AntigenaAction[];

  it('live breaches of RESPOND models create actions that then change state, each change in the history', async () => {
    advance(3 * HOUR);
    const all = await dt.respondActions({ starttime: t0, endtime: clock });
    live = all.filter((a) => a.start > t0 && !a.manual);
    expect(live.length).toBeGreaterThan(10);
    for (const a of live) {
      expect(a.pbid).toBeTypeOf('number');
      expect(a.model).toMatch(/::/);
      const [first, ...rest] = a.history!;
      expect(first).toEqual({
        family: 'NETWORK',
        username: 'Antigena',
        action: 'created',
        reason: '',
        time: a.start,
      });
      const times = a.history!.map((h) => h.time);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      // `updated` is the time of the latest change, as a string of ms.
      expect(a.updated).toBe(String(times.at(-1)));
      for (const h of rest) expect(h.time).toBeLessThanOrEqual(clock);
    }
    const changes = new Set(live.flatMap((a) => a.history!.map((h) => h.action)));
    for (const c of ['created', 'activated', 'confirmed', 'extended', 'cleared', 'expired'])
      expect(changes, c).toContain(c);
    const confirmed = live.find((a) => a.history!.some((h) => h.action === 'confirmed'))!;
    const by = confirmed.history!.find((h) => h.action === 'confirmed')!;
    expect(by.username).not.toBe('Antigena');
    expect(by.reason).toBe('Confirmed after review');
    expect(confirmed.active).toBe(true);
    const cleared = live.find((a) => a.history!.some((h) => h.action === 'cleared'))!;
    expect(cleared).toMatchObject({ cleared: true, active: false });
    const extended = live.find((a) => a.history!.some((h) => h.action === 'extended'))!;
    const ext = extended.history!.find((h) => h.action === 'extended')!;
    expect(Math.floor(extended.expires)).toBe(ext.time + 2 * HOUR);
    expect(Number.isInteger(extended.expires)).toBe(false);
    const expired = live.find((a) => a.history!.at(-1)!.action === 'expired')!;
    expect(expired.history!.at(-1)!.time).toBe(Math.floor(expired.expires));
    expect(expired.expires).toBeLessThanOrEqual(clock);
  });

  it('a later window holds the actions whose state changed in it, with that change', async () => {
    const from = clock;
    advance(2 * HOUR);
    const win = await dt.respondActions({ starttime: from, endtime: clock });
    const all = await dt.respondActions({ starttime: t0, endtime: clock });
    const inWindow = (a: AntigenaAction) => a.history!.filter((h) => h.time > from && h.time <= clock);
    // Actions started before the window but changed in it: a poller reading only this window sees them.
    const older = all.filter((a) => a.start < from && inWindow(a).length > 0);
    expect(older.length).toBeGreaterThan(0);
    expect(older.some((a) => inWindow(a).some((h) => h.action === 'expired'))).toBe(true);
    for (const a of older) {
      const seen = win.find((x) => x.codeid === a.codeid);
      expect(seen, `codeid ${a.codeid}`).toBeDefined();
      expect(seen!.history).toEqual(a.history);
      expect(Number(seen!.updated)).toBeGreaterThan(from);
    }
    // And nothing that neither ran nor changed in the window.
    for (const a of win)
      expect(inWindow(a).length > 0 || (a.start <= clock && a.expires >= from), `codeid ${a.codeid}`).toBe(
        true,
      );
  });

  it('changes made through the API are listed with the user and the reason', async () => {
    const [b] = await dt.modelBreaches.list({ includeacknowledged: true, deviceattop: true, count: 1 });
    const did = b.device!.did;
    const { codeid } = await dt.antigena.create({ did, action: 'quarantine', duration: 600, reason: 'IR-9' });
    advance(60_000);
    await dt.extendAction(codeid, 3600, 'longer');
    advance(60_000);
    await dt.clearAction(codeid, 'resolved');
    advance(60_000);
    await dt.activateAction(codeid, 'again', 900);
    const [a] = (await dt.respondActions({ starttime: clock - HOUR, endtime: clock })).filter(
      (x) => x.codeid === codeid,
    );
    expect(a.history!.map((h) => [h.action, h.username, h.reason])).toEqual([
      ['created', 'api.user', 'IR-9'],
      ['extended', 'api.user', 'longer'],
      ['cleared', 'api.user', 'resolved'],
      ['reactivated', 'api.user', 'again'],
    ]);
    expect(a).toMatchObject({ active: true, cleared: false, updated: String(clock) });
    advance(HOUR);
    const after = (await dt.respondActions({ starttime: clock - 2 * HOUR, endtime: clock })).find(
      (x) => x.codeid === codeid,
    )!;
    expect(after.history!.at(-1)).toMatchObject({ action: 'expired', time: Math.floor(a.expires) });
  });
});

describe('syslog output', () => {
  it('carries RESPOND state changes as antigena_state_change records and e-mail alerts, in time order', async () => {
    const since = t0;
    const { records, lines } = sim.syslog({ since, until: t0 + 3 * HOUR });
    const families = new Set(records.map((r) => r.family));
    expect([...families].sort()).toEqual(['aianalyst', 'antigena', 'email', 'modelbreach']);
    const times = records.map((r) => r.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[0]).toBeGreaterThan(since);

    const respond = records.filter((r) => r.family === 'antigena').map((r) => r.json);
    for (const r of respond) {
      expect(r['iris-event-type']).toBe('antigena_state_change');
      expect(typeof r.model).toBe('string');
      expect(typeof r.pbid).toBe('number');
      expect(['CREATE', 'ACTIVATE', 'CONFIRM', 'EXTEND', 'REACTIVATE_CLEARED', 'CLEAR', 'EXPIRE']).toContain(
        r.action,
      );
      expect(typeof r.inhibitor).toBe('string');
    }
    const created = respond.find((r) => r.action === 'CREATE' && r.pbid !== 0)!;
    expect(created).toMatchObject({ username: 'Antigena', automated: true });
    expect((created.device as { did: number }).did).toBe(created.did);
    const byPerson = respond.find((r) => r.action === 'CONFIRM')!;
    expect(byPerson.automated).toBe(false);
    // Each record matches a history entry of the action as /antigena lists it.
    const api = await dt.respondActions({ starttime: t0, endtime: t0 + 3 * HOUR });
    const action = api.find((a) => a.codeid === byPerson.codeid)!;
    expect(action.history).toContainEqual(
      expect.objectContaining({ action: 'confirmed', username: byPerson.username, time: byPerson.time }),
    );

    const emails = records.filter((r) => r.family === 'email').map((r) => r.json);
    expect(emails.length).toBeGreaterThan(5);
    for (const e of emails) {
      expect(e.model_score as number).toBeGreaterThanOrEqual(50);
      expect(e.uuid).toMatch(/\.1$/);
      expect((e.rcpts as unknown[]).length).toBeGreaterThan(0);
    }
    const breach = records.find((r) => r.family === 'modelbreach')!.json;
    expect(typeof (breach.model as { name: string }).name).toBe('string');
    expect(breach).not.toHaveProperty('iris-event-type');

    expect(lines).toHaveLength(records.length);
    expect(lines[0]).toMatch(
      /^<165>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 dt-sim\.example\.local darktrace - - - \{/,
    );
    const line = lines[records.indexOf(records.find((r) => r.family === 'antigena')!)];
    expect(JSON.parse(line.slice(line.indexOf('{')))['iris-event-type']).toBe('antigena_state_change');
    const bsd = sim.syslog({ since, until: t0 + HOUR, format: 'rfc3164' }).lines[0];
    expect(bsd).toMatch(/^<165>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d dt-sim\.example\.local darktrace: \{/);
    const viaControl = await control(sim.url, `/__sim/syslog?since=${since}&until=${t0 + HOUR}`);
    expect(viaControl.lines).toEqual(sim.syslog({ since, until: t0 + HOUR }).lines);
  });

  it('an e-mail held through the API is alerted again with its new status', async () => {
    const list = await dt.searchEmails({ starttime: clock - 6 * HOUR, endtime: clock });
    const target = list.find((e) => e.rcpts.every((r) => r.rcpt_status === 'delivered'))!;
    const before = clock;
    advance(1000);
    await dt.emailAction(target.uuid, 'hold');
    const { records } = sim.syslog({ since: before, until: clock });
    const again = records.find((r) => r.family === 'email' && r.json.uuid === target.uuid)!;
    expect(again.time).toBe(clock);
    expect((again.json.rcpts as { rcpt_status: string }[])[0].rcpt_status).toBe('held');
  });

  it('pushes the live stream to a TCP syslog receiver as it happens', async () => {
    const got: string[] = [];
    let server: Server | undefined;
    const port = await new Promise<number>((resolve) => {
      server = createServer((sock) => {
        let buf = '';
        sock.on('data', (d) => {
          buf += d;
          const parts = buf.split('\n');
          buf = parts.pop()!;
          got.push(...parts);
        });
      }).listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port));
    });
    let c = Date.now();
    const pushing = await startSimulator({
      publicToken: 'p',
      privateToken: 's',
      seed: 3,
      now: () => c,
      history: { count: 100, days: 1 },
      ratePerMinute: 60,
      syslog: { host: '127.0.0.1', port, intervalMs: 60_000 },
    });
    c += 2 * HOUR;
    await pushing.syslogPush!.flush();
    for (let i = 0; i < 100 && got.length < pushing.syslogPush!.sent(); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(pushing.syslogPush!.sent()).toBeGreaterThan(50);
    expect(got).toHaveLength(pushing.syslogPush!.sent());
    const kinds = got.map((l) => JSON.parse(l.slice(l.indexOf('{'))));
    expect(kinds.some((j) => j['iris-event-type'] === 'antigena_state_change')).toBe(true);
    expect(kinds.some((j) => typeof j.dtime_unix === 'number')).toBe(true);
    await pushing.close();
    await new Promise<void>((r) => server!.close(() => r()));
  });
});
