// Runs the real `dtc` binary as a user would and returns its exit code and output, failing or not.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function runDtc(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec('node', ['bin/dtc.js', ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
      maxBuffer: 256 << 20,
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e: any) {
    return { code: e.code as number, out: e.stdout as string, err: e.stderr as string };
  }
}
