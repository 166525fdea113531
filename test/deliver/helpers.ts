// Shared by the delivery and syslog tests: fixtures as syslog lines,
// temp stores, and waiting.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.ts';
import { fixturesDir } from '../helpers/fixtures.ts';

export const FIXTURES = join(fixturesDir, 'elastic');

export async function tempStore(prefix = 'dtc-deliver-'): Promise<{ store: Store; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { store: await openStore({ dataDir: dir }), dir };
}

/** The fixtures' syslog-framed lines (RFC 5424 and 3164). */
export function fixtureSyslogLines(): string[] {
  return ['ai_analyst_alert', 'model_breach_alert', 'system_status_alert'].flatMap((f) =>
    readFileSync(join(FIXTURES, `${f}-sample_logs-${f}.log`), 'utf8')
      .split('\n')
      .filter((l) => l.trim()),
  );
}

const BREACH = JSON.parse(
  readFileSync(join(FIXTURES, 'model_breach_alert-test-model-breach-alert.log'), 'utf8').split('\n')[0],
);

/** A distinct model breach (pbid n) as an RFC 5424 line from `host`. */
export function breachLine(n: number, host = 'dt-lab', score = 0.9): string {
  const b = {
    ...BREACH,
    pbid: n,
    score,
    time: 1_700_000_000_000 + n * 1000,
    creationTime: 1_700_000_000_000 + n * 1000,
  };
  return `<165>1 2026-11-23T10:00:00Z ${host} darktrace - - - ${JSON.stringify(b)}`;
}

export async function waitFor<T>(
  f: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(f)
      .catch(() => undefined);
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
