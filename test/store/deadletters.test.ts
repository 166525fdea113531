// Dead-letter retention on a real file: a short excerpt of each rejected record, the oldest deleted
// past the size budget, the expired deleted by age, and a flood of noise that leaves the file bounded.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/index.ts';
import { DIALECTS, KEY, useTempStores } from './helpers.ts';

const noise = (n: number, size: number) => `${n} `.padEnd(size, 'x');

describe.each(DIALECTS)('dead-letter retention (%s)', (dialect) => {
  const t = useTempStores(dialect);

  it('keeps an excerpt of a long record and says how much was cut', async () => {
    const s = await t.open({ dataDir: t.dir(), secretKey: KEY, deadLetters: { excerptBytes: 1000 } });
    await s.deadLetters.add({
      source: 'syslog:tcp 10.0.0.9:4000',
      reason: 'bad_json: x',
      payload: noise(1, 65_536),
    });
    await s.deadLetters.add({ source: 'syslog:tcp 10.0.0.9:4000', reason: 'bad_json: y', payload: 'short' });
    const [short, long] = await s.deadLetters.list();
    expect(short.payload).toBe('short');
    expect(long.payload.startsWith(noise(1, 1000))).toBe(true);
    expect(long.payload).toMatch(/… \[64536 more characters not kept\]$/);
    expect(long.payload.length).toBeLessThan(1100);
  });

  it('deletes the oldest past the size budget and the expired by age', async () => {
    const s = await t.open({
      dataDir: t.dir(),
      secretKey: KEY,
      deadLetters: { maxBytes: 200_000, maxAgeMs: 3_600_000 },
    });
    for (let i = 0; i < 20; i++)
      await s.deadLetters.addAll(
        Array.from({ length: 50 }, (_, j) => ({
          source: 's',
          reason: 'r',
          payload: noise(i * 50 + j, 1000),
        })),
      );
    expect(await s.deadLetters.bytes()).toBeLessThanOrEqual(200_000);
    expect(await s.deadLetters.bytes()).toBeGreaterThan(150_000);
    const kept = await s.deadLetters.list(10_000);
    expect(kept[0].payload.startsWith('999 ')).toBe(true); // the newest stays
    expect(kept.at(-1)!.id).toBe(1000 - kept.length + 1); // a contiguous newest range
    // By age: rows from two hours ago go at the next prune; the recent stay.
    const old = Date.now() - 7_200_000;
    await s.deadLetters.addAll(
      [1, 2, 3].map((n) => ({ source: 's', reason: 'old', payload: `${n}`, at: old })),
    );
    const before = await s.deadLetters.count();
    expect(await s.deadLetters.prune()).toEqual({ deleted: 3 });
    expect(await s.deadLetters.count()).toBe(before - 3);
    expect((await s.deadLetters.list(10_000)).some((d) => d.reason === 'old')).toBe(false);
  });

  it('keeps the file bounded under a flood of noise', async () => {
    const dir = t.dir();
    const s = await t.open({ dataDir: dir, secretKey: KEY, deadLetters: { maxBytes: 1024 * 1024 } });
    // 40 MB of 64 KB lines that cannot be understood, as a flood would send them.
    for (let i = 0; i < 640; i++)
      await s.deadLetters.add({
        source: 'syslog:tcp 10.0.0.9:4000',
        reason: 'unknown_family',
        payload: noise(i, 65_536),
      });
    expect(await s.deadLetters.bytes()).toBeLessThanOrEqual(1024 * 1024);
    await t.close(s);
    // The file's size is SQLite's (deleted pages reused); PostgreSQL's autovacuum reclaims on its own schedule.
    if (dialect !== 'sqlite') return;
    const size = statSync(join(dir, DB_FILE_NAME)).size;
    process.stderr.write(`dead letters: 40 MB of noise → ${(size / 1048576).toFixed(1)} MB database\n`);
    expect(size).toBeLessThan(4 * 1024 * 1024);
  });
});
