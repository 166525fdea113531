// The collector against the simulator over real HTTP, into a real SQLite store: late breaches, updates,
// several instances with one failing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Collector } from '../../src/collect/collector.ts';
import { gaps, parseCursor } from '../../src/collect/cursor.ts';
import { storeIngest } from '../../src/collect/ingest.ts';
import { InstancePoller } from '../../src/collect/poller.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import { readModel } from '../../src/read/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function setup(opts: Parameters<typeof startSimulator>[0]) {
  const sim = await startSimulator(opts);
  const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'dtc-collect-')) });
  const client = new DarktraceClient({
    url: sim.url,
    publicToken: opts.publicToken,
    privateToken: opts.privateToken,
    retryBaseMs: 5,
  });
  cleanups.push(
    () => sim.close(),
    () => store.close(),
    () => client.close(),
  );
  /** The poller under test: instance `lab` with a two-day look-back, over this client and store. */
  const labPoller = (extra: Partial<ConstructorParameters<typeof InstancePoller>[0]> = {}) =>
    new InstancePoller({
      instance: 'lab',
      client,
      ingest: storeIngest(store),
      log: silent,
      lookbackMs: 2 * 86_400_000,
      ...extra,
    });
  return { sim, store, client, labPoller };
}

async function breachKeys(store: Store, instance: string) {
  const out: string[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await store.searchDetections({ instance, family: 'model_breach', limit: 1000, offset });
    out.push(...page.items.map((i) => i.nativeId));
    if (page.items.length < 1000) return out;
  }
}

describe('polling', () => {
  it('misses no late breach and stores none twice', async () => {
    let t = Date.now();
    const now = () => t;
    const { sim, store, client, labPoller } = await setup({
      publicToken: 'p',
      privateToken: 's',
      seed: 11,
      now,
      history: { count: 300, days: 1 },
      ratePerMinute: 40,
      maxCreationLagMinutes: 12,
    });
    const poller = labPoller({ now });
    for (let i = 0; i < 20; i++) {
      t += 60_000;
      const r = await poller.pollOnce();
      expect(r.streams.modelbreaches.error).toBeUndefined();
    }
    // Ground truth: everything the appliance holds now, read without any time window.
    const truth = await client.modelBreaches.list({ includeacknowledged: true });
    const late = truth.filter((b) => b.creationTime - b.time > 60_000);
    expect(late.length).toBeGreaterThan(10); // the test means something only if breaches arrived late
    const stored = await breachKeys(store, 'lab');
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.sort()).toEqual(truth.map((b) => String(b.pbid)).sort());
    // One version each: re-reads of the overlap and the horizon were dropped as duplicates. (RESPOND
    // actions, polled alongside, do change state and have versions of their own.)
    const log = await store.readLog(0, 1_000_000, { content: false });
    expect(log.filter((r) => r.family === 'model_breach').length).toBe(stored.length);
    const cursor = parseCursor(await store.cursors.get('lab', 'modelbreaches'));
    expect(gaps(cursor, t - 2 * 86_400_000, t)).toEqual([]);
    expect(sim.state().breaches.live).toBeGreaterThan(500);
  });

  it('stores an acknowledgement, a comment and a group score change as new versions', async () => {
    const { sim, store, client, labPoller } = await setup({
      publicToken: 'p',
      privateToken: 's',
      seed: 5,
      history: { count: 400, days: 1 },
      ratePerMinute: 0,
    });
    const poller = labPoller();
    const first = await poller.pollOnce();
    expect(first.streams.modelbreaches.new).toBeGreaterThan(0);
    expect(first.streams.aianalyst.new).toBeGreaterThan(0);
    const [acked, commented] = await client.modelBreaches.list();
    const [event] = await client.aiAnalyst.incidentEvents();
    await client.modelBreaches.acknowledge({ pbid: acked.pbid });
    await client.modelBreaches.addComment({ pbid: commented.pbid, message: 'looking into it' });
    expect(sim.setGroupScore(event.id, 91.5)).toBe(true);

    const second = await poller.pollOnce();
    expect(second.streams.modelbreaches.updated).toBe(2);
    expect(second.streams.aianalyst.updated).toBeGreaterThanOrEqual(1);
    expect(second.streams.modelbreaches.new).toBe(0);

    const a = (await store.getDetection(`lab/model_breach/${acked.pbid}`))!;
    expect(a.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(a.acknowledged).toBe(true);
    const c = (await readModel(store).getDetection(`lab/model_breach/${commented.pbid}`))!;
    expect(c.version).toBe(2);
    expect((c.canonical as { state: { commentCount: number } }).state.commentCount).toBe(
      (commented.commentCount ?? 0) + 1,
    );
    const e = (await readModel(store).getDetection(`lab/ai_analyst/${event.id}`))!;
    expect(e.version).toBe(2);
    expect((e.canonical as { scores: { groupScore: number } }).scores.groupScore).toBeCloseTo(91.5);

    const third = await poller.pollOnce();
    expect(third.streams.modelbreaches.updated + third.streams.aianalyst.updated).toBe(0);
  });
  it('caps a poll without starving the newest breaches, and catches up over later polls', async () => {
    const { sim, store, labPoller } = await setup({
      publicToken: 'p',
      privateToken: 's',
      seed: 3,
      history: { count: 3000, days: 1 },
      ratePerMinute: 0,
    });
    const poller = labPoller({ maxItemsPerPoll: 500 });
    const first = await poller.pollOnce();
    expect(first.streams.modelbreaches.fetched).toBeLessThan(1500);
    for (
      let i = 0;
      i < 20 && (await store.searchDetections({ family: 'model_breach', limit: 1 })).total < 2990;
      i++
    )
      await poller.pollOnce();
    expect((await store.searchDetections({ family: 'model_breach', limit: 1 })).total).toBeGreaterThanOrEqual(
      2990,
    );
    // The 24-hour update horizon now holds ~3,000 breaches, more than the cap: a new one still arrives.
    const injected = sim.injectBreach();
    await new Promise((r) => setTimeout(r, 5));
    const r = await poller.pollOnce();
    expect(r.streams.modelbreaches.fetched).toBeLessThanOrEqual(500 + 2000);
    expect(await store.getDetection(`lab/model_breach/${injected.pbid}`)).toBeDefined();
  });
});

