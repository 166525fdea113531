// A small tmpfs of its own, for tests of a full or read-only filesystem. Mounting needs root (or
// CAP_SYS_ADMIN): without it the tests are skipped with one line saying so; under CI=true that is a
// failure instead, so CI always runs them.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  /** `mount -o remount,<opts>`: e.g. `ro`, `rw`. */
  remount(opts: string): void;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (e.g. `8m`); undefined (after saying why) when mounting is not permitted. */
export function mountTmpfs(size: string, what: string): Tmpfs | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'dtc-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const why = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    if (process.env.CI === 'true')
      throw new Error(`${what} needs to mount a tmpfs and CI=true, but mounting failed: ${why}`);
    process.stderr.write(`skipped: ${what} (mounting a tmpfs needs root: ${why})\n`);
    return undefined;
  }
  let mounted = true;
  return {
    dir,
    remount: (opts) => execFileSync('mount', ['-o', `remount,${opts}`, dir], { stdio: 'pipe' }),
    unmount() {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the filesystem holding `dir` to the last byte with one file; deleting it gives the space back. */
export function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(256 * 1024);
  for (const size of [chunk.length, 4096, 1]) {
    try {
      for (;;) writeSync(fd, chunk, 0, size);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }
  closeSync(fd);
  return path;
}
