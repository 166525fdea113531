// Backoff that new data does not reset. A real webhook target on loopback answers 503 to everything
// (bare, with `Retry-After: <seconds>`, with `Retry-After: <HTTP date>`) while detections keep being
// stored and the Deliverer is notified of each, as the service does. The requests the target sees in
// a fixed window must follow the backoff schedule (a bound computed from the policy's smallest jittered
// waits), not the rate of new data; status and metrics say when the next attempt is due; and once the
// target recovers, delivery resumes within one backoff, with every stored detection delivered at least
// once, in sequence order, and the offset at the end of the log.
//
// Only lower bounds on time are asserted (a loaded machine makes waits longer, never shorter), so the
// counts are upper bounds and cannot flake from slowness.
import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRecords } from '../../src/collect/ingest.ts';
import { type RetryPolicy, retryWaitMs } from '../../src/deliver/retry.ts';
import { Deliverer } from '../../src/deliver/worker.ts';
import type { Store } from '../../src/store/index.ts';
import { breachLine, tempStore, waitFor } from './helpers.ts';

interface Target {
  server: Server;
  url: string;
  /** Times (ms) of requests answered 503. */
  refused: number[];
  /** Accepted batches: each a list of detection uids. */
  batches: string[][];
  /** A function of nothing giving the Retry-After header, or undefined for none; null = accept. */
  mode: null | (() => string | undefined);
}

