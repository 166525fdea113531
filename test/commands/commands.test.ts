// Every catalog command against the simulator over real HTTP: a success with assertions on the output,
// the validation errors, and the appliance's errors. A catalog entry without a case here fails the suite.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/auth/index.ts';
import {
  type CommandResult,
  commands,
  findCommand,
  ParamError,
  prepareParams,
  runCommand,
} from '../../src/commands/index.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import type { AiaIncidentEvent, ModelBreach } from '../../src/darktrace/types.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { buildApi } from '../../src/server/app.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runDtc } from '../helpers/dtc.ts';
import { RecordingClient } from './recording-client.ts';

const PUB = 'cmd-pub';
const PRIV = 'cmd-priv';
let sim: Simulator;
let dt: RecordingClient;
let breaches: ModelBreach[];
let events: AiaIncidentEvent[];
let did: number;

/** Per command, the endpoints its runs called through the recording client. */
const called = new Map<string, Set<string>>();

async function run(
  name: string,
  raw: Record<string, unknown> = {},
  client: DarktraceClient = dt,
): Promise<CommandResult> {
  const def = findCommand(name)!;
  const params = prepareParams(def, raw);
  if (client !== dt) return runCommand(def, client, params);
  dt.calls.length = 0;
  const result = await runCommand(def, dt, params);
  const undeclared = dt.calls.filter((c) => !def.endpoints.includes(c as never));
  expect(undeclared, `${def.name} calls endpoints it does not declare`).toEqual([]);
  const seen = called.get(def.name) ?? new Set();
  for (const c of dt.calls) seen.add(c);
  called.set(def.name, seen);
  return result;
}

async function ok(name: string, raw: Record<string, unknown> = {}): Promise<any> {
  const r = await run(name, raw);
  if (r.outcome !== 'Successful') throw new Error(`${name}: ${JSON.stringify(r.error ?? r.items)}`);
  return r.data ?? r.items;
}

beforeAll(async () => {
  sim = await startSimulator({
    publicToken: PUB,
    privateToken: PRIV,
    seed: 9,
    history: { count: 600, days: 2 },
    pcapReadyMs: 200,
    tokens: [
      { publicToken: 'ro-pub', privateToken: 'ro-priv', denied: ['modelBreaches.acknowledge', '/antigena'] },
    ],
  });
  dt = new RecordingClient({ url: sim.url, publicToken: PUB, privateToken: PRIV, retryBaseMs: 5 });
  breaches = await dt.modelBreaches.list({ deviceattop: true });
  events = await dt.aiAnalyst.incidentEvents();
  did = breaches[0].device!.did;
});
afterAll(async () => {
  await dt?.close();
  await sim?.close();
});

