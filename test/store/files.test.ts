// The store's files and what it says when they fail: the database, its -wal/-shm and the key file are
// created 0600; a damaged, read-only or full database gives an error naming the file and the fix, and a
// full disk marks the store unwritable until a write succeeds again (on a real tmpfs that fills up).
import {
  chmodSync,
  closeSync,
  existsSync,
  openSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, type StoreHealth, StoreIoError } from '../../src/store/index.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';
import { det, KEY, useTempStores } from './helpers.ts';

const mode = (f: string) => statSync(f).mode & 0o777;

/** Writes zeros until the filesystem is full; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // The last partial chunk: down to the byte.
  try {
    for (;;) writeSync(fd, chunk, 0, 1);
  } catch {}
  closeSync(fd);
  return path;
}

describe('store files', () => {
  const t = useTempStores();

  it('creates the database, its -wal and -shm and the key file 0600, and tightens an old 0644 file', async () => {
    const dir = t.dir();
    const s = await t.open({ dataDir: dir, env: {} });
    await s.instances.add({ name: 'prod', url: 'https://dt', publicToken: 'p', privateToken: 'secret' });
    await s.appendDetections([det('1', 'h1')]);
    const db = join(dir, DB_FILE_NAME);
    for (const f of [db, `${db}-wal`, `${db}-shm`, join(dir, 'secret.key')])
      expect([f, mode(f)]).toEqual([f, 0o600]);
    expect(mode(dir)).toBe(0o700);
    await t.close(s);
    chmodSync(db, 0o644);
    const again = await t.open({ dataDir: dir, secretKey: KEY });
    expect(mode(db)).toBe(0o600);
    expect(await again.countDetections()).toBe(1);
  });

  it('names a damaged database and says to move it aside or restore a backup', async () => {
    const dir = t.dir();
    const db = join(dir, DB_FILE_NAME);
    writeFileSync(db, Buffer.alloc(64 * 1024, 'not a database at all '), { mode: 0o600 });
    const err = await t.open({ dataDir: dir, secretKey: KEY }).catch((e) => e);
    expect(err).toBeInstanceOf(StoreIoError);
    expect(err).toMatchObject({ code: 'corrupt', path: db, retryable: false });
    expect(err.message).toContain(db);
    expect(err.message).toMatch(/move it aside .*backup/);

    // A real database whose pages were overwritten mid-file.
    const dir2 = t.dir();
    const s = await t.open({ dataDir: dir2, secretKey: KEY });
    await s.appendDetections(Array.from({ length: 300 }, (_, i) => det(String(i), `h${i}`)));
    await t.close(s);
    const db2 = join(dir2, DB_FILE_NAME);
    const fd = openSync(db2, 'r+');
    writeSync(fd, Buffer.alloc(3 * 16384, 0xa5), 0, 3 * 16384, 16384);
    closeSync(fd);
    const err2 = await (async () => {
      const s2 = await t.open({ dataDir: dir2, secretKey: KEY });
      await s2.searchDetections({ q: 'Breach' });
      await s2.readLog(0, 1000);
    })().catch((e) => e);
    expect(err2).toBeInstanceOf(StoreIoError);
    expect(err2.code).toBe('corrupt');
    expect(err2.message).toContain(db2);
  });

  describe('on a small tmpfs', () => {
    const fs = mountTmpfs('4m', 'the full-disk and read-only store tests');
    afterAll(() => fs?.unmount());

    it.skipIf(!fs)(
      'marks itself unwritable on a full disk, says so, and writes again once there is room',
      async () => {
        const dir = join(fs!.dir, 'full');
        const s = await t.open({ dataDir: dir, secretKey: KEY });
        const changes: StoreHealth[] = [];
        s.onHealthChange((h) => changes.push(h));
        await s.appendDetections([det('0', 'h0')]);
        const filler = fill(fs!.dir);
        let err: unknown;
        let n = 1;
        // The WAL may still have room for a few batches: write until the disk says no.
        for (; n < 5000 && !err; n += 50) {
          try {
            await s.appendDetections(
              Array.from({ length: 50 }, (_, i) =>
                det(String(n + i), `h${n + i}`, { title: 'x'.repeat(2000) }),
              ),
            );
          } catch (e) {
            err = e;
          }
        }
        expect(err).toBeInstanceOf(StoreIoError);
        expect(err).toMatchObject({ code: 'disk_full', retryable: true });
        expect((err as Error).message).toContain(join(dir, DB_FILE_NAME));
        expect((err as Error).message).toMatch(/free space/);
        expect(s.health()).toMatchObject({ writable: false, code: 'disk_full', since: expect.any(Number) });
        expect(changes[0]).toMatchObject({ writable: false, code: 'disk_full' });
        // Reads still work while the disk is full.
        const stored = await s.countDetections();
        expect(stored).toBeGreaterThan(0);
        // The failed batch left nothing half-written.
        expect(await s.countDetections()).toBe(await s.countKeys());

        unlinkSync(filler);
        await s.appendDetections([det('999999', 'hx')]);
        expect(s.health()).toEqual({ writable: true });
        expect(changes.at(-1)).toMatchObject({ writable: true });
        expect(await s.countDetections()).toBe(stored + 1);
      },
    );

    it.skipIf(!fs)('names a database on a read-only filesystem and says how to fix it', async () => {
      const dir = join(fs!.dir, 'ro');
      const s = await t.open({ dataDir: dir, secretKey: KEY });
      await s.appendDetections([det('1', 'h1')]);
      await t.close(s);
      fs!.remount('ro');
      try {
        const err = await t.open({ dataDir: dir, secretKey: KEY }).catch((e) => e);
        expect(err).toBeInstanceOf(StoreIoError);
        expect(err.code).toMatch(/read_only|cannot_open/);
        expect(err.message).toContain(join(dir, DB_FILE_NAME));
        expect(err.message).toMatch(/write access|read-write|may read and write/);
      } finally {
        fs!.remount('rw');
      }
      expect(existsSync(join(dir, DB_FILE_NAME))).toBe(true);
    });
  });
});
