// Programs some tests need (syslog-ng, nats-server, Chromium later). Missing on a developer's machine,
// their tests are skipped with one line saying what to install; under CI=true a missing program fails
// the run, so CI always runs those tests.
import { execFileSync } from 'node:child_process';

/** The program's path, or undefined (after saying what to install) when it is missing outside CI. */
export function program(bin: string, debianPackage: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim();
  } catch {
    const install = `apt-get install -y ${debianPackage}`;
    if (process.env.CI === 'true')
      throw new Error(`${bin} is not installed and CI=true: ${install} (.ci/run installs it)`);
    process.stderr.write(`skipped: the tests that need ${bin} (it is not installed: ${install})\n`);
    return undefined;
  }
}