const cases: Record<string, () => Promise<void>> = {
  acknowledge: async () => {
    const items = await ok('acknowledge', { breachIds: [breaches[0].pbid, breaches[1].pbid] });
    expect(items.map((i: any) => i.result)).toEqual([{ response: 'SUCCESS' }, { response: 'SUCCESS' }]);
    const b = await dt.modelBreaches.get({ pbid: breaches[0].pbid, includeacknowledged: true });
    expect(b.acknowledged).toBeTruthy();
  },
  unacknowledge: async () => {
    await ok('acknowledge', { breachIds: [breaches[2].pbid] });
    await ok('unacknowledge', { breachIds: `${breaches[2].pbid}` });
    expect((await dt.modelBreaches.get({ pbid: breaches[2].pbid })).acknowledged).toBe(false);
  },
  'add-comments': async () => {
    await ok('add-comments', { breachIds: [breaches[3].pbid], comment: 'first' });
    await ok('add-comments', { breachIds: [breaches[3].pbid], comment: 'second' });
  },
  'get-comments': async () => {
    await ok('add-comments', { breachIds: [breaches[4].pbid], comment: 'one' });
    await new Promise((r) => setTimeout(r, 5));
    await ok('add-comments', { breachIds: [breaches[4].pbid], comment: 'two' });
    const [item] = await ok('get-comments', { breachIds: [breaches[4].pbid] });
    const msgs = item.result.map((c: any) => c.message);
    expect(msgs.slice(-2)).toEqual(['one', 'two']);
    const times = item.result.map((c: any) => c.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  },
  'get-breaches': async () => {
    await ok('acknowledge', { breachIds: [breaches[5].pbid] });
    const items = await ok('get-breaches', { breachIds: [breaches[5].pbid] });
    expect(items[0].result.pbid).toBe(breaches[5].pbid);
    expect(items[0].result.acknowledged).toBeTruthy();
  },
  'search-breaches': async () => {
    const latest = await ok('search-breaches');
    expect(latest.length).toBe(100);
    expect(latest.every((b: ModelBreach) => b.acknowledged === false)).toBe(true);
    expect(latest[0].time).toBeGreaterThanOrEqual(latest[99].time);
    const mine = await ok('search-breaches', {
      deviceId: did,
      start: '3d',
      includeAcknowledged: true,
      minScore: 0,
    });
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((b: ModelBreach) => b.device?.did === did)).toBe(true);
  },
  'fetch-events': async () => {
    const r = await ok('fetch-events', { start: '36h', count: 5, searchCondition: `did=${did}` });
    expect(r.events.length).toBeGreaterThan(0);
    const e = r.events[0];
    expect(Object.keys(e)).toEqual([
      'eventKey',
      'eventType',
      'startTime',
      'description',
      'score',
      'deviceHostname',
      'ip',
      'mac',
      'category',
      'deviceId',
      'acknowledged',
      'creationTime',
      'severity',
      'priority',
      'metricLogicIds',
      'metricNames',
    ]);
    expect(e.deviceId).toBe(did);
    expect(e.eventKey).toBe(r.raw[0].pbid);
    expect(e.startTime).toMatch(/Z$/);
    expect(e.metricNames.length).toBeGreaterThan(0);
    const all = await ok('fetch-events');
    expect(all.events.length).toBe(100);
  },
  'get-ai-analyst-incident-event': async () => {
    const e = await ok('get-ai-analyst-incident-event', { eventId: events[0].id });
    expect(e.id).toBe(events[0].id);
    const missing = await run('get-ai-analyst-incident-event', {
      eventId: '00000000-0000-0000-0000-000000000000',
    });
    expect(missing.outcome).toBe('Failed');
  },
  'get-comments-for-ai-analyst-incident-event': async () => {
    await ok('post-comment-to-ai-analyst-incident-event', { eventId: events[1].id, comment: 'seen' });
    const list = await ok('get-comments-for-ai-analyst-incident-event', { eventId: events[1].id });
    expect(list.map((c: any) => c.message)).toContain('seen');
  },
  'post-comment-to-ai-analyst-incident-event': async () => {
    expect(
      await ok('post-comment-to-ai-analyst-incident-event', { eventId: events[2].id, comment: 'escalated' }),
    ).toEqual({ eventId: events[2].id, message: 'escalated', response: 'SUCCESS' });
    const { comments } = await dt.aiAnalyst.comments({ incident_id: events[2].id });
    expect(comments.at(-1)).toMatchObject({ message: 'escalated', username: 'api.user' });
  },
  'list-ai-analyst-investigations': async () => {
    const started = await ok('start-ai-analyst-investigation', { deviceId: did, time: '2h' });
    const all = await ok('list-ai-analyst-investigations');
    const mine = all.find((x: any) => x.investigationId === started.investigationId);
    expect(mine).toMatchObject({ did, createdBy: 'api.user' });
    expect(['pending', 'processing', 'finished']).toContain(mine.status);
    expect(mine.investigationTime).toBe(started.investigateTime);
    expect(mine.time).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    const one = await ok('list-ai-analyst-investigations', { investigationId: started.investigationId });
    expect(one.map((x: any) => x.investigationId)).toEqual([started.investigationId]);
    await new Promise((r) => setTimeout(r, 250));
    const [later] = await ok('list-ai-analyst-investigations', { investigationId: started.investigationId });
    expect(later.status).toBe('finished');
    const missing = await run('list-ai-analyst-investigations', { investigationId: 'nope' });
    expect(missing.error).toMatchObject({ indicator: 'List AI Analyst investigations failed.', status: 404 });
  },
  'start-ai-analyst-investigation': async () => {
    const at = Date.now() - 3_600_000;
    const r = await ok('start-ai-analyst-investigation', { deviceId: did, time: at });
    expect(r.investigationId).toMatch(/^[0-9a-f]{8}-/);
    expect(r).toMatchObject({
      deviceId: did,
      investigateTime: new Date(Math.floor(at / 1000) * 1000).toISOString(),
    });
    const bad = await run('start-ai-analyst-investigation', { deviceId: 987654 });
    expect(bad.error).toMatchObject({ indicator: 'Start AI Analyst investigation failed.', status: 404 });
  },
  'acknowledge-ai-analyst-incident-event': async () => {
    await ok('acknowledge-ai-analyst-incident-event', { eventIds: [events[3].id] });
    const [e] = await dt.aiAnalyst.incidentEvents({ uuid: events[3].id, includeacknowledged: true });
    expect(e.acknowledged).toBe(true);
  },
  'unacknowledge-ai-analyst-incident-event': async () => {
    await ok('acknowledge-ai-analyst-incident-event', { eventIds: [events[4].id] });
    await ok('unacknowledge-ai-analyst-incident-event', { eventIds: [events[4].id] });
    const [e] = await dt.aiAnalyst.incidentEvents({ uuid: events[4].id, includeacknowledged: true });
    expect(e.acknowledged).toBe(false);
  },
  'get-ai-analyst-incident-group-from-event-id': async () => {
    const g = await ok('get-ai-analyst-incident-group-from-event-id', { eventId: events[0].id });
    expect(g.incidentEvents.map((x: any) => x.uuid)).toContain(events[0].id);
  },
  'search-ai-analyst-incident-events': async () => {
    const list = await ok('search-ai-analyst-incident-events', { minScore: 20, includeAcknowledged: true });
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((e: AiaIncidentEvent) => e.aiaScore >= 20)).toBe(true);
  },
  'create-actions': async () => {
    const items = await ok('create-actions', {
      deviceIds: [did],
      action: 'quarantineOutgoing',
      duration: 300,
      reason: 'SOC-1',
    });
    expect(items[0].result.codeid).toBeTypeOf('number');
    const conn = await ok('create-actions', {
      deviceIds: [did],
      action: 'connection',
      connections: JSON.stringify([{ src: '10.0.0.5', dst: '203.0.113.7', port: 443 }]),
    });
    expect(conn[0].result.codeid).toBeTypeOf('number');
  },
  'list-actions': async () => {
    const [{ result }] = await ok('create-actions', {
      deviceIds: [did],
      action: 'quarantine',
      reason: 'listed',
    });
    const list = await ok('list-actions', { includeHistory: true });
    const mine = list.find((a: any) => a.codeid === result.codeid);
    expect(mine).toMatchObject({ manual: true, did, action: 'quarantine' });
  },
  'activate-action': async () => {
    const [{ result }] = await ok('create-actions', { deviceIds: [did], action: 'pol', reason: 'a' });
    expect(await ok('activate-action', { codeid: result.codeid, reason: 'confirmed' })).toEqual({
      response: 'SUCCESS',
    });
  },
  'extend-action': async () => {
    const [{ result }] = await ok('create-actions', { deviceIds: [did], action: 'gpol', reason: 'e' });
    await ok('extend-action', { codeid: result.codeid, duration: 7200 });
    const a = (await ok('list-actions')).find((x: any) => x.codeid === result.codeid);
    expect(a.expires - Date.now()).toBeGreaterThan(3_600_000);
  },
  'clear-action': async () => {
    const [{ result }] = await ok('create-actions', {
      deviceIds: [did],
      action: 'quarantineIncoming',
      reason: 'c',
    });
    await ok('clear-action', { codeid: result.codeid, reason: 'fp' });
    const a = (await ok('list-actions', { includeCleared: true })).find(
      (x: any) => x.codeid === result.codeid,
    );
    expect(a).toMatchObject({ cleared: true, active: false });
  },
  'create-pcap': async () => {
    const p = await ok('create-pcap', {
      sourceIp: '10.0.0.5',
      destinationIp: '10.0.0.6',
      destinationPort: 445,
      protocol: 'tcp',
      start: '20m',
    });
    expect(p).toMatchObject({ ip1: '10.0.0.5', state: 'pending' });
    expect(p.end - p.start).toBeLessThanOrEqual(1800);
  },
  'list-pcaps': async () => {
    await ok('create-pcap', { sourceIp: '10.0.0.8' });
    const list = await ok('list-pcaps');
    expect(list.some((p: any) => p.ip1 === '10.0.0.8')).toBe(true);
  },
  'download-pcap': async () => {
    const p = await ok('create-pcap', { sourceIp: '10.0.0.9' });
    const early = await run('download-pcap', { filename: p.filename });
    expect(early.outcome).toBe('Failed');
    expect(early.error?.message).toMatch(/not finished yet/);
    await new Promise((r) => setTimeout(r, 400));
    const d = await ok('download-pcap', { filename: p.filename });
    expect(d.bytes).toBeGreaterThan(24);
    expect(Buffer.from(d.base64, 'base64').readUInt32LE(0)).toBe(0xa1b2c3d4);
  },
  'list-devices': async () => {
    const list = await ok('list-devices', { seenSince: '2day' });
    expect(list.length).toBeGreaterThan(0);
    const ids = list.map((d: any) => d.did);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect((await ok('list-devices', { seenSince: '3600' })).length).toBeGreaterThanOrEqual(0);
  },
  'get-device-summary': async () => {
    const [item] = await ok('get-device-summary', { deviceIds: [did] });
    expect(Object.keys(item.result.data)).toEqual(expect.arrayContaining(['devices', 'modelbreaches']));
  },
  'get-device-info': async () => {
    const r = await ok('get-device-info', { deviceId: did, dataType: 'dataSizeOut' });
    expect(r.deviceInfo[0].did).toBe(did);
  },
  'get-device-metric-data': async () => {
    const r = await ok('get-device-metric-data', {
      deviceId: did,
      metrics: 'connections,externalconnections',
    });
    expect(r.map((m: any) => m.metric)).toEqual(['connections', 'externalconnections']);
    expect(r[0].data.length).toBeGreaterThan(0);
  },
  'get-tagged-devices': async () => {
    const devices = await dt.devices.list();
    const [a, b] = (devices as { did: number }[]).slice(3, 5).map((d) => d.did);
    await ok('tag-devices', { deviceIds: [a], tags: ['Cmd Tagged'] });
    await ok('tag-devices', { deviceIds: [b], tags: ['Cmd Tagged'], duration: 3600 });
    const r = await ok('get-tagged-devices', { tag: 'Cmd Tagged' });
    expect(r).toMatchObject({ tag: 'Cmd Tagged', count: 2 });
    expect(r.tid).toBeTypeOf('number');
    expect(r.devices.map((d: any) => d.did)).toEqual([a, b].sort((x, y) => x - y));
    const withExpiry = r.devices.find((d: any) => d.did === b);
    expect(Date.parse(withExpiry.tagExpiry) - Date.now()).toBeGreaterThan(3_500_000);
    expect(r.devices.find((d: any) => d.did === a).tagExpiry).toBeNull();
    expect(r.devices[0].hostname ?? r.devices[0].ip).toBeTruthy();
    // The XSOAR name runs this command; the tags of one device are the other command's question.
    expect(findCommand('darktrace-get-tagged-devices')!.name).toBe('get-tagged-devices');
    expect(findCommand('darktrace-get-tags-for-device')!.name).toBe('get-device-tags');
    const none = await run('get-tagged-devices', { tag: 'No Such Tag' });
    expect(none.error).toMatchObject({ indicator: 'Get tagged devices failed.', status: 404 });
  },
  'get-device-tags': async () => {
    await ok('tag-devices', { deviceIds: [did], tags: ['Watched'] });
    const [item] = await ok('get-device-tags', { deviceIds: [did] });
    expect(item.result.map((t: any) => t.name)).toContain('Watched');
  },
  'tag-devices': async () => {
    const [item] = await ok('tag-devices', {
      deviceIds: [did],
      tags: ['Admin', 'Quarantined'],
      duration: 3600,
    });
    expect(Object.keys(item.result)).toEqual(['Admin', 'Quarantined']);
  },
  'untag-devices': async () => {
    await ok('tag-devices', { deviceIds: [did], tags: ['Temp'] });
    await ok('untag-devices', { deviceIds: [did], tags: ['Temp'] });
    const tags = (await dt.tags.entities({ did })) as { name: string }[];
    expect(tags.map((t) => t.name)).not.toContain('Temp');
  },
  'list-similar-devices': async () => {
    const list = await ok('list-similar-devices', { deviceId: did, count: 3 });
    expect(list.length).toBeGreaterThan(0);
    expect(list.length).toBeLessThanOrEqual(3);
  },
  'list-subnets': async () => {
    const list = await ok('list-subnets', { seenSince: '6month' });
    expect(list[0].network).toMatch(/\/\d+$/);
  },
  'get-external-endpoint-details': async () => {
    expect((await ok('get-external-endpoint-details', { endpoint: 'example.com' })).hostname).toBe(
      'example.com',
    );
    expect((await ok('get-external-endpoint-details', { endpoint: '203.0.113.7' })).ip).toBe('203.0.113.7');
    expect(await ok('get-external-endpoint-details', { endpoint: '2001:db8::1' })).toBeTruthy();
  },
  'get-details': async () => {
    const r = await ok('get-details', { breachId: breaches[0].pbid, count: 5 });
    expect(r[0].pbid).toBe(breaches[0].pbid);
    expect(
      (await ok('get-details', { deviceId: did, eventType: 'connection', count: 3 })).length,
    ).toBeGreaterThan(0);
  },
  'advanced-search': async () => {
    const r = await ok('advanced-search', {
      query: '@type:conn AND @fields.dest_port:"443"',
      start: '10m',
      size: 7,
    });
    expect(r.hits).toHaveLength(7);
    expect(r.total).toBeGreaterThan(7);
    expect(r.hits.every((h: any) => h.type === 'conn' && h.fields.dest_port === 443)).toBe(true);
    expect(Date.parse(r.hits[0].time)).toBeGreaterThan(Date.now() - 11 * 60_000);
    const page2 = await ok('advanced-search', {
      query: '@type:conn AND @fields.dest_port:"443"',
      start: r.hits[6].time,
      end: Date.parse(r.hits[0].time) + 1000,
      size: 2,
      offset: 5,
    });
    expect(page2.hits.map((h: any) => h.fields.uid)).toEqual(
      r.hits.slice(5, 7).map((h: any) => h.fields.uid),
    );
  },
  'advanced-search-analyze': async () => {
    const terms = await ok('advanced-search-analyze', {
      field: 'dest_port',
      operation: 'terms',
      query: '@type:conn',
      start: '30m',
    });
    const ports = terms.values.map((v: any) => Number(v.id));
    expect(ports).toContain(443);
    expect(terms.values.reduce((a: number, v: any) => a + v.count, 0)).toBe(terms.total);
    const counts = terms.values.map((v: any) => v.count);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    const mean = await ok('advanced-search-analyze', { field: 'dest_port', operation: 'mean', start: '30m' });
    expect(mean.mean).toBeGreaterThan(22);
    expect(mean.mean).toBeLessThan(443);
    const trend = await ok('advanced-search-analyze', {
      field: 'source_ip',
      operation: 'trend',
      start: '30m',
    });
    expect(trend.values[0]).toEqual({
      id: expect.any(String),
      count: expect.any(Number),
      start: expect.any(Number),
      trend: expect.any(Number),
    });
    const score = await ok('advanced-search-analyze', { field: 'dest_ip', operation: 'score', start: '30m' });
    expect(score.values[0]).toEqual({ id: expect.stringMatching(/\./), count: expect.any(Number) });
    const bad = await run('advanced-search-analyze', {
      field: 'no_such_field',
      operation: 'terms',
      start: '5m',
    });
    expect(bad.error).toMatchObject({ status: 400, darktraceMessage: 'Unknown field no_such_field' });
  },
  'advanced-search-graph': async () => {
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const r = await ok('advanced-search-graph', {
      query: '@type:conn',
      interval: 60_000,
      start: end - 10 * 60_000,
      end,
    });
    expect(r.buckets).toHaveLength(10);
    expect(r.buckets[0].time).toBe(new Date(end - 10 * 60_000).toISOString());
    expect(r.buckets.every((b: any) => b.count === 60)).toBe(true);
    expect(r.total).toBe(600);
    // Buckets sit on interval boundaries: a 10-minute window on 5-minute ones is two buckets.
    const end5 = Math.floor(Date.now() / 300_000) * 300_000;
    const mean = await ok('advanced-search-graph', {
      mode: 'mean',
      interval: 300_000,
      start: end5 - 600_000,
      end: end5,
    });
    expect(mean.buckets).toHaveLength(2);
    expect(mean.buckets[0].mean).toBeGreaterThan(0);
  },
  'list-intel-feed-sources': async () => {
    expect(await ok('list-intel-feed-sources')).toContain('Default');
    await ok('add-to-watched-list', { entries: ['sources-test.example'], source: 'ThreatFeed-X' });
    expect(await ok('list-intel-feed-sources')).toEqual(expect.arrayContaining(['Default', 'ThreatFeed-X']));
  },
  'list-intel-feed': async () => {
    const all = await ok('list-intel-feed');
    expect(all.length).toBeGreaterThan(0);
    expect(Object.keys(all[0]).sort()).toEqual(['description', 'expiry', 'iagn', 'name', 'strength']);
    const names = all.map((e: any) => e.name);
    expect([...names].sort()).toEqual(names);
    await ok('add-to-watched-list', { entries: ['listed.example'], source: 'ListTest' });
    expect((await ok('list-intel-feed', { source: 'ListTest' })).map((e: any) => e.name)).toEqual([
      'listed.example',
    ]);
  },
  'add-to-watched-list': async () => {
    const expiry = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const items = await ok('add-to-watched-list', {
      entries: ['c2.bad.example', '198.51.100.77'],
      description: 'C2 from IR-1234',
      expiry,
      source: 'SOC',
    });
    expect(items.map((i: any) => i.result)).toEqual([
      { added: 1, response: 'SUCCESS', updated: 0 },
      { added: 1, response: 'SUCCESS', updated: 0 },
    ]);
    const again = await ok('add-to-watched-list', { entries: ['c2.bad.example'], source: 'SOC' });
    expect(again[0].result).toEqual({ added: 0, response: 'SUCCESS', updated: 1 });
    const soc = await ok('list-intel-feed', { source: 'SOC' });
    expect(soc.find((e: any) => e.name === '198.51.100.77')).toEqual({
      name: '198.51.100.77',
      description: 'C2 from IR-1234',
      expiry,
      strength: 100,
      iagn: false,
    });
    const partial = await run('add-to-watched-list', { entries: ['ok.example', 'not a domain!'] });
    expect(partial.outcome).toBe('Partially Successful');
    expect(partial.items![1].error).toMatchObject({ indicator: 'Add to watched list failed.', status: 400 });
  },
  'remove-from-watched-list': async () => {
    await ok('add-to-watched-list', { entries: ['gone.example'] });
    const items = await ok('remove-from-watched-list', { entries: ['gone.example', 'never-there.example'] });
    expect(items.map((i: any) => i.result)).toEqual([
      { removed: true, response: 'SUCCESS' },
      { removed: false, response: 'SUCCESS' },
    ]);
    expect((await ok('list-intel-feed')).map((e: any) => e.name)).not.toContain('gone.example');
  },
  'search-emails': async () => {
    const all = await ok('search-emails');
    expect(all.length).toBeGreaterThan(20);
    const times = all.map((e: any) => e.dtime_unix);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(times.at(-1)).toBeGreaterThanOrEqual(Date.now() - 86_400_000);
    const high = await ok('search-emails', { minScore: 79 });
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((e: any) => e.model_score > 79)).toBe(true);
    expect(all[0]).not.toHaveProperty('campaign_id');
  },
  'get-email': async () => {
    const [first, second] = await ok('search-emails');
    const items = await ok('get-email', { uuids: [first.uuid, second.uuid] });
    expect(items.map((i: any) => i.result.uuid)).toEqual([first.uuid, second.uuid]);
    expect(items[0].result.header_subject).toBe(first.header_subject);
    expect(items[0].result.rcpts[0].summary.length).toBeGreaterThan(0);
    expect(items[0].result).toHaveProperty('campaign_id');
    const missing = await run('get-email', { uuids: [first.uuid, '00000000-0000-0000-0000-000000000000.1'] });
    expect(missing.outcome).toBe('Partially Successful');
    expect(missing.items![1].error).toMatchObject({
      indicator: 'Get email failed.',
      status: 404,
      darktraceMessage: 'Email not found',
    });
  },
  'hold-email': async () => {
    const list = await ok('search-emails');
    const delivered = list.filter((e: any) => e.rcpts.every((r: any) => r.rcpt_status === 'delivered'));
    const [a, b] = delivered;
    const items = await ok('hold-email', { uuids: [a.uuid, b.uuid] });
    expect(items[0].result).toEqual({
      uuid: a.uuid,
      action: 'hold',
      recipients: a.rcpts.map((r: any) => r.rcpt_to),
      previousStatus: Object.fromEntries(a.rcpts.map((r: any) => [r.rcpt_to, 'delivered'])),
      response: { code: 0, resp: 'Held Email' },
    });
    const [after] = await ok('get-email', { uuids: [a.uuid] });
    expect(after.result.rcpts[0]).toMatchObject({ rcpt_status: 'held' });
    expect(after.result.rcpts[0].rcpt_actions_taken).toContain('Hold message');
    const twice = await run('hold-email', { uuids: [a.uuid, delivered[2].uuid] });
    expect(twice.outcome).toBe('Partially Successful');
    expect(twice.items![0].error).toMatchObject({
      indicator: 'Hold email failed.',
      status: 409,
      darktraceMessage: 'Failed to hold email - Previously Held or Released',
    });
    const stranger = await run('hold-email', {
      uuids: [delivered[3].uuid],
      recipients: ['x@nowhere.example'],
    });
    expect(stranger.items![0].error).toMatchObject({ status: 400 });
  },
  'release-email': async () => {
    const list = await ok('search-emails');
    const held = list.find((e: any) => e.rcpts.every((r: any) => r.rcpt_status === 'held'));
    const items = await ok('release-email', { uuids: [held.uuid], recipients: [held.rcpts[0].rcpt_to] });
    expect(items[0].result).toMatchObject({
      uuid: held.uuid,
      action: 'release',
      recipients: [held.rcpts[0].rcpt_to],
      previousStatus: { [held.rcpts[0].rcpt_to]: 'held' },
      response: { resp: 'Email added to queue' },
    });
    const [after] = await ok('get-email', { uuids: [held.uuid] });
    expect(after.result.rcpts[0].rcpt_status).toBe('released');
    expect(after.result.rcpts[0].requestedRelease).toMatch(/Z$/);
    const again = await run('release-email', { uuids: [held.uuid] });
    expect(again.outcome).toBe('Failed');
    expect(again.items![0].error).toMatchObject({ indicator: 'Release email failed.', status: 409 });
  },
  'get-models': async () => {
    const all = await ok('get-models');
    expect(all.length).toBeGreaterThan(5);
    const two = await ok('get-models', { uuids: [all[0].uuid, all[1].uuid] });
    expect(two.map((m: any) => m.uuid)).toEqual([all[0].uuid, all[1].uuid]);
  },
  'get-model-components': async () => {
    const [c] = await dt.models.components();
    const items = await ok('get-model-components', { componentIds: [c.cid] });
    expect(items[0].result.cid).toBe(c.cid);
  },
  'list-filter-types': async () => {
    expect((await ok('list-filter-types'))[0]).toHaveProperty('filtertype');
  },
  'list-metrics': async () => {
    expect((await ok('list-metrics')).map((m: any) => m.name)).toContain('connections');
  },
  'get-enumerated-types': async () => {
    const r = await ok('get-enumerated-types', { types: ['countries', 'protocols'] });
    expect(Object.keys(r)).toEqual(['countries', 'protocols']);
    expect(r.countries.length).toBeGreaterThan(0);
    expect(Object.keys(await ok('get-enumerated-types'))).toHaveLength(6);
  },
  'list-tags': async () => {
    await ok('tag-devices', { deviceIds: [did], tags: ['Admin'] });
    const r = await ok('list-tags', { names: ['ADMIN'] });
    expect(r.map((t: any) => t.name)).toEqual(['Admin']);
  },
  'get-status': async () => {
    expect((await ok('get-status')).version).toBeTruthy();
  },
  'test-connection': async () => {
    expect(await ok('test-connection')).toMatchObject({ ok: true });
  },
};

