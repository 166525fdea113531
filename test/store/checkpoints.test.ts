import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { det, KEY, useTempStores } from './helpers.ts';

const size = (p: string) => statSync(p).size;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('store: WAL checkpoints on a worker thread', () => {
  const t = useTempStores();
  const rows = (from: number) =>
    Array.from({ length: 500 }, (_, i) =>
      det(String(from + i), 'a', { title: `Breach ${'x'.repeat(2000)}` }),
    );

  it('copy committed rows into the database file without the writer doing it', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY, backgroundCheckpoints: true });
    const before = size(s.path);
    for (let b = 0; b < 4; b++) s.appendDetections(rows(b * 500));
    // About 3 MB committed: far below SQLite's own autocheckpoint (1000 pages), so only the worker
    // can have moved it from the WAL into the file.
    let after = size(s.path);
    for (let i = 0; i < 50 && after < before + 2_000_000; i++) {
      await sleep(50);
      after = size(s.path);
    }
    expect(after).toBeGreaterThan(before + 2_000_000);
    expect(s.countDetections()).toBe(2000);
  });

  it('leave the WAL alone by default (commands beside the service)', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY });
    const before = size(s.path);
    for (let b = 0; b < 4; b++) s.appendDetections(rows(b * 500));
    await sleep(300);
    expect(size(s.path)).toBe(before);
    expect(size(`${s.path}-wal`)).toBeGreaterThan(2_000_000);
  });

  it('stop with the store: close resolves and the file reopens with every row', async () => {
    const dir = t.dir();
    const s = await t.open({ dataDir: dir, secretKey: KEY, backgroundCheckpoints: true });
    s.appendDetections(rows(0));
    await t.close(s);
    const again = await t.open({ dataDir: dir, secretKey: KEY });
    expect(again.countDetections()).toBe(500);
  });
});
