// What later reads return after writes, query parameters, time, live arrival and injection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDtapiDate } from '../../src/darktrace/signing.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { type Call, call, control, PRIV, PUB } from './helpers.ts';

const DAY = 86_400_000;
let sim: Simulator;
let base: string;
let clock = Date.now();

/** Requests signed with the simulator's (fake) clock. */
const at = (c: Call) => call(base, { date: formatDtapiDate(new Date(clock)), ...c });
const get = async (url: string): Promise<any> => {
  const a = await at({ url });
  if (a.status !== 200) throw new Error(`${url}: ${a.status} ${a.text.slice(0, 300)}`);
  return a.json();
};
const post = (url: string, body: unknown) =>
  at({ url, method: 'POST', body: JSON.stringify(body), contentType: 'application/json' });
const form = (url: string, body: string) => at({ url, method: 'POST', body });

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: PUB,
    privateToken: PRIV,
    seed: 3,
    now: () => clock,
    history: { count: 4000, days: 14 },
    ratePerMinute: 6,
    maxCreationLagMinutes: 20,
    pcapReadyMs: 5000,
  });
  base = sim.url;
});
afterAll(() => sim.close());

describe('model breaches', () => {
  it('filter the window on time, or on creationTime with creationtime=true', async () => {
    const start = clock - 3 * DAY;
    const end = clock - 2 * DAY;
    const byTime: any[] = await get(
      `/modelbreaches?starttime=${start}&endtime=${end}&includeacknowledged=true`,
    );
    expect(byTime.length).toBeGreaterThan(200);
    for (const [i, b] of byTime.entries()) {
      expect(b.time).toBeGreaterThanOrEqual(start);
      expect(b.time).toBeLessThanOrEqual(end);
      if (i) expect(b.time).toBeGreaterThanOrEqual(byTime[i - 1].time);
      expect(b.creationTime).toBeGreaterThanOrEqual(b.time);
    }
    const byCreation: any[] = await get(
      `/modelbreaches?starttime=${start}&endtime=${end}&creationtime=true&includeacknowledged=true`,
    );
    for (const b of byCreation) {
      expect(b.creationTime).toBeGreaterThanOrEqual(start);
      expect(b.creationTime).toBeLessThanOrEqual(end);
    }
    // A late-created breach: a window starting between its time and its creation has it only with
    // creationtime=true.
    const late = byTime.find((b) => b.creationTime - b.time > 300_000);
    expect(late).toBeDefined();
    const s2 = late.time + 1000;
    const e2 = late.creationTime + 1000;
    const q = `/modelbreaches?starttime=${s2}&endtime=${e2}&includeacknowledged=true`;
    expect(((await get(q)) as any[]).some((b) => b.pbid === late.pbid)).toBe(false);
    expect(((await get(`${q}&creationtime=true`)) as any[]).some((b) => b.pbid === late.pbid)).toBe(true);
    const lags = byTime.map((b) => b.creationTime - b.time);
    expect(lags.filter((l) => l <= 10_000).length / lags.length).toBeGreaterThan(0.5);
    expect(Math.max(...lags)).toBeLessThanOrEqual(20 * 60_000);
  });

  it('accept from/to strings and default to everything up to a year', async () => {
    const from = new Date(clock - 2 * DAY).toISOString().slice(0, 19).replace('T', ' ');
    const to = new Date(clock - DAY).toISOString().slice(0, 19).replace('T', ' ');
    const list: any[] = await get(
      `/modelbreaches?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
    expect(list.length).toBeGreaterThan(100);
    for (const b of list) expect(b.time).toBeGreaterThanOrEqual(clock - 2 * DAY - 1000);
    const all: any[] = await get('/modelbreaches?includeacknowledged=true');
    expect(all.length).toBeGreaterThan(3900);
    expect(all[0].time).toBeGreaterThanOrEqual(clock - 14 * DAY);
  });

  it('hide acknowledged breaches unless includeacknowledged=true, and ack/unack change that', async () => {
    const all: any[] = await get('/modelbreaches?includeacknowledged=true');
    const def: any[] = await get('/modelbreaches');
    expect(def.every((b) => b.acknowledged === false)).toBe(true);
    const acked = all.filter((b) => b.acknowledged !== false);
    expect(acked.length).toBeGreaterThan(0);
    expect(acked[0].acknowledged).toEqual({ time: expect.any(Number), username: expect.any(String) });
    const target = def[def.length - 1];
    expect((await form(`/modelbreaches/${target.pbid}/acknowledge`, 'acknowledge=true')).json()).toEqual({
      response: 'SUCCESS',
    });
    const after: any[] = await get('/modelbreaches');
    expect(after.some((b) => b.pbid === target.pbid)).toBe(false);
    const one = await get(`/modelbreaches/${target.pbid}`);
    expect(one.acknowledged).toEqual({ time: clock, username: 'api.user' });
    await post(`/modelbreaches/${target.pbid}/unacknowledge`, { unacknowledge: 'true' });
    expect((await get(`/modelbreaches?pbid=${target.pbid}`)).acknowledged).toBe(false);
  });

  it('switch the model shape with historicmodelonly and add breachUrl on request', async () => {
    const [a] = await get('/modelbreaches?count=1');
    expect(a.model.then.name).toBeTypeOf('string');
    expect(a.model.now.pid).toBe(a.model.then.pid);
    const [b] = await get('/modelbreaches?count=1&historicmodelonly=true&includebreachurl=true');
    expect(b.model.name).toBe(a.model.then.name);
    expect(b.model.then).toBeUndefined();
    expect(b.breachUrl).toBe(`https://dt-sim.example.local/#modelbreach/${b.pbid}`);
    const [c] = await get('/modelbreaches?count=1&deviceattop=false');
    expect(c.device).toBeUndefined();
    expect(c.triggeredComponents[0].device.did).toBe(a.device.did);
  });

  it('trim with responsedata and minimal, and move the score with group=device', async () => {
    const trimmed: any[] = await get('/modelbreaches?count=3&responsedata=pbid');
    expect(trimmed).toEqual([
      { pbid: expect.any(Number) },
      { pbid: expect.any(Number) },
      { pbid: expect.any(Number) },
    ]);
    const [m] = await get('/modelbreaches?count=1&minimal=true');
    expect(m.triggeredComponents).toEqual([{}]);
    expect(Object.keys(m.model.then).sort()).toEqual([
      'category',
      'compliance',
      'name',
      'phid',
      'pid',
      'priority',
      'uuid',
    ]);
    const [plain] = await get('/modelbreaches?count=1');
    const [grouped] = await get('/modelbreaches?count=1&group=device');
    expect(grouped.pbscore).toBe(plain.score);
    expect(grouped.score).not.toBe(plain.score);
    expect(await get('/summarystatistics?responsedata=subnets')).toEqual({ subnets: expect.any(Number) });
  });

  it('filter by minscore, did, pid, uuid and pbid', async () => {
    const all: any[] = await get('/modelbreaches?includeacknowledged=true');
    const some = all[Math.floor(all.length / 2)];
    for (const b of await get('/modelbreaches?minscore=0.8')) expect(b.score).toBeGreaterThanOrEqual(0.8);
    const byDid: any[] = await get(`/modelbreaches?did=${some.device.did}&includeacknowledged=true`);
    expect(byDid.length).toBe(all.filter((b) => b.device.did === some.device.did).length);
    const byPid: any[] = await get(`/modelbreaches?pid=${some.model.then.pid}`);
    expect(byPid.length).toBeGreaterThan(0);
    for (const b of byPid) expect(b.model.then.pid).toBe(some.model.then.pid);
    for (const b of await get(`/modelbreaches?uuid=${some.model.then.uuid}`))
      expect(b.model.then.uuid).toBe(some.model.then.uuid);
    const single = await get(`/modelbreaches?pbid=${some.pbid}`);
    expect(Array.isArray(single)).toBe(false);
    expect(single.pbid).toBe(some.pbid);
    const two = await get(`/modelbreaches?pbid=${some.pbid},${all[0].pbid}`);
    expect(two.map((b: any) => b.pbid).sort()).toEqual([some.pbid, all[0].pbid].sort());
    const missing = await at({ url: '/modelbreaches/99999999' });
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: expect.any(String) });
    expect((await get('/modelbreaches?count=7')).length).toBe(7);
    // System breaches carry the negative system device.
    expect(all.some((b) => b.device.did === -1 && b.model.then.name === 'System::System')).toBe(true);
    expect(all.some((b) => b.device.sid === -9)).toBe(true);
  });

  it('keep comments: POST answers the stored comment, reads show it', async () => {
    const [b] = await get('/modelbreaches?count=1');
    const r = await post(`/modelbreaches/${b.pbid}/comments`, { message: 'Investigating' });
    expect(r.json()).toEqual([
      {
        message: 'Investigating',
        username: 'api.user',
        time: clock,
        pid: b.model.then.pid,
        commentid: expect.any(Number),
      },
    ]);
    const comments: any[] = await get(`/modelbreaches/${b.pbid}/comments`);
    expect(comments.at(-1)).toEqual({
      message: 'Investigating',
      username: 'api.user',
      time: clock,
      pid: b.model.then.pid,
    });
    expect((await get(`/modelbreaches/${b.pbid}`)).commentCount).toBe(comments.length);
    const search: any[] = await get(`/mbcomments?starttime=${clock - 1000}&endtime=${clock + 1000}`);
    expect(search.some((c) => c.pbid === b.pbid && c.name === b.model.then.name)).toBe(true);
    const bad = await post(`/modelbreaches/${b.pbid}/comments`, {});
    expect(bad.status).toBe(400);
    expect(bad.json().error).toMatch(/message/);
  });
});