describe('every command succeeds against the simulator', () => {
  it('has a case for every catalog entry', async () => {
    expect(Object.keys(cases).sort()).toEqual(commands.map((c) => c.name).sort());
  });
  for (const [name, fn] of Object.entries(cases)) it(name, fn);
  it('called, through the recording client, every endpoint each command declares and no other', async () => {
    const unused = commands.flatMap((c) =>
      c.endpoints.filter((e) => !called.get(c.name)?.has(e)).map((e) => `${c.name}: ${e}`),
    );
    expect(unused, 'declared endpoints no run called').toEqual([]);
  });
});

describe('validation before any request', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['acknowledge', {}, /breach-ids: is required/],
    ['acknowledge', { breachIds: 'twelve' }, /breach-ids: must be a whole number, got "twelve"/],
    ['search-breaches', { minScore: 5 }, /min-score: must be at most 1/],
    ['search-breaches', { start: 'yesterday' }, /start: .*ISO 8601/],
    ['search-breaches', { includeAcknowledged: 'maybe' }, /include-acknowledged: must be true or false/],
    ['search-breaches', { colour: 'red' }, /colour: unknown parameter/],
    [
      'create-pcap',
      { sourceIp: '10.0.0.1', start: '2h' },
      /end: the capture window is 120 minutes; at most 30 minutes/,
    ],
    [
      'create-pcap',
      { sourceIp: '10.0.0.1', protocol: 'tcp' },
      /protocol: needs --destination-ip and --destination-port/,
    ],
    [
      'create-pcap',
      { sourceIp: '10.0.0.1', protocol: 'icmp', destinationIp: 'a', destinationPort: 1 },
      /protocol: must be one of tcp, udp/,
    ],
    ['list-devices', { seenSince: '3 fortnights' }, /seen-since: .*one unit/],
    ['list-devices', { seenSince: '2month' }, /months are not accepted here/],
    ['list-subnets', { seenSince: '7month' }, /at most 6 months/],
    [
      'create-actions',
      { deviceIds: [1], action: 'quarantine', connections: '[{"src":"a","dst":"b"}]' },
      /connections: is only valid with --action connection/,
    ],
    ['create-actions', { deviceIds: [1], action: 'block' }, /action: must be one of connection, pol/],
    [
      'create-actions',
      { deviceIds: [1], action: 'connection', connections: 'not json' },
      /connections: must be JSON/,
    ],
    ['fetch-events', { searchCondition: 'host=x' }, /search-condition: "host=x" is not one of did=/],
    ['get-details', {}, /give at least one of --device-id, --breach-id or --message/],
    [
      'get-external-endpoint-details',
      { endpoint: 'not a host!' },
      /endpoint: .* is not an IPv4, IPv6 address or hostname/,
    ],
    ['get-enumerated-types', { types: ['planets'] }, /types: must be one of applicationprotocols/],
    ['get-tagged-devices', {}, /tag: is required/],
    ['advanced-search', {}, /query: is required/],
    ['advanced-search', { query: 'x', size: 20_000 }, /size: must be at most 10000/],
    [
      'advanced-search-analyze',
      { field: 'a', operation: 'median' },
      /operation: must be one of terms, mean, trend, score/,
    ],
    ['advanced-search-graph', { interval: 10 }, /interval: must be at least 1000/],
    ['advanced-search', { query: 'x', start: '1h', end: '2h' }, /start: must be before --end/],
    [
      'add-to-watched-list',
      { entries: ['a.example'], description: 'say "hi"' },
      /description: must be under 256 characters, without quotes/,
    ],
    ['add-to-watched-list', { entries: ['a.example'], expiry: '1h' }, /expiry: must be in the future/],
    ['remove-from-watched-list', {}, /entries: is required/],
    [
      'start-ai-analyst-investigation',
      { deviceId: 1, time: '2099-01-01T00:00:00Z' },
      /time: must not be in the future/,
    ],
    ['hold-email', {}, /uuids: is required/],
    ['search-emails', { minScore: 101 }, /min-score: must be at most 100/],
  ];
  it.each(bad)('%s %j', (name, raw, message) => {
    const def = findCommand(name)!;
    expect(() => prepareParams(def, raw)).toThrow(ParamError);
    expect(() => prepareParams(def, raw)).toThrow(message);
  });
});