function startTarget(): Promise<Target> {
  const t: Target = { server: undefined as never, url: '', refused: [], batches: [], mode: null };
  t.server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (t.mode) {
        t.refused.push(Date.now());
        const ra = t.mode();
        res.writeHead(503, ra === undefined ? {} : { 'retry-after': ra }).end('down for maintenance');
        return;
      }
      t.batches.push((JSON.parse(body) as { uid: string }[]).map((d) => d.uid));
      res.end('ok');
    });
  });
  return new Promise((resolve) =>
    t.server.listen(0, '127.0.0.1', () => {
      const a = t.server.address();
      t.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/hook`;
      resolve(t);
    }),
  );
}

const log = { info() {}, warn() {} };

/**
 * The most attempts a worker may make in `windowMs` when every wait is at least `minWaitMs(n)` before
 * retry n: the first attempt at 0, then each retry no sooner than the sum of the waits before it.
 */
function maxAttempts(windowMs: number, minWaitMs: (n: number) => number): number {
  let at = 0;
  let n = 1;
  for (;;) {
    at += minWaitMs(n);
    if (at > windowMs) return n;
    n++;
  }
}

/** Stores one new detection and notifies every `everyMs`, as the service does on each ingest. */
function feed(store: Store, deliverer: Deliverer, from: number, everyMs: number) {
  let n = from;
  let notifies = 0;
  const t = setInterval(async () => {
    await ingestRecords(store, undefined, 'test', [breachLine(n++, 'dt-bo')], 'syslog');
    // Several wake-ups per detection, like a burst of polls and syslog batches.
    for (let i = 0; i < 5; i++) deliverer.notify();
    notifies += 5;
  }, everyMs);
  return {
    stop: () => clearInterval(t),
    get stored() {
      return n - from;
    },
    get notifies() {
      return notifies;
    },
  };
}

async function gauge(registry: Registry, name: string, sink: string): Promise<number | undefined> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.sink === sink)?.value;
}

/** Every stored detection reached the target at least once, first arrivals in sequence order. */
async function expectAllDelivered(store: Store, t: Target): Promise<void> {
  const rows = await store.readLog(0, 100_000);
  const seqOf = new Map(rows.map((r) => [r.key, r.seq]));
  const all = t.batches.flat();
  expect(new Set(all)).toEqual(new Set(rows.map((r) => r.key)));
  const firsts = [...new Set(all)].map((k) => seqOf.get(k)!);
  expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
}

describe('sink backoff under a flood of new data', () => {
  let t: Target;
  beforeAll(async () => {
    t = await startTarget();
  });
  afterAll(() => new Promise<void>((r) => t.server.close(() => r())));

  const WINDOW_MS = 6000;

  it('a 503 without Retry-After: attempts follow the exponential backoff, not the notifications', async () => {
    const { store } = await tempStore('dtc-backoff-');
    await ingestRecords(store, undefined, 'test', [breachLine(1, 'dt-bo'), breachLine(2, 'dt-bo')], 'syslog');
    const retry: RetryPolicy = { initialBackoffSeconds: 0.2, maxBackoffSeconds: 1.6, multiplier: 2 };
    const registry = new Registry();
    t.refused = [];
    t.batches = [];
    t.mode = () => undefined;
    const d = new Deliverer(store, [{ name: 'hook', format: 'json', url: t.url, batchSize: 50, retry }], {
      log,
      registry,
    });
    const started = Date.now();
    await d.start();
    const f = feed(store, d, 100, 20);
    try {
      await waitFor(() => Date.now() - started >= WINDOW_MS || undefined, WINDOW_MS + 5000, 'the window');
      const attempts = t.refused.filter((at) => at - started <= WINDOW_MS).length;
      // Retry n waits at least half its cap (the jitter is ±50 %).
      const bound = maxAttempts(WINDOW_MS, (n) => retryWaitMs(retry, n, undefined, () => 0));
      console.log(
        `503 without Retry-After: ${attempts} attempts in ${WINDOW_MS} ms (bound ${bound}), ` +
          `${f.stored} detections stored, ${f.notifies} notifications`,
      );
      expect(attempts).toBeGreaterThanOrEqual(3);
      expect(attempts).toBeLessThanOrEqual(bound);

      // Status and metrics say when the next attempt is due, and that it is not in the past by much.
      const s = (await d.status())[0];
      expect(s.lastError).toMatch(/503: down for maintenance/);
      expect(s.failedAttempts).toBeGreaterThanOrEqual(3);
      expect(s.nextAttemptAt).toBeGreaterThan(started);
      expect(s.nextAttemptAt).toBeLessThanOrEqual(Date.now() + retry.maxBackoffSeconds * 1000 + 50);
      const next = await gauge(registry, 'dtc_sink_next_attempt_timestamp_seconds', 'hook');
      expect(next).toBeGreaterThan(0);
      expect(await gauge(registry, 'dtc_sink_retry_attempts', 'hook')).toBeGreaterThanOrEqual(3);

      // Recovery: the next attempt (due within one capped backoff) succeeds, and the rest follows.
      t.mode = null;
      const recovered = Date.now();
      await waitFor(() => t.batches.length > 0 || undefined, 15_000, 'the first accepted batch');
      const resumedAfter = Date.now() - recovered;
      console.log(`resumed ${resumedAfter} ms after the target recovered`);
      expect(resumedAfter).toBeLessThan(retry.maxBackoffSeconds * 1000 + 10_000);
      f.stop();
      await waitFor(
        async () => (await store.sinkOffsets.get('hook')) === (await store.maxSeq()) || undefined,
        20_000,
        'the offset at the end of the log',
      );
      await expectAllDelivered(store, t);
      const after = (await d.status())[0];
      expect(after).toMatchObject({ lag: 0, nextAttemptAt: null, failedAttempts: 0 });
      expect(await gauge(registry, 'dtc_sink_next_attempt_timestamp_seconds', 'hook')).toBe(0);
    } finally {
      f.stop();
      await d.stop();
      await store.close();
    }
  }, 60_000);

  for (const form of ['seconds', 'HTTP date'] as const)
    it(`a 503 with Retry-After as ${form}: it wins over a shorter backoff, and notifications do not cut it`, async () => {
      const { store } = await tempStore('dtc-backoff-');
      await ingestRecords(store, undefined, 'test', [breachLine(1, 'dt-bo')], 'syslog');
      // The backoff alone would retry every 50–100 ms.
      const retry: RetryPolicy = { initialBackoffSeconds: 0.1, maxBackoffSeconds: 0.1, multiplier: 2 };
      const registry = new Registry();
      t.refused = [];
      t.batches = [];
      // An HTTP date has whole seconds: the next whole second plus 3 s is 3 to 4 s from now.
      const minGap = form === 'seconds' ? 1900 : 2900;
      t.mode =
        form === 'seconds'
          ? () => '2'
          : () => new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000).toUTCString();
      const d = new Deliverer(store, [{ name: 'hook', format: 'json', url: t.url, retry }], {
        log,
        registry,
      });
      const started = Date.now();
      await d.start();
      const f = feed(store, d, 100, 20);
      try {
        await waitFor(() => Date.now() - started >= WINDOW_MS || undefined, WINDOW_MS + 5000, 'the window');
        const inWindow = t.refused.filter((at) => at - started <= WINDOW_MS);
        const gaps = inWindow.slice(1).map((at, i) => at - inWindow[i]);
        console.log(
          `503 with Retry-After (${form}): ${inWindow.length} attempts in ${WINDOW_MS} ms, gaps ${gaps.join(', ')} ms`,
        );
        expect(inWindow.length).toBeGreaterThanOrEqual(2);
        expect(inWindow.length).toBeLessThanOrEqual(maxAttempts(WINDOW_MS, () => minGap));
        for (const g of gaps) expect(g).toBeGreaterThanOrEqual(minGap);
        const s = (await d.status())[0];
        expect(s.nextAttemptAt).toBeGreaterThan(started);

        t.mode = null;
        f.stop();
        await waitFor(
          async () => (await store.sinkOffsets.get('hook')) === (await store.maxSeq()) || undefined,
          20_000,
          'the offset at the end of the log',
        );
        await expectAllDelivered(store, t);
      } finally {
        f.stop();
        await d.stop();
        await store.close();
      }
    }, 60_000);

  it('the wait: the larger of backoff and Retry-After, Retry-After capped', async () => {
    const p: RetryPolicy = { initialBackoffSeconds: 0.5, maxBackoffSeconds: 30, multiplier: 2 };
    const top = () => 1;
    expect(retryWaitMs(p, 1, undefined, top)).toBe(500);
    expect(retryWaitMs(p, 1, 0, top)).toBe(500); // Retry-After: 0 does not mean "hammer"
    expect(retryWaitMs(p, 1, 2000, top)).toBe(2000);
    expect(retryWaitMs(p, 6, 2000, top)).toBe(16_000); // the backoff has grown past it
    expect(retryWaitMs(p, 20, undefined, top)).toBe(30_000);
    // A Retry-After of a day does not stall the sink for a day: 5 minutes at most…
    expect(retryWaitMs(p, 1, 86_400_000, top)).toBe(300_000);
    // …or the configured maximum backoff when that is longer.
    const slow: RetryPolicy = { ...p, maxBackoffSeconds: 900 };
    expect(retryWaitMs(slow, 1, 86_400_000, top)).toBe(900_000);
  });
});