describe('AI Analyst', () => {
  it('defaults to 7 days and honours windows, acknowledgement and group scores', async () => {
    const def: any[] = await get('/aianalyst/incidentevents');
    expect(def.length).toBeGreaterThan(20);
    for (const e of def) expect(e.createdAt).toBeGreaterThanOrEqual(clock - 7 * DAY);
    const wide: any[] = await get(`/aianalyst/incidentevents?starttime=${clock - 14 * DAY}&endtime=${clock}`);
    expect(wide.length).toBeGreaterThan(def.length);
    const onlyEnd: any[] = await get(`/aianalyst/incidentevents?endtime=${clock - 7 * DAY}`);
    for (const e of onlyEnd) expect(e.createdAt).toBeGreaterThanOrEqual(clock - 14 * DAY);
    // Drift the normaliser must tolerate is present.
    expect(wide.some((e) => typeof e.groupScore === 'string')).toBe(true);
    expect(wide.some((e) => typeof e.groupScore === 'number')).toBe(true);
    expect(wide.some((e) => e.breachDevices.some((d: any) => String(d.ip).endsWith('/24')))).toBe(true);
    expect(wide.some((e) => Array.isArray(e.details[0]))).toBe(true);
    expect(wide.some((e) => e.details[0]?.blockType)).toBe(true);
    for (const e of wide.slice(0, 20)) {
      for (const rb of e.relatedBreaches) {
        const b = await get(`/modelbreaches/${rb.pbid}`);
        expect(b.device.did).toBe(e.breachDevices[0].did);
      }
    }
    const e = def[0];
    expect((await form('/aianalyst/acknowledge', `uuid=${e.id}`)).json()).toEqual({ aianalyst: 'SUCCESS' });
    expect(((await get('/aianalyst/incidentevents')) as any[]).some((x) => x.id === e.id)).toBe(false);
    const withAck: any[] = await get('/aianalyst/incidentevents?includeacknowledged=true');
    expect(withAck.find((x) => x.id === e.id).acknowledged).toBe(true);
    await form('/aianalyst/unacknowledge', `uuid=${e.id}`);
    expect(sim.setGroupScore(e.id, '88.5')).toBe(true);
    const [again] = await get(`/aianalyst/incidentevents?uuid=${e.id}`);
    expect(again.groupScore).toBe('88.5');
    await control(base, `/__sim/aianalyst/${e.id}/groupscore`, { groupScore: 12.25 });
    const [g] = await get(`/aianalyst/groups?uuid=${e.id}`);
    expect(g.groupScore).toBe(12.25);
    expect(g.incidentEvents.some((x: any) => x.uuid === e.id)).toBe(true);
    for (const x of await get(`/aianalyst/incidentevents?mingroupscore=50`))
      expect(Number(x.groupScore)).toBeGreaterThanOrEqual(50);
    const bad = await form('/aianalyst/acknowledge', 'uuid=not-an-event');
    expect(bad.status).toBe(400);
  });

  it('pins and comments', async () => {
    const [e] = await get(
      `/aianalyst/incidentevents?starttime=${clock - 14 * DAY}&endtime=${clock - 13 * DAY}`,
    );
    await form('/aianalyst/pin', `uuid=${e.id}`);
    const def: any[] = await get('/aianalyst/incidentevents');
    expect(def.find((x) => x.id === e.id)?.pinned).toBe(true);
    expect(
      (await get('/aianalyst/incidentevents?includeallpinned=false')).some((x: any) => x.id === e.id),
    ).toBe(false);
    await form('/aianalyst/unpin', `uuid=${e.id}`);
    const c = await post('/aianalyst/incident/comments', { incident_id: e.id, message: 'looking' });
    expect(c.json()).toEqual({ aianalyst: 'SUCCESS' });
    expect(await get(`/aianalyst/incident/comments?incident_id=${e.id}`)).toEqual({
      comments: [{ username: 'api.user', time: clock, incident_id: e.id, message: 'looking' }],
    });
  });
});