describe('appliance errors', () => {
  it('partial success over good and bad IDs, each failure with indicator, status and message', async () => {
    const r = await run('acknowledge', { breachIds: [breaches[10].pbid, 987654321] });
    expect(r.outcome).toBe('Partially Successful');
    expect(r.items![0]).toMatchObject({ item: breaches[10].pbid, ok: true });
    expect(r.items![1]).toMatchObject({
      item: 987654321,
      ok: false,
      error: { indicator: 'Acknowledge failed.', status: 404 },
    });
    expect(r.items![1].error!.darktraceMessage).toBeTruthy();
    expect((await run('acknowledge', { breachIds: [987654321, 987654322] })).outcome).toBe('Failed');
  });

  it('a wrong private token fails with the signature error', async () => {
    const bad = new DarktraceClient({ url: sim.url, publicToken: PUB, privateToken: 'wrong', retries: 0 });
    const r = await run('get-status', {}, bad);
    expect(r).toMatchObject({
      outcome: 'Failed',
      error: { indicator: 'Get status failed.', status: 400, darktraceMessage: 'API SIGNATURE ERROR' },
    });
    const m = await run('acknowledge', { breachIds: [breaches[0].pbid] }, bad);
    expect(m.items![0].error).toMatchObject({ indicator: 'Acknowledge failed.', status: 400 });
    await bad.close();
  });

  it('a token without the permission fails with a permission error', async () => {
    const ro = new DarktraceClient({
      url: sim.url,
      publicToken: 'ro-pub',
      privateToken: 'ro-priv',
      retries: 0,
    });
    const r = await run('acknowledge', { breachIds: [breaches[0].pbid] }, ro);
    expect(r.outcome).toBe('Failed');
    expect(r.items![0].error).toMatchObject({ indicator: 'Acknowledge failed.', status: 302 });
    expect(r.items![0].error!.message).toMatch(/lacks the permission/);
    expect((await run('list-actions', {}, ro)).error?.message).toMatch(/\/403/);
    await ro.close();
  });
});