describe('several instances', () => {
  it('keeps the good ones flowing while one has a wrong token and one is unreachable, and says why', async () => {
    const { sim, store } = await setup({
      publicToken: 'good-pub',
      privateToken: 'good-priv',
      history: { count: 200, days: 1 },
    });
    const lines: string[] = [];
    const log = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    const collector = new Collector({
      ingest: storeIngest(store),
      log,
      clientOptions: { retries: 1, retryBaseMs: 5, timeoutMs: 5000 },
    });
    cleanups.unshift(() => collector.stop());
    const base = {
      pollIntervalSeconds: 3600,
      lookbackHours: 48,
      minScore: 0,
      maxItemsPerPoll: 100_000,
      tls: {},
      enabled: true,
    };
    await collector.setInstances([
      { ...base, name: 'good', url: sim.url, publicToken: 'good-pub', privateToken: 'good-priv' },
      { ...base, name: 'badtoken', url: sim.url, publicToken: 'good-pub', privateToken: 'wrong' },
      { ...base, name: 'down', url: 'http://127.0.0.1:9', publicToken: 'a', privateToken: 'b' },
      {
        ...base,
        name: 'off',
        url: sim.url,
        publicToken: 'good-pub',
        privateToken: 'good-priv',
        enabled: false,
      },
    ]);
    collector.start();
    await Promise.all(['good', 'badtoken', 'down'].map((n) => collector.pollNow(n)));
    const status = Object.fromEntries(collector.status().map((s) => [s.name, s]));
    expect(status.good.state).toBe('ok');
    expect(status.good.totals.new).toBeGreaterThan(0);
    expect((await store.searchDetections({ instance: 'good' })).total).toBeGreaterThan(0);
    expect(status.badtoken.state).toBe('failing');
    expect(status.badtoken.lastError).toMatch(/API SIGNATURE ERROR.*private token/);
    expect(status.down.state).toBe('failing');
    expect(status.down.lastError).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    expect(status.off.state).toBe('disabled');
    expect(
      lines.some((l) =>
        /^darktrace\[good\]: fetched \d+ model breaches, \d+ AI Analyst events, \d+ RESPOND actions, \d+ e-mail alerts \(\d+ new, 0 updated\)$/.test(
          l,
        ),
      ),
    ).toBe(true);
    // Still flowing after the failures: a breach injected now arrives on the next poll.
    const injected = sim.injectBreach();
    await new Promise((r) => setTimeout(r, 5)); // a window ends before its poll's start instant
    await collector.pollNow('good');
    expect(await store.getDetection(`good/model_breach/${injected.pbid}`)).toBeDefined();
  });
});

describe('connection health checks', () => {
  it('run on the instance schedule and on demand, and say why they fail', async () => {
    const { sim, store } = await setup({
      publicToken: 'hc-pub',
      privateToken: 'hc-priv',
      history: { count: 50, days: 1 },
    });
    const collector = new Collector({
      ingest: storeIngest(store),
      log: silent,
      onCheck: async (instance, r) =>
        await store.connectionChecks.add({
          instance,
          ok: r.ok,
          latencyMs: r.latencyMs,
          error: r.error ?? null,
        }),
    });
    cleanups.unshift(() => collector.stop());
    await collector.setInstances([
      {
        name: 'lab',
        url: sim.url,
        publicToken: 'hc-pub',
        privateToken: 'hc-priv',
        pollIntervalSeconds: 3600,
        lookbackHours: 1,
        minScore: 0,
        maxItemsPerPoll: 1000,
        tls: {},
        enabled: true,
        checkIntervalMinutes: 0.002, // every 120 ms, for the test
      },
    ]);
    collector.start();
    for (let i = 0; i < 100 && (await store.connectionChecks.list('lab')).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    const history = await store.connectionChecks.list('lab');
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history[0]).toMatchObject({ ok: true });
    expect(collector.status()[0].lastCheck).toMatchObject({ ok: true, version: expect.any(String) });
    sim.setFaults({ revokedTokens: ['hc-pub'] });
    const failed = await collector.check('lab');
    expect(failed).toMatchObject({ ok: false });
    expect(failed!.error).toMatch(/redirected to \/login/);
    expect(collector.status()[0].lastCheck?.ok).toBe(false);
    expect(await collector.check('nope')).toBeUndefined();
  });
});