describe('RESPOND, PCAPs and tags change later reads', () => {
  it('creates, lists, extends and clears a manual action', async () => {
    const devices: any[] = await get('/devices');
    const d = devices.find((x) => x.sid !== -9 && x.did > 0);
    const r = await post('/antigena/manual', {
      did: d.did,
      action: 'quarantine',
      duration: 600,
      reason: 'IR-42',
    });
    const { codeid } = r.json();
    expect(codeid).toBeTypeOf('number');
    let a = ((await get('/antigena')) as any[]).find((x) => x.codeid === codeid);
    expect(a).toMatchObject({
      manual: true,
      triggerer: { username: 'api.user', reason: 'IR-42' },
      did: d.did,
      active: true,
    });
    expect(Number.isInteger(a.expires)).toBe(false);
    expect(typeof a.updated).toBe('string');
    await post('/antigena', { codeid, duration: 3600 });
    a = ((await get('/antigena')) as any[]).find((x) => x.codeid === codeid);
    expect(a.expires - clock).toBeCloseTo(3_600_000, -1);
    expect((await post('/antigena', { codeid, clear: true, reason: 'done' })).json()).toEqual({
      response: 'SUCCESS',
    });
    expect(((await get('/antigena')) as any[]).some((x) => x.codeid === codeid)).toBe(false);
    a = ((await get('/antigena?includecleared=true&includehistory=true')) as any[]).find(
      (x) => x.codeid === codeid,
    );
    expect(a).toMatchObject({ cleared: true, active: false });
    expect(a.history.map((h: any) => h.action)).toEqual(['created', 'extended', 'cleared']);
    expect((await post('/antigena', { codeid, clear: true, activate: true })).status).toBe(400);
    expect((await post('/antigena/manual', { did: d.did, action: 'connection', duration: 60 })).status).toBe(
      400,
    );
    const summary = await get('/antigena/summary');
    expect(summary).toEqual({
      pendingCount: expect.any(Number),
      activeCount: expect.any(Number),
      pendingActionDevices: expect.any(Array),
      activeActionDevices: expect.any(Array),
    });
    const full = await get('/antigena?fulldevicedetails=true');
    expect(Array.isArray(full.actions) && Array.isArray(full.devices)).toBe(true);
  });

  it('PCAPs go pending to finished and download as libpcap', async () => {
    const s = Math.floor(clock / 1000) - 900;
    const tooLong = await post('/pcaps', { ip1: '10.10.1.5', start: s - 3600, end: s });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json().error).toMatch(/30 minutes/);
    expect((await post('/pcaps', { ip1: '10.10.1.5', start: s, end: s + 60, protocol: 'tcp' })).status).toBe(
      400,
    );
    const created = (
      await post('/pcaps', {
        ip1: '10.10.1.5',
        ip2: '192.0.2.10',
        port2: 443,
        start: s,
        end: s + 60,
        protocol: 'tcp',
      })
    ).json();
    expect(created.state).toBe('pending');
    const name = created.filename.replace(/^\/tm\//, '');
    expect((await at({ url: `/pcaps/${name}` })).status).toBe(404);
    clock += 6000;
    const listed = ((await get('/pcaps')) as any[]).find((p) => p.tmqid === created.tmqid);
    expect(listed.state).toBe('finished');
    const r = await at({ url: `/pcaps/${name}` });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/pcap/);
    const buf = Buffer.from(r.text, 'latin1');
    expect(buf.length).toBeGreaterThan(24);
  });

  it('tags a device and removes the tag', async () => {
    const devices: any[] = await get('/devices');
    const d = devices.find((x) => x.sid !== -9 && x.did > 0);
    const before: any[] = await get(`/tags/entities?did=${d.did}`);
    expect(before.some((t) => t.name === 'Quarantined')).toBe(false);
    const r = await form('/tags/entities', `did=${d.did}&tag=Quarantined&duration=3600`);
    expect(r.json()).toEqual({ tid: expect.any(Number) });
    expect(((await get(`/tags/entities?did=${d.did}`)) as any[]).some((t) => t.name === 'Quarantined')).toBe(
      true,
    );
    const entities: any[] = await get('/tags/entities?tag=Quarantined');
    expect(entities).toEqual([expect.objectContaining({ entityType: 'Device', entityValue: String(d.did) })]);
    const del = await at({ url: `/tags/entities?did=${d.did}&tag=Quarantined`, method: 'DELETE' });
    expect(del.json()).toEqual({ response: 'SUCCESS' });
    expect(((await get(`/tags/entities?did=${d.did}`)) as any[]).some((t) => t.name === 'Quarantined')).toBe(
      false,
    );
  });
});

