// At least once, as an operator lives it: `dtc start` (a real child process) receives syslog and
// delivers to a webhook that refuses batches for a while and then answers slowly; the service is
// SIGKILLed mid-delivery and restarted: every stored detection reaches the sink at least once, batches
// arrive in sequence order, `dtc sink list` shows offset and lag, `dtc sink reset` replays, and SIGTERM
// finishes the batch in flight before exiting.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { breachLine, waitFor } from './helpers.ts';

const run = promisify(execFile);
const N = 600;

interface Hook {
  server: Server;
  port: number;
  batches: string[][];
  refuse: number;
  delayMs: number;
  inFlight: number;
}

function startHook(): Promise<Hook> {
  const h: Hook = { server: undefined as never, port: 0, batches: [], refuse: 0, delayMs: 0, inFlight: 0 };
  h.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (h.refuse > 0) {
        h.refuse--;
        res.writeHead(503).end('not now');
        return;
      }
      h.inFlight++;
      setTimeout(() => {
        h.inFlight--;
        h.batches.push((JSON.parse(body) as { uid: string }[]).map((d) => d.uid));
        res.end('ok');
      }, h.delayMs);
    });
  });
  return new Promise((resolve) =>
    h.server.listen(0, '127.0.0.1', () => {
      const a = h.server.address();
      h.port = typeof a === 'object' && a ? a.port : 0;
      resolve(h);
    }),
  );
}

function dtcStart(config: string, dataDir: string) {
  const child = spawn(
    'node',
    ['bin/dtc.js', 'start', '--port', '0', '--no-demo', '--config', config, '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    },
  );
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  child.stdout!.resume();
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
  return { child, exited, syslogPort, err: () => err };
}

const dtc = (args: string[]) => run('node', ['bin/dtc.js', ...args], { env: { ...process.env, CI: 'true' } });

function push(port: number, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end(lines.map((l) => `${l}\n`).join('')));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

describe('at-least-once delivery through dtc start', () => {
  let hook: Hook;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    hook = await startHook();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await new Promise<void>((r) => hook.server.close(() => r()));
  });

  it('survives refusals and SIGKILL, replays on reset, and SIGTERM finishes the batch in flight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtc-crash-'));
    const config = join(dir, 'dtc.yaml');
    writeFileSync(
      config,
      [
        'syslog:',
        '  tcpPort: 0',
        'sinks:',
        '  - name: hook',
        '    format: json',
        `    url: http://127.0.0.1:${hook.port}/hook`,
        '    batchSize: 25',
        '    retry: { initialBackoffSeconds: 0.05, maxBackoffSeconds: 0.2 }',
        '',
      ].join('\n'),
    );
    hook.refuse = 4;
    hook.delayMs = 40;
    const first = dtcStart(config, dir);
    children.push(first.child);
    await push(
      await first.syslogPort(),
      Array.from({ length: N }, (_, i) => breachLine(i + 1, 'dt-crash')),
    );
    // Kill it once some batches are through, with more to go.
    await waitFor(() => hook.batches.length >= 5, 20_000, 'first deliveries');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const beforeRestart = hook.batches.flat().length;
    expect(beforeRestart).toBeLessThan(N);

    let store = await openStore({ dataDir: dir });
    const rows = await store.readLog(0, 10_000);
    const offsetAtKill = await store.sinkOffsets.get('hook');
    expect((await store.sinkOffsets.status('hook'))?.lastError).toMatch(/503: not now/);
    await store.close();
    expect(rows).toHaveLength(N);
    const seqOf = new Map(rows.map((r) => [r.key, r.seq]));

    const second = dtcStart(config, dir);
    children.push(second.child);
    await second.syslogPort();
    await waitFor(() => new Set(hook.batches.flat()).size === N, 30_000, 'every detection delivered');
    // Every stored detection at least once; each batch ascending; first arrivals in sequence order.
    const all = hook.batches.flat();
    expect(new Set(all)).toEqual(new Set(rows.map((r) => r.key)));
    for (const b of hook.batches) {
      const s = b.map((k) => seqOf.get(k)!);
      expect(s).toEqual([...s].sort((a, c) => a - c));
    }
    const firsts = [...new Set(all)].map((k) => seqOf.get(k)!);
    expect(firsts).toEqual([...firsts].sort((a, c) => a - c));
    // Whatever was re-sent starts right after the offset saved before the kill.
    const resent = all.length - N;
    expect(resent).toBeGreaterThanOrEqual(0);
    expect(seqOf.get(hook.batches.flat()[beforeRestart])).toBe(offsetAtKill + 1);

    // SIGTERM with a batch in flight: it completes and its offset is saved before exit.
    await waitFor(async () => {
      const list = await dtc(['sink', 'list', '--data-dir', dir, '--json']);
      const s = JSON.parse(list.stdout)[0];
      return s.offset === N && s.lag === 0 ? s : undefined;
    });
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    // Replay: reset to 0 while stopped, start again, and every detection arrives a second time.
    const r = await dtc(['sink', 'reset', 'hook', '--to', '0', '--data-dir', dir]);
    expect(r.stdout).toMatch(/offset 600 → 0/);
    const count = hook.batches.flat().length;
    hook.delayMs = 300;
    const third = dtcStart(config, dir);
    children.push(third.child);
    await third.syslogPort();
    await waitFor(() => hook.inFlight > 0 && hook.batches.flat().length > count, 20_000, 'replay under way');
    await waitFor(() => hook.inFlight > 0, 5000, 'a batch in flight');
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
    await waitFor(() => hook.inFlight === 0);
    const replayed = hook.batches.flat().slice(count);
    store = await openStore({ dataDir: dir });
    try {
      // The batch that was in flight at SIGTERM was accepted and its offset saved.
      expect(await store.sinkOffsets.get('hook')).toBe(seqOf.get(replayed[replayed.length - 1]));
      expect(replayed.map((k) => seqOf.get(k))).toEqual(rows.slice(0, replayed.length).map((x) => x.seq));
    } finally {
      await store.close();
    }
    // Reset by time: an hour ago is before everything, so everything replays.
    const byTime = await dtc(['sink', 'reset', 'hook', '--to', '1h', '--data-dir', dir]);
    expect(byTime.stdout).toMatch(/→ 0 /);
    await expect(dtc(['sink', 'reset', 'nope', '--to', '0', '--data-dir', dir])).rejects.toThrow(
      /no sink named "nope"/,
    );
  }, 60_000);
});
