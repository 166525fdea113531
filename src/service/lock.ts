// One service per data directory. The lock is an SQLite database held in an exclusive transaction for
// the life of the process: the kernel's file lock under it goes away with the process, even after
// kill -9, so a crashed service never leaves a stale lock behind. `dtc.pid` beside it names the holder
// for the message a second start prints.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface DataDirLock {
  release(): void;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: { pid?: number; host?: string; startedAt?: string },
  ) {
    const who = holder.pid
      ? `dtc process ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}${holder.startedAt ? `, started ${holder.startedAt}` : ''}`
      : 'another dtc process';
    super(
      `the data directory ${dataDir} is in use by ${who}: stop that service first, or give this one ` +
        'another --data-dir',
    );
    this.name = 'DataDirLockedError';
  }
}

/** Takes the data directory's lock, or throws DataDirLockedError at once (no waiting). */
export function lockDataDir(dataDir: string): DataDirLock {
  const pidFile = join(dataDir, 'dtc.pid');
  const db = new Database(join(dataDir, 'dtc.lock'), { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (at TEXT)');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    let holder = {};
    try {
      holder = JSON.parse(readFileSync(pidFile, 'utf8'));
    } catch {}
    throw new DataDirLockedError(dataDir, holder);
  }
  writeFileSync(
    pidFile,
    `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() })}\n`,
    { mode: 0o600 },
  );
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(pidFile, { force: true });
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
