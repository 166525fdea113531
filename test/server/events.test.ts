// The live event stream over real HTTP: detections as they are stored (whatever stored them), with ids a
// reconnecting client resumes from, instance status, and a family filter.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/auth/index.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { type Api, buildApi } from '../../src/server/app.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { det, KEY } from '../store/helpers.ts';

let store: Store;
let app: Api;
let base: string;
let key: string;

beforeAll(async () => {
  store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'dtc-events-')), secretKey: KEY, env: {} });
  const access = new AccessControl(store);
  await access.addUser('vera', 'vera-password-123', 'viewer');
  key = (await access.createApiKey({ owner: 'vera', name: 'sse', role: 'viewer' })).key;
  app = buildApi({
    store,
    access,
    metrics: createMetrics(),
    collector: {
      status: () => [
        {
          name: 'lab',
          state: 'ok',
          simulated: false,
          consecutiveFailures: 0,
          totals: { modelBreaches: 0, aiAnalyst: 0, new: 0, updated: 0, rejected: 0 },
        } as never,
      ],
    },
  });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await store?.close();
});

/** Reads SSE events from a stream until `until` says stop (or the time runs out). */
async function read(
  path: string,
  until: (events: { event: string; id?: string; data: any }[]) => boolean,
  headers = {},
) {
  const ctl = new AbortController();
  const res = await fetch(`${base}${path}`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
    signal: ctl.signal,
  });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: { event: string; id?: string; data: any }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const deadline = Date.now() + 10_000;
  while (!until(events) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      const event = field('event');
      if (event) events.push({ event, id: field('id'), data: JSON.parse(field('data')!) });
      i = buf.indexOf('\n\n');
    }
  }
  ctl.abort();
  return events;
}

describe('GET /api/events', () => {
  it('needs credentials', async () => {
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
  });

  it('sends the instances, then each detection as it is stored, with its sequence number as id', async () => {
    setTimeout(
      async () => await store.appendDetections([det('101', 'a'), det('102', 'a', { family: 'ai_analyst' })]),
      300,
    );
    const events = await read('/api/events', (e) => e.filter((x) => x.event === 'detection').length >= 2);
    expect(events[0]).toMatchObject({ event: 'instance', data: { name: 'lab', state: 'ok' } });
    const detections = events.filter((e) => e.event === 'detection');
    expect(detections.map((d) => d.data.key)).toEqual(['prod/model_breach/101', 'prod/ai_analyst/102']);
    expect(detections.map((d) => Number(d.id))).toEqual(detections.map((d) => d.data.seq));
    expect(detections[0].data).not.toHaveProperty('raw');
  });

  it('resumes after Last-Event-ID, and filters by family', async () => {
    const from = await store.maxSeq();
    await store.appendDetections([
      det('201', 'a'),
      det('202', 'a', { family: 'ai_analyst' }),
      det('203', 'a'),
    ]);
    const resumed = await read('/api/events', (e) => e.filter((x) => x.event === 'detection').length >= 3, {
      'last-event-id': String(from),
    });
    expect(resumed.filter((e) => e.event === 'detection').map((d) => d.data.nativeId)).toEqual([
      '201',
      '202',
      '203',
    ]);
    const filtered = await read(
      `/api/events?after=${from}&family=model_breach`,
      (e) => e.filter((x) => x.event === 'detection').length >= 2,
    );
    expect(filtered.filter((e) => e.event === 'detection').map((d) => d.data.nativeId)).toEqual([
      '201',
      '203',
    ]);
  });
});