describe('over HTTP and the CLI', () => {
  let store: Store;
  let app: ReturnType<typeof buildApi>;
  let dataDir: string;
  let key: string;
  // Every request as alice, a responder, with her API key.
  const call = (o: InjectOptions): Promise<LightMyRequestResponse> =>
    app.inject({ ...o, headers: { authorization: `Bearer ${key}`, ...(o.headers ?? {}) } });
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'dtc-cmd-'));
    store = await openStore({ dataDir });
    await store.instances.add({ name: 'lab', url: sim.url, publicToken: PUB, privateToken: PRIV });
    const access = new AccessControl(store);
    await access.addUser('alice', 'alice-password-123', 'responder');
    key = (await access.createApiKey({ owner: 'alice', name: 'test', role: 'responder' })).key;
    app = buildApi({
      store,
      access,
      collector: { status: () => [] },
      metrics: createMetrics(),
    });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('serves the catalog and an OpenAPI document generated from it', async () => {
    const list = (await call({ url: '/api/commands' })).json();
    expect(list.map((c: any) => c.name)).toEqual(commands.map((c) => c.name));
    expect(list.find((c: any) => c.name === 'create-pcap').parameters.required).toEqual(['sourceIp']);
    const doc = (await call({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    // One documented path per command (aliases are served but not listed again).
    expect(Object.keys(doc.paths).filter((p) => p.includes('/commands/'))).toHaveLength(commands.length);
    const pcap = doc.paths['/api/instances/{name}/commands/create-pcap'].post;
    expect(pcap.requestBody.content['application/json'].schema.required).toEqual(['sourceIp']);
  });

  it('refuses more than 500 items in one call before any appliance request', async () => {
    const before = (await store.commandRuns.list(1000)).length;
    const ids = Array.from({ length: 2000 }, (_, i) => i + 1);
    const r = await call({
      method: 'POST',
      url: '/api/instances/lab/commands/acknowledge',
      payload: { breachIds: ids },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'breachIds',
      message: 'breachIds: at most 500 items per call, got 2000: split them over several calls',
    });
    expect((await store.commandRuns.list(1000)).length).toBe(before);
    const ok = await call({
      method: 'POST',
      url: '/api/instances/lab/commands/get-breaches',
      payload: { breachIds: ids.slice(0, 3) },
    });
    expect(ok.statusCode).not.toBe(400);
  });

  it('runs a command on a stored instance, records it in the audit table, answers 400/404/502', async () => {
    const r = await call({
      method: 'POST',
      url: '/api/instances/lab/commands/acknowledge',
      payload: { breachIds: [breaches[20].pbid, 987654321] },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().outcome).toBe('Partially Successful');
    const runs = await store.commandRuns.list(5);
    expect(runs[0]).toMatchObject({
      who: expect.stringMatching(/^alice \(key [0-9a-f]{8}\)$/),
      instance: 'lab',
      command: 'acknowledge',
      outcome: 'Partially Successful',
    });
    const alias = await call({
      method: 'POST',
      url: '/api/instances/lab/commands/darktrace-get-status',
      payload: {},
    });
    expect(alias.json().outcome).toBe('Successful');
    const invalid = await call({
      method: 'POST',
      url: '/api/instances/lab/commands/create-pcap',
      payload: { sourceIp: '1.2.3.4', start: '2h' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ parameter: 'end' });
    expect(
      (await call({ method: 'POST', url: '/api/instances/nope/commands/get-status', payload: {} }))
        .statusCode,
    ).toBe(404);
    expect(
      (await call({ method: 'POST', url: '/api/instances/lab/commands/nope', payload: {} })).statusCode,
    ).toBe(404);
    const failed = await call({
      method: 'POST',
      url: '/api/instances/lab/commands/get-ai-analyst-incident-event',
      payload: { eventId: 'x' },
    });
    expect(failed.statusCode).toBe(502);
    expect(JSON.stringify((await call({ url: '/api/command-runs' })).json())).not.toContain(PRIV);
  });

  it('dtc cmd: JSON when piped, exit 0/1/2, a file for download-pcap', async () => {
    const cmd = async (args: string[]) =>
      runDtc(['cmd', ...args, '--instance', 'lab', '--data-dir', dataDir]);
    const list = await runDtc(['cmd', 'list']);
    const catalog = JSON.parse(list.out);
    expect(catalog[0]).toEqual(
      expect.objectContaining({
        name: 'acknowledge',
        aliases: expect.any(Array),
        description: expect.any(String),
        parameters: expect.any(Object),
      }),
    );
    const okRun = await cmd(['acknowledge', '--breach-ids', `${breaches[30].pbid},${breaches[31].pbid}`]);
    expect(okRun.code).toBe(0);
    expect(JSON.parse(okRun.out).outcome).toBe('Successful');
    const partial = await cmd([
      'acknowledge',
      '--breach-ids',
      String(breaches[32].pbid),
      '--breach-ids',
      '987654321',
    ]);
    expect(partial.code).toBe(2);
    const failed = await cmd(['get-breaches', '--breach-ids', '987654321']);
    expect(failed.code).toBe(1);
    const invalid = await cmd(['create-pcap', '--source-ip', '10.0.0.1', '--start', '2h']);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/--end: the capture window is 120 minutes/);
    const p = await dt.pcaps.create({
      ip1: '10.0.0.3',
      start: Math.floor(Date.now() / 1000) - 60,
      end: Math.floor(Date.now() / 1000),
    });
    await new Promise((r) => setTimeout(r, 400));
    const file = join(dataDir, 'capture.pcap');
    const dl = await cmd(['download-pcap', '--filename', p.filename, '--out-file', file]);
    expect(dl.code).toBe(0);
    expect(readFileSync(file).readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(
      (await store.commandRuns.list(10)).some(
        (r) => r.who.startsWith('cli:') && r.command === 'download-pcap',
      ),
    ).toBe(true);
  });
});