describe('time and injection', () => {
  it('keeps breaches arriving while it runs', async () => {
    const before = sim.state().breaches;
    const newest: any[] = await get(
      `/modelbreaches?starttime=${clock - 60_000}&creationtime=true&includeacknowledged=true`,
    );
    clock += 10 * 60_000;
    const after = sim.state().breaches;
    expect(after.live - before.live).toBeGreaterThanOrEqual(50);
    const fresh: any[] = await get(
      `/modelbreaches?starttime=${clock - 10 * 60_000}&endtime=${clock}&creationtime=true&includeacknowledged=true`,
    );
    expect(fresh.length).toBeGreaterThanOrEqual(50);
    for (const b of fresh) expect(b.creationTime).toBeLessThanOrEqual(clock);
    const maxOld = Math.max(0, ...newest.map((b) => b.pbid));
    expect(fresh.filter((b) => b.pbid > maxOld).length).toBeGreaterThanOrEqual(50);
  });

  it('injects a breach and an AI Analyst event through the control API', async () => {
    const models: any[] = await get('/models');
    const m = models.find((x) => x.name.startsWith('Compromise::SSL Beaconing'));
    const devices: any[] = await get('/devices');
    const d = devices.find((x) => x.hostname && x.sid !== -9);
    const injected = await control(base, '/__sim/inject/breach', { did: d.did, pid: m.pid, score: 0.99 });
    expect(injected.device.did).toBe(d.did);
    expect(injected.model.then.pid).toBe(m.pid);
    expect(injected.creationTime).toBe(clock);
    const list: any[] = await get(`/modelbreaches?starttime=${clock - 60_000}&minscore=0.99`);
    expect(list.some((b) => b.pbid === injected.pbid)).toBe(true);
    const ev = await control(base, '/__sim/inject/aianalyst', { title: 'Injected for test', aiaScore: 97 });
    const events: any[] = await get('/aianalyst/incidentevents');
    expect(events.find((e) => e.id === ev.id)?.title).toBe('Injected for test');
    const st = await control(base, '/__sim/state');
    expect(st.breaches.injected).toBeGreaterThan(0);
  });
});

describe('bad parameters', () => {
  it('answer 400 or 404 with an error body', async () => {
    for (const [url, status] of [
      ['/details', 400],
      ['/deviceinfo', 400],
      ['/deviceinfo?did=999999', 404],
      ['/similardevices?did=abc', 400],
      ['/components/1', 404],
      ['/metricdata?did=10', 400],
      ['/modelbreaches?starttime=yesterday', 400],
      ['/aianalyst/incident/comments', 400],
    ] as const) {
      const a = await at({ url });
      expect(a.status, url).toBe(status);
      expect(a.json().error, url).toBeTypeOf('string');
    }
    const badJson = await at({
      url: '/pcaps',
      method: 'POST',
      body: '{"ip1":',
      contentType: 'application/json',
    });
    expect(badJson.status).toBe(400);
  });
});
