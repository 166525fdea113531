// Backfill in bounded pieces: a window's rows are stored page by page and the cursor passes the window
// only once every page is stored; a window too large for its preparer is asked for again in smaller
// windows; the worker pool hands rows over in pages of the size asked for.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gaps, parseCursor, type TimeWindow } from '../../src/collect/cursor.ts';
import { storeIngest } from '../../src/collect/ingest.ts';
import { InstancePoller, type Prepared, type PrepareWindow } from '../../src/collect/poller.ts';
import { PreparePool } from '../../src/collect/prepare-pool.ts';
import type { Ingest, PreparedBatch } from '../../src/collect/types.ts';
import type { DarktraceClient } from '../../src/darktrace/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import type { DetectionInput } from '../../src/store/index.ts';
import { openStore } from '../../src/store/index.ts';

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** One record every 10 s; a record's id is its time. */
const recordsIn = (w: TimeWindow) => {
  const out: number[] = [];
  for (let t = Math.ceil(w.start / 10_000) * 10_000; t < w.end; t += 10_000) out.push(t);
  return out;
};
const row = (t: number) => ({ nativeId: String(t), raw: `{"t":${t}}` }) as unknown as DetectionInput;

/** A recording ingest that keeps rows by id (as the store drops a key and hash it has) and cursors. */
function recording(failOnPage?: (page: number) => boolean) {
  const rows = new Map<string, number>();
  const cursors = new Map<string, unknown>();
  let pages = 0;
  const ingest: Ingest = {
    async storePrepared(_i, _s, batch) {
      if (failOnPage?.(++pages)) throw new Error('disk I/O error');
      let fresh = 0;
      for (const r of batch.rows) {
        if (!rows.has(r.nativeId)) fresh++;
        rows.set(r.nativeId, (rows.get(r.nativeId) ?? 0) + 1);
      }
      return { new: fresh, updated: 0, duplicates: batch.rows.length - fresh, rejected: 0 };
    },
    getCursor: async (i, s) => cursors.get(`${i}/${s}`),
    setCursor: async (i, s, v) => {
      cursors.set(`${i}/${s}`, JSON.parse(JSON.stringify(v)));
    },
  };
  return { ingest, rows, cursors };
}

/** A preparer that refuses windows longer than `maxSpan` as too large, and pages rows by `page`. */
function fakePrepare(maxSpan: number, page: number, asked: TimeWindow[]): PrepareWindow {
  return async (_stream, w): Promise<Prepared> => {
    asked.push(w);
    if (w.end - w.start > maxSpan)
      throw Object.assign(new Error('out of memory'), { name: 'PrepareOutOfMemoryError', tooLarge: true });
    const ids = recordsIn(w);
    async function* pages(): AsyncIterable<PreparedBatch> {
      for (let i = 0; i < ids.length; i += page) yield { rows: ids.slice(i, i + page).map(row), rejects: [] };
    }
    return { fetched: ids.length, bytes: ids.length * 10, pages: pages() };
  };
}

const poller = (ingest: Ingest, prepare: PrepareWindow) =>
  new InstancePoller({
    instance: 'lab',
    client: { url: 'http://127.0.0.1:9' } as DarktraceClient,
    ingest,
    log: silent,
    lookbackMs: HOUR,
    maxWindowMs: 15 * 60_000,
    now: () => T0,
    prepare,
    concurrency: 3,
  });

describe('backfill in pages', () => {
  it('asks again in smaller windows when one is too large, and stores every record once', async () => {
    const { ingest, rows, cursors } = recording();
    const asked: TimeWindow[] = [];
    const report = await poller(ingest, fakePrepare(4 * 60_000, 7, asked)).backfill(T0 - 2 * HOUR, {
      streams: ['modelbreaches'],
    });
    expect(asked.some((w) => w.end - w.start > 4 * 60_000)).toBe(true);
    const all = recordsIn({ start: T0 - 2 * HOUR, end: T0 });
    expect(report.modelbreaches.new).toBe(all.length);
    expect(report.modelbreaches.fetched).toBe(all.length);
    expect([...rows.keys()].sort()).toEqual(all.map(String).sort());
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
    const cursor = parseCursor(cursors.get('lab/modelbreaches'));
    expect(gaps(cursor, T0 - 2 * HOUR, T0)).toEqual([]);
  });

  it('does not move the cursor past a window whose pages were not all stored', async () => {
    // The 5th page fails: the window it belongs to stays a gap, and a second run fills it, storing
    // each record (the pages stored before the failure are dropped as known).
    const first = recording((n) => n === 5);
    const asked: TimeWindow[] = [];
    await expect(
      poller(first.ingest, fakePrepare(HOUR, 40, asked)).backfill(T0 - HOUR, { streams: ['modelbreaches'] }),
    ).rejects.toThrow('disk I/O error');
    const cursor = parseCursor(first.cursors.get('lab/modelbreaches'));
    // 90 records a 15-minute window, 40 a page: pages 1–3 are the first window, 4–5 the second.
    expect(gaps(cursor, T0 - HOUR, T0)).toEqual([{ start: T0 - HOUR + 15 * 60_000, end: T0 }]);
    expect(first.rows.size).toBe(90 + 40);

    const again = poller(first.ingest, fakePrepare(HOUR, 40, asked));
    const report = await again.backfill(T0 - HOUR, { streams: ['modelbreaches'] });
    expect(report.modelbreaches.new).toBe(360 - 130);
    expect(report.modelbreaches.duplicates).toBe(40);
    expect(first.rows.size).toBe(360);
    expect(gaps(parseCursor(first.cursors.get('lab/modelbreaches')), T0 - HOUR, T0)).toEqual([]);
  });

  it('the worker pool hands a window over in pages of the size asked for', async () => {
    const s = await startSimulator({
      publicToken: 'p',
      privateToken: 's',
      seed: 3,
      history: { count: 300, days: 1 },
      ratePerMinute: 0,
    });
    cleanups.push(() => s.close());
    const creds = { url: s.url, publicToken: 'p', privateToken: 's' };
    const pool = new PreparePool(creds, 'lab', 2, silent, 0, 7);
    cleanups.push(() => pool.close());
    const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'dtc-backfill-pages-')) });
    cleanups.push(() => store.close());
    const sizes: number[] = [];
    const base = storeIngest(store);
    const ingest: Ingest = {
      ...base,
      storePrepared(i, st, batch, fetched) {
        sizes.push(batch.rows.length + batch.rejects.length);
        return base.storePrepared(i, st, batch, fetched);
      },
    };
    const p = new InstancePoller({
      instance: 'lab',
      client: { url: s.url } as DarktraceClient,
      ingest,
      log: silent,
      lookbackMs: HOUR,
      maxWindowMs: 6 * HOUR,
      prepare: pool.prepare,
      concurrency: 3,
    });
    const report = await p.backfill(Date.now() - 2 * 86_400_000, { streams: ['modelbreaches'] });
    expect(report.modelbreaches.fetched).toBeGreaterThanOrEqual(290);
    expect(report.modelbreaches.new).toBe(report.modelbreaches.fetched);
    expect(Math.max(...sizes)).toBe(7);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(report.modelbreaches.fetched);
    expect((await store.searchDetections({ instance: 'lab', limit: 1 })).total).toBe(
      report.modelbreaches.new,
    );
  });
});
