// Syslog connection limits over real sockets: idle connections are closed (a partial last line is still
// stored), connections beyond the cap from unbound senders are refused and counted while bound senders
// still get in, and 20,000 idle connections leave the service's HTTP API answering.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { type SyslogReceiver, startSyslogReceiver } from '../../src/collect/syslog.ts';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { startService } from '../../src/service/service.ts';
import { breachLine, tempStore, waitFor } from '../deliver/helpers.ts';

/** The bootstrap admin's API key, as a first start wrote it. */
const authOf = (svc: { bootstrap?: { keyFile: string } }) => ({
  headers: { authorization: `Bearer ${readFileSync(svc.bootstrap!.keyFile, 'utf8').trim()}` },
});

const metric = async (r: Registry, name: string, labels: Record<string, string>) => {
  const m = (await r.getSingleMetric(name)?.get())?.values ?? [];
  return m.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
};

/** Opens a connection (from `localAddress`) and resolves once connected; `closed` says when it ends. */
function open(port: number, localAddress = '127.0.0.1') {
  const s = connect({ host: '127.0.0.1', port, localAddress });
  s.on('error', () => {});
  // s.closed is true once 'close' was emitted.
  return new Promise<Socket>((resolve) => s.once('connect', () => resolve(s)));
}

describe('syslog connection limits', () => {
  const receivers: SyslogReceiver[] = [];
  afterAll(async () => {
    for (const r of receivers) await r.close();
  });

  it('closes idle connections, storing a partial last line, and counts them', async () => {
    const { store } = await tempStore('dtc-idle-');
    const registry = new Registry();
    const rx = await startSyslogReceiver({
      store,
      registry,
      listeners: [{ protocol: 'tcp', port: 0 }],
      idleTimeoutMs: 600,
    });
    receivers.push(rx);
    const port = rx.listeners[0].port;
    const silent = await Promise.all(Array.from({ length: 5 }, () => open(port)));
    const partial = await open(port);
    partial.write(breachLine(1)); // no LF: the line ends when the connection does
    const busy = await open(port);
    const keepBusy = setInterval(() => busy.write(`${breachLine(2)}\n`), 150);
    try {
      await waitFor(
        () => ([...silent, partial].every((s) => s.closed) ? true : undefined),
        5000,
        'idle closed',
      );
      expect(busy.closed).toBe(false); // sending: not idle
      await waitFor(
        async () => ((await store.getDetection('syslog:dt-lab/model_breach/1')) ? true : undefined),
        5000,
        'partial stored',
      );
      await waitFor(
        async () =>
          (await metric(registry, 'dtc_syslog_connections_total', { outcome: 'idle_closed' })) === 6
            ? true
            : undefined,
        5000,
        'idle counted',
      );
      expect(await metric(registry, 'dtc_syslog_connections_total', { outcome: 'accepted' })).toBe(7);
    } finally {
      clearInterval(keepBusy);
      busy.destroy();
    }
  });

  it('refuses unbound senders beyond the cap and counts them; bound senders still get in', async () => {
    const { store } = await tempStore('dtc-cap-');
    const registry = new Registry();
    const warnings: string[] = [];
    const rx = await startSyslogReceiver({
      store,
      registry,
      listeners: [{ protocol: 'tcp', port: 0 }],
      maxConnections: 50,
      instanceMap: { '127.0.0.2': 'prod' },
      log: { warn: (m) => warnings.push(m) },
    });
    receivers.push(rx);
    const port = rx.listeners[0].port;
    const strangers: Socket[] = [];
    for (let i = 0; i < 60; i++) strangers.push(await open(port));
    await waitFor(
      () => (strangers.filter((s) => s.closed).length === 10 ? true : undefined),
      5000,
      'refused',
    );
    expect(strangers.slice(0, 50).every((s) => !s.closed)).toBe(true);
    const appliance = await open(port, '127.0.0.2');
    appliance.end(`${breachLine(9, 'dt-prod')}\n`);
    await waitFor(
      async () => ((await store.getDetection('prod/model_breach/9')) ? true : undefined),
      5000,
      'bound sender stored',
    );
    await waitFor(
      async () =>
        (await metric(registry, 'dtc_syslog_connections_total', { outcome: 'refused' })) === 10
          ? true
          : undefined,
      5000,
      'refusals counted',
    );
    expect(
      warnings.filter((w) => /refused a connection from 127\.0\.0\.1:\d+: 50 connections/.test(w)),
    ).toHaveLength(1);
    for (const s of strangers) s.destroy();
  });

  it('keeps the HTTP API answering with 20,000 idle syslog connections', async () => {
    const dir = (await tempStore('dtc-fds-')).dir;
    const log: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => log };
    const svc = await startService({
      dataDir: join(dir, 'svc'),
      port: 0,
      demo: false,
      log,
      env: { DTC_SECRET_KEY: 'b'.repeat(64) },
      syslog: { tcpPort: 0 },
    });
    const port = svc.syslog!.listeners[0].port;
    // The clients live in two other processes, 10,000 connections each, so that no process (this one
    // included) needs more descriptors than the machine's limit of 20,000 allows.
    const want = 20_000;
    const perChild = want / 2;
    const script = `
      const net = require('node:net');
      const limit = Number(require('node:child_process').execSync('ulimit -n', { shell: '/bin/sh' }).toString());
      const n = Math.min(${perChild}, limit - 100);
      let connected = 0, closed = 0, failed = 0, i = 0, live = 0;
      const socks = [];
      const next = () => {
        while (live < 400 && i < n) {
          i++; live++;
          const s = net.connect({ host: '127.0.0.1', port: ${port} });
          socks.push(s);
          let done = false;
          const settle = () => { if (!done) { done = true; live--; next(); } };
          s.on('connect', () => { connected++; settle(); });
          s.on('error', () => { failed++; settle(); });
          s.on('close', () => { closed++; settle(); });
        }
      };
      // Every 250 ms once every attempt has settled: refusals keep arriving as closes for a while.
      setInterval(() => {
        if (i === n && live === 0) process.stdout.write(JSON.stringify({ limit, n, connected, failed, closed }) + '\\n');
      }, 250);
      next();`;
    type Report = { limit: number; n: number; connected: number; failed: number; closed: number };
    const children = [0, 1].map(() => {
      const child = spawn('sh', ['-c', 'ulimit -n 25000 2>/dev/null; exec node -e "$0"', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const state: { out: string; report?: Report } = { out: '' };
      child.stdout!.on('data', (d) => {
        state.out += d;
        const lines = state.out.split('\n').filter(Boolean);
        if (lines.length) state.report = JSON.parse(lines.at(-1)!);
      });
      return { child, state };
    });
    try {
      const slowest: number[] = [];
      // The API answers throughout the storm.
      while (!children.every((c) => c.state.report)) {
        const t = Date.now();
        const r = await fetch(`${svc.url}/healthz`);
        expect(r.status).toBe(200);
        await r.json();
        slowest.push(Date.now() - t);
        if (children.some((c) => c.child.exitCode !== null)) throw new Error('a client process exited');
        await new Promise((r) => setTimeout(r, 100));
      }
      // Refusals keep arriving at the clients as closes for a while after the last connect, more slowly
      // on a loaded machine: read the clients' counts once they have stopped changing for 1.5 s (and
      // the service's metrics, which it counts once a second, after that).
      const lastReports = () =>
        children.map((c) => JSON.parse(c.state.out.trim().split('\n').at(-1)!) as Report);
      const closedNow = () => lastReports().reduce((sum, r) => sum + r.closed, 0);
      for (let before = -1, deadline = Date.now() + 60_000; Date.now() < deadline; ) {
        const now = closedNow();
        if (now === before) break;
        before = now;
        await new Promise((r) => setTimeout(r, 1500));
      }
      await new Promise((r) => setTimeout(r, 1100));
      const reports = lastReports();
      const final = reports.reduce((a, r) => ({
        limit: Math.min(a.limit, r.limit),
        n: a.n + r.n,
        connected: a.connected + r.connected,
        failed: a.failed + r.failed,
        closed: a.closed + r.closed,
      }));
      const metrics = await (await fetch(`${svc.url}/metrics`, authOf(svc))).text();
      const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? Number.NaN);
      const refused = value(/^dtc_syslog_connections_total\{listener="tcp",outcome="refused"\} (\d+)/m);
      const openNow = value(/^dtc_syslog_open_connections\{listener="tcp"\} (\d+)/m);
      const fds = readdirSync('/proc/self/fd').length;
      const held = final.connected - final.closed;
      process.stderr.write(
        `idle connections: ${final.n} opened from 2 processes (fd limit ${final.limit} each), ` +
          `${held} held by the service (cap 1000), ${refused} refused; this process has ${fds} descriptors open; ` +
          `slowest /healthz ${Math.max(...slowest)} ms over ${slowest.length} requests\n`,
      );
      expect(final.n).toBe(want);
      expect(final.connected + final.failed).toBeGreaterThanOrEqual(final.n);
      expect(openNow).toBeLessThanOrEqual(1000);
      expect(held).toBeLessThanOrEqual(1000);
      expect(refused).toBeGreaterThanOrEqual(final.connected - 1000);
      expect(fds).toBeLessThan(5000);
      const t = Date.now();
      expect((await fetch(`${svc.url}/api/detections?limit=1`, authOf(svc))).status).toBe(200);
      expect(Date.now() - t).toBeLessThan(2000);
    } finally {
      for (const c of children) c.child.kill('SIGKILL');
      await svc.stop();
    }
  }, 180_000);
});
