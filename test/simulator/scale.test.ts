// A 1,000,000-breach history is derived from (seed, index), never stored: starting is instant, memory
// stays flat, and any window is found by arithmetic, not a scan.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { call, getJson, PRIV, PUB } from './helpers.ts';

const DAY = 86_400_000;
let sim: Simulator;
let rssBefore: number;

beforeAll(async () => {
  rssBefore = process.memoryUsage().rss;
  sim = await startSimulator({
    publicToken: PUB,
    privateToken: PRIV,
    seed: 11,
    history: { count: 1_000_000, days: 30 },
    ratePerMinute: 0,
  });
});
afterAll(() => sim.close());

describe('a million-breach history', () => {
  it('starts without holding the breaches', () => {
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('serves a 20,000-breach window from the far past, in order, with bounded memory', async () => {
    const tl = sim.sim.tl;
    const t0 = tl.t0;
    const start = t0 - 29 * DAY;
    const end = start + 20_000 * ((30 * DAY) / 1_000_000);
    const began = performance.now();
    const a = await call(sim.url, {
      url: `/modelbreaches?starttime=${start}&endtime=${Math.floor(end)}&includeacknowledged=true`,
    });
    const seconds = (performance.now() - began) / 1000;
    expect(a.status).toBe(200);
    const list: any[] = a.json();
    expect(Math.abs(list.length - 20_000)).toBeLessThan(5);
    let ordered = true;
    for (let i = 1; i < list.length; i++) {
      if (list[i].time < list[i - 1].time || list[i].pbid !== list[i - 1].pbid + 1) ordered = false;
    }
    expect(ordered).toBe(true);
    expect(list[0].time).toBeGreaterThanOrEqual(start);
    expect(list.at(-1).time).toBeLessThanOrEqual(end);
    const bytes = a.text.length / list.length;
    expect(bytes).toBeGreaterThan(1500);
    expect(bytes).toBeLessThan(4500);
    // Printed for the record only: timing is for benchmarks, not tests.
    console.log(
      `simulator: ${list.length} breaches in ${seconds.toFixed(2)} s (${Math.round(list.length / seconds)}/s, client in the same process)`,
    );
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(1024 * 1024 * 1024);
  });

  it('finds any breach by pbid, and a late window by arithmetic', async () => {
    const tl = sim.sim.tl;
    const last = await getJson(sim.url, `/modelbreaches/${tl.pbidBase + 999_999}`);
    expect(last.pbid).toBe(tl.pbidBase + 999_999);
    const first = await getJson(sim.url, `/modelbreaches?pbid=${tl.pbidBase}`);
    expect(first.time).toBeGreaterThanOrEqual(tl.t0 - 30 * DAY - 1000);
    // Arithmetic, not a scan: a one-minute window at the end of a million breaches derives the times of
    // a binary search's few dozen breaches and the window's own, not of the history before it.
    const derived = vi.spyOn(tl, 'historyTime');
    let recent: any[];
    let calls: number;
    try {
      recent = await getJson(
        sim.url,
        `/modelbreaches?starttime=${tl.t0 - 60_000}&endtime=${tl.t0}&includeacknowledged=true`,
      );
      calls = derived.mock.calls.length;
    } finally {
      derived.mockRestore();
    }
    expect(recent.length).toBeGreaterThan(5);
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(200 + 10 * recent.length);
    // AI Analyst's 7-day default over this history stays answerable.
    const events: any[] = await getJson(sim.url, `/aianalyst/incidentevents?starttime=${tl.t0 - 3_600_000}`);
    expect(events.length).toBeGreaterThan(10);
  });
});
