// kill -9 of `dtc start` (a real child process) while its file sink is appending: each kill lands as
// soon as the file starts growing, i.e. in the middle of an append of a large batch (Node writes it in
// chunks, so the kill leaves part of it). Every restart cuts the torn tail before appending; at the
// end every line of the file parses and every stored detection is in it at least once.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { breachLine, waitFor } from './helpers.ts';

const run = promisify(execFile);
const env = { ...process.env, CI: 'true' };
const KILLS = 4;
const PER_ROUND = 1500;

function dtcStart(config: string, dataDir: string) {
  const child = spawn(
    'node',
    ['bin/dtc.js', 'start', '--port', '0', '--no-demo', '--config', config, '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let err = '';
  let out = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  child.stdout!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  const syslogPort = () =>
    waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(err);
        const m = /syslog:\s+tcp:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        return m ? Number(m[1]) : undefined;
      },
      20_000,
      'dtc start banner',
    );
  /** The service's log (JSON lines on stdout). */
  return { child, exited, syslogPort, log: () => out };
}

function push(port: number, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end(lines.map((l) => `${l}\n`).join('')));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

const sizeOf = (p: string) => (existsSync(p) ? statSync(p).size : 0);
/** Polls as often as the event loop allows (a timer's 1 ms would often miss a whole append). */
async function untilGrows(p: string, size: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (sizeOf(p) <= size) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${p} to grow`);
    await new Promise((r) => setImmediate(r));
  }
}

const endsTorn = (p: string) => {
  const b = readFileSync(p);
  return b.length > 0 && b[b.length - 1] !== 0x0a;
};

describe('file sink across kill -9', () => {
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('never leaves a line that does not parse, and loses nothing', async () => {
    const dir = join(tmpdir(), `dtc-file-crash-${process.pid}-${Date.now()}`);
    mkdirSync(dir);
    const out = join(dir, 'out.ndjson');
    const config = join(dir, 'dtc.yaml');
    writeFileSync(
      config,
      [
        'syslog:',
        '  tcpPort: 0',
        'sinks:',
        '  - name: file',
        '    format: json',
        `    url: file://${out}`,
        '    batchSize: 2000',
        '',
      ].join('\n'),
    );
    let torn = 0;
    let cut = 0;
    for (let round = 0; round < KILLS; round++) {
      const d = dtcStart(config, dir);
      children.push(d.child);
      const port = await d.syslogPort();
      const size = sizeOf(out);
      await push(
        port,
        Array.from({ length: PER_ROUND }, (_, i) => breachLine(round * PER_ROUND + i + 1, 'dt-tear')),
      );
      // Kill the moment the file grows: an append is under way.
      await untilGrows(out, size, 30_000);
      d.child.kill('SIGKILL');
      expect((await d.exited).signal).toBe('SIGKILL');
      if (endsTorn(out)) torn++;
      if (/cut a torn last line/.test(d.log())) cut++;
    }
    // The last start delivers the rest and stops cleanly.
    const last = dtcStart(config, dir);
    children.push(last.child);
    await last.syslogPort();
    await waitFor(
      async () => {
        const list = await run('node', ['bin/dtc.js', 'sink', 'list', '--data-dir', dir, '--json'], { env });
        const s = JSON.parse(list.stdout)[0];
        return s.offset > 0 && s.lag === 0 ? s : undefined;
      },
      60_000,
      'the sink to catch up',
    );
    last.child.kill('SIGTERM');
    expect((await last.exited).code).toBe(0);
    if (/cut a torn last line/.test(last.log())) cut++;
    console.log(`file sink: ${KILLS} kills, ${torn} left a torn tail, ${cut} restarts cut one`);

    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const uids = text
      .slice(0, -1)
      .split('\n')
      .map((l, i) => {
        try {
          return (JSON.parse(l) as { uid: string }).uid;
        } catch {
          throw new Error(`line ${i + 1} does not parse: ${l.slice(0, 80)}…`);
        }
      });
    const store = await openStore({ dataDir: dir });
    try {
      const keys = (await store.readLog(0, 100_000, { content: false })).map((r) => r.key);
      // Lines the receiver had read but not stored when killed are syslog's loss, not the sink's: the
      // sink owes exactly what was stored.
      expect(keys.length).toBeGreaterThan(0);
      expect(new Set(uids)).toEqual(new Set(keys));
    } finally {
      await store.close();
    }
    // Each torn tail was cut by the next start (which warned about it).
    expect(cut).toBe(torn);
  }, 180_000);
});
