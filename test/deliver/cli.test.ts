// The quick start without a config file: `dtc start --syslog-tcp/--syslog-udp/--syslog-tls --sink`,
// as a real child process; lines pushed over TLS and UDP come out of the file sink; `dtc sink list`.
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { runDtc } from '../helpers/dtc.ts';
import { makeTlsMaterial } from '../helpers/tls.ts';
import { breachLine, waitFor } from './helpers.ts';

const run = promisify(execFile);

describe('dtc start --syslog-* --sink', () => {
  it('receives over TLS and UDP and writes ECS to a file sink', async () => {
    const tls = makeTlsMaterial();
    const dir = mkdtempSync(join(tmpdir(), 'dtc-cli-'));
    writeFileSync(join(dir, 'k.pem'), tls.good.key);
    writeFileSync(join(dir, 'c.pem'), tls.good.cert);
    const out = join(dir, 'out', 'dt.ndjson');
    const child = spawn(
      'node',
      [
        'bin/dtc.js',
        'start',
        '--port',
        '0',
        '--no-demo',
        '--data-dir',
        dir,
        '--syslog-udp',
        '0',
        '--syslog-tls',
        '0',
        '--tls-key',
        join(dir, 'k.pem'),
        '--tls-cert',
        join(dir, 'c.pem'),
        '--sink',
        `ecs:file://${out}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true' } },
    );
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
    });
    try {
      const port = (p: string) =>
        waitFor(
          () => {
            const m = new RegExp(`syslog:\\s+${p}://127\\.0\\.0\\.1:(\\d+)`).exec(err);
            return m ? Number(m[1]) : undefined;
          },
          20_000,
          'banner',
        );
      const tlsPort = await port('tls');
      const udpPort = await port('udp');
      expect(err).toMatch(/sink:\s+ecs-file → ecs file:\/\//);
      await new Promise<void>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: tlsPort, ca: tls.caCert }, () =>
          s.end(`${breachLine(1, 'dt-tls')}\n${breachLine(2, 'dt-tls')}\n`),
        );
        s.on('error', reject);
        s.on('close', () => resolve());
      });
      const u = createSocket('udp4');
      await new Promise<void>((r) => u.send(breachLine(3, 'dt-udp'), udpPort, '127.0.0.1', () => r()));
      u.close();
      const lines = await waitFor(
        () => {
          const l = existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean) : [];
          return l.length === 3 ? l.map((x) => JSON.parse(x)) : undefined;
        },
        15_000,
        'three ECS lines',
      );
      // No sender is bound in syslog.instances: each line is kept under syslog:<its hostname>.
      expect(lines.map((l) => [l.observer?.name ?? l.event.provider, l.event.id])).toEqual([
        ['syslog:dt-tls', '1'],
        ['syslog:dt-tls', '2'],
        ['syslog:dt-udp', '3'],
      ]);
      const list = await run('node', ['bin/dtc.js', 'sink', 'list', '--data-dir', dir]);
      expect(JSON.parse(list.stdout)).toEqual([
        expect.objectContaining({ name: 'ecs-file', format: 'ecs', offset: 3, lag: 0, lastError: null }),
      ]);
      const table = await run('node', ['bin/dtc.js', 'sink', 'list', '-o', 'table', '--data-dir', dir]);
      expect(table.stdout).toMatch(/^NAME +TYPE +FORMAT +URL +OFFSET +LAG +LASTERROR +LASTERRORAT$/m);
      expect(table.stdout).toMatch(/^ecs-file +file +ecs +file:\/\/\S+ +3 +0$/m);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 40_000);

  it('names a sink that is no longer declared at start, and `dtc sink remove` forgets it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtc-cli-old-'));
    const store = await openStore({ dataDir: dir, env: {} });
    await store.sinks.set('old-hook', { name: 'old-hook', format: 'json', url: 'https://siem.example/hook' });
    await store.sinkOffsets.set('old-hook', 42);
    await store.close();

    const child = spawn('node', ['bin/dtc.js', 'start', '--port', '0', '--no-demo', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = ''; // logs and the banner, from either stream
    child.stdout!.on('data', (d) => {
      err += d;
    });
    child.stderr!.on('data', (d) => {
      err += d;
    });
    try {
      await waitFor(
        () => /sink \\?"old-hook\\?" is no longer declared/.test(err) || undefined,
        20_000,
        'the notice',
      );
      expect(err).toMatch(/dtc sink remove old-hook/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }

    const removed = await runDtc(['sink', 'remove', 'old-hook', '--data-dir', dir]);
    expect(removed.code).toBe(0);
    expect(removed.out).toMatch(/sink old-hook removed \(it was at offset 42\)/);
    expect((await runDtc(['sink', 'list', '-o', 'table', '--data-dir', dir])).out).toMatch(/no sinks yet/);
    expect(JSON.parse((await runDtc(['sink', 'list', '--data-dir', dir])).out)).toEqual([]);
    const unknown = await runDtc(['sink', 'remove', 'nope', '--data-dir', dir]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/no sink named "nope"/);
  }, 40_000);

  it('refuses --syslog-tls without a key and a --sink without a format, naming the flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtc-cli-bad-'));
    const tryStart = (args: string[]) =>
      run('node', ['bin/dtc.js', 'start', '--port', '0', '--no-demo', '--data-dir', dir, ...args]).then(
        () => '',
        (e: { stderr: string }) => e.stderr,
      );
    expect(await tryStart(['--syslog-tls', '0'])).toMatch(/--syslog-tls needs --tls-key/);
    expect(await tryStart(['--sink', 'file:///tmp/x'])).toMatch(/expected <format>:<destination>/);
    expect(await tryStart(['--sink', 'ecs:kafka://x'])).toMatch(/unknown sink scheme "kafka:\/\/"/);
  }, 30_000);
});
