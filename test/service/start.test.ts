// `dtc start` as a newcomer runs it: a real process, the embedded simulated demo, the HTTP API, a clean
// SIGTERM, a restart where it stopped, and a bad config refused with the field named.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStore } from '../../src/store/index.ts';

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn('node', ['bin/dtc.js', 'start', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true', ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const apiUrl = async (): Promise<string> => {
    for (let i = 0; i < 300; i++) {
      const m = /API:\s+(http:\/\/\S+)/.exec(err);
      if (m) return m[1];
      if (child.exitCode !== null) throw new Error(`dtc start exited: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`dtc start printed no API address: ${err}`);
  };
  return { child, exited, apiUrl, out: () => out, err: () => err };
}

async function waitFor<T>(f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The API key a first start wrote for the bootstrap admin; every API call below sends it.
let apiKey = '';
const useKeyOf = (dataDir: string) => {
  apiKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
};
const api = (url: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { authorization: `Bearer ${apiKey}`, ...(init.headers as object) } });
const getJson = async (url: string) => (await api(url)).json() as Promise<any>;
const stop = (child: ChildProcess) => child.kill('SIGTERM');

describe('dtc start', () => {
  it('runs the simulated demo, serves detections and stops cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dtc-start-'));
    const first = start(['--data-dir', dataDir]);
    const url = await first.apiUrl();
    // A first start makes the admin, with its password and an API key in 0600 files, and says where.
    expect(first.err()).toContain(`password in ${join(dataDir, 'admin-password')}`);
    for (const f of ['admin-password', 'admin-api-key'])
      expect(statSync(join(dataDir, f)).mode & 0o777).toBe(0o600);
    expect((await fetch(`${url}/api/detections`)).status).toBe(401);
    useKeyOf(dataDir);
    expect(first.err()).toMatch(/"demo" is SIMULATED/);
    expect(first.err()).toMatch(/dtc instance add/);
    expect(first.err()).toContain(dataDir);
    // The demo also writes ECS to a file sink a newcomer can tail.
    const ecsFile = join(dataDir, 'detections.ecs.ndjson');
    expect(first.err()).toContain(`tail -f ${ecsFile}`);
    const found = await waitFor(async () => {
      const d = await getJson(`${url}/api/detections?limit=5`);
      return d.total > 0 ? d : undefined;
    });
    expect(found.items[0].instance).toBe('demo');
    const instances = await waitFor(async () => {
      const x = await getJson(`${url}/api/instances`);
      return x[0]?.status?.state === 'ok' ? x : undefined;
    });
    expect(instances[0]).toMatchObject({
      name: 'demo',
      simulated: true,
      status: { state: 'ok', simulated: true },
    });
    expect(JSON.stringify(instances)).not.toContain('demo-private-token');
    const health = await getJson(`${url}/healthz`);
    expect(health.status).toBe('ok');
    const metrics = await (await api(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /dtc_component_received_events_total\{component_kind="source",component_type="darktrace",component_id="demo"\} [1-9]\d*/,
    );
    const detail = await getJson(`${url}/api/detections/${found.items[0].seq}`);
    expect(detail.versions.length).toBeGreaterThanOrEqual(1);
    expect((await api(`${url}/api/detections?severity=9`)).status).toBe(400);
    expect((await api(`${url}/api/detections?from=yesterday`)).status).toBe(400);
    expect(first.out()).toMatch(
      /darktrace\[demo\]: fetched \d+ model breaches, \d+ AI Analyst events, \d+ RESPOND actions, \d+ e-mail alerts \(\d+ new, \d+ updated/,
    );
    expect(first.out() + first.err()).not.toContain('demo-private-token');

    const ecs = await waitFor(async () => {
      const lines = existsSync(ecsFile) ? readFileSync(ecsFile, 'utf8').trim().split('\n') : [];
      return lines.length > 0 && lines[0] ? lines : undefined;
    });
    expect(JSON.parse(ecs[0])).toMatchObject({ ecs: { version: '8.11.0' }, event: { kind: 'alert' } });
    const sinks = await getJson(`${url}/api/sinks`);
    expect(sinks[0]).toMatchObject({ name: 'demo-ecs-file', type: 'file', format: 'ecs' });
    expect(metrics).toMatch(/dtc_sink_offset\{sink="demo-ecs-file"\}/);

    stop(first.child);
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.out()).toMatch(/stopped/);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  }, 90_000);

  it('refuses a bad config file, naming the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtc-badcfg-'));
    const file = join(dir, 'dtc.yaml');
    writeFileSync(
      file,
      'instances:\n  - name: prod\n    url: dt.example.com\n    publicToken: a\n    privateToken: ${DT_PRIV}\n    colour: blue\n',
    );
    const r = start(['--config', file, '--data-dir', dir], { DT_PRIV: 'x' });
    const { code } = await r.exited;
    expect(code).toBe(1);
    expect(r.err()).toMatch(/instances\[0\]: unknown key "colour"/);
    expect(r.err()).toMatch(/instances\[0\]\.url: must be an http\(s\) URL/);
    writeFileSync(file, 'instances:\n  - name: prod\n    url: https://dt.example.com\n    publicToken: a\n');
    const m = start(['--config', file, '--data-dir', dir]);
    expect((await m.exited).code).toBe(1);
    expect(m.err()).toMatch(/instances\[0\]\.privateToken: is required/);
  });

  it('polls a configured real instance instead of the demo', async () => {
    const sim = await startSimulator({
      publicToken: 'cfg-pub',
      privateToken: 'cfg-priv',
      history: { count: 100, days: 1 },
    });
    const dir = mkdtempSync(join(tmpdir(), 'dtc-cfg-'));
    const file = join(dir, 'dtc.yaml');
    writeFileSync(
      file,
      `instances:\n  - name: lab\n    url: ${sim.url}\n    publicToken: cfg-pub\n    privateToken: \${LAB_PRIVATE}\n    pollIntervalSeconds: 30\n`,
    );
    const r = start(['--config', file, '--data-dir', dir], { LAB_PRIVATE: 'cfg-priv' });
    try {
      const url = await r.apiUrl();
      useKeyOf(dir);
      const d = await waitFor(async () => {
        const x = await getJson(`${url}/api/detections?instance=lab&limit=1`);
        return x.total > 0 ? x : undefined;
      });
      expect(d.items[0].instance).toBe('lab');
      const instances = await getJson(`${url}/api/instances`);
      expect(instances.map((i: { name: string }) => i.name)).toEqual(['lab']);
      expect(r.err()).not.toMatch(/SIMULATED/);
      const check = await (await api(`${url}/api/instances/lab/test`, { method: 'POST' })).json();
      expect(check).toMatchObject({ ok: true, version: expect.any(String) });
      const lab = await getJson(`${url}/api/instances/lab`);
      expect(lab.connectionChecks[0]).toMatchObject({ ok: true });
      expect(JSON.stringify(lab)).not.toContain('cfg-priv');
      stop(r.child);
      expect((await r.exited).code).toBe(0);

      let store = await openStore({ dataDir: dir });
      const before = { keys: await store.countKeys(), rows: await store.countDetections() };
      expect(await store.countDetections()).toBe(await store.countKeys());
      await store.close();
      // Restart where it stopped: what was stored is not stored again, and breaches injected while it was
      // down arrive.
      const injected = sim.injectBreach();
      await new Promise((res) => setTimeout(res, 5));
      const again = start(['--config', file, '--data-dir', dir], { LAB_PRIVATE: 'cfg-priv' });
      await again.apiUrl();
      await waitFor(async () => (/darktrace\[lab\]: fetched/.test(again.out()) ? true : undefined));
      stop(again.child);
      expect((await again.exited).code).toBe(0);
      store = await openStore({ dataDir: dir });
      expect(await store.getDetection(`lab/model_breach/${injected.pbid}`)).toBeDefined();
      expect(await store.countKeys()).toBeGreaterThan(before.keys);
      expect(await store.countDetections()).toBe(await store.countKeys());
      await store.close();
    } finally {
      r.child.kill('SIGKILL');
      await sim.close();
    }
  }, 60_000);
});

describe('one service per data directory', () => {
  it('refuses a second start on the same data directory before delivering anything, and survives kill -9', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dtc-lock-'));
    const first = start(['--data-dir', dataDir]);
    await first.apiUrl();
    const sinkFile = join(mkdtempSync(join(tmpdir(), 'dtc-lock-sink-')), 'second.ndjson');
    try {
      const second = start(['--data-dir', dataDir, '--sink', `ecs:file://${sinkFile}`]);
      const { code } = await second.exited;
      expect(code).toBe(1);
      expect(second.err()).toContain(
        `the data directory ${dataDir} is in use by dtc process ${first.child.pid}`,
      );
      expect(second.err()).toMatch(/another --data-dir/);
      expect(existsSync(sinkFile)).toBe(false);
      // The lock is the kernel's: a killed holder leaves nothing stale behind.
      first.child.kill('SIGKILL');
      await first.exited;
      const third = start(['--data-dir', dataDir]);
      await third.apiUrl();
      stop(third.child);
      expect((await third.exited).code).toBe(0);
      expect(existsSync(join(dataDir, 'dtc.pid'))).toBe(false);
    } finally {
      first.child.kill('SIGKILL');
    }
  }, 60_000);

  it('checks its ports before any sink runs, naming the taken one', async () => {
    const { createServer } = await import('node:net');
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'dtc-ports-'));
    const sinkFile = join(dataDir, 'out.ndjson');
    try {
      const api = start(['--data-dir', dataDir, '--sink', `ecs:file://${sinkFile}`, '--port', String(taken)]);
      expect((await api.exited).code).toBe(1);
      expect(api.err()).toContain(`the API port 127.0.0.1:${taken} is already in use`);
      const sys = start([
        '--data-dir',
        dataDir,
        '--sink',
        `ecs:file://${sinkFile}`,
        '--syslog-tcp',
        String(taken),
      ]);
      expect((await sys.exited).code).toBe(1);
      expect(sys.err()).toContain(`the syslog TCP port 127.0.0.1:${taken} is already in use`);
      expect(existsSync(sinkFile)).toBe(false);
    } finally {
      holder.close();
    }
  }, 60_000);
});

describe('the API over HTTPS, and beyond loopback', () => {
  it('serves HTTPS with --tls-key/--tls-cert, and refuses plain HTTP beyond loopback unless --insecure-http', async () => {
    const { makeTlsMaterial } = await import('../helpers/tls.ts');
    const tls = makeTlsMaterial();
    const dir = mkdtempSync(join(tmpdir(), 'dtc-https-'));
    writeFileSync(join(dir, 'key.pem'), tls.good.key);
    writeFileSync(join(dir, 'cert.pem'), tls.good.cert);
    const s = start([
      '--data-dir',
      join(dir, 'a'),
      '--tls-key',
      join(dir, 'key.pem'),
      '--tls-cert',
      join(dir, 'cert.pem'),
    ]);
    try {
      const url = await waitFor(async () => /API:\s+(https:\/\/\S+)/.exec(s.err())?.[1]);
      const { Agent, fetch: ufetch } = await import('undici');
      const dispatcher = new Agent({ connect: { ca: tls.caCert } });
      const health = await ufetch(`${url}/healthz`, { dispatcher });
      expect(health.status).toBe(200);
      expect(health.headers.get('strict-transport-security')).toMatch(/max-age/);
      const login = await ufetch(`${url}/api/auth/login`, {
        dispatcher,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          user: 'admin',
          password: readFileSync(join(dir, 'a', 'admin-password'), 'utf8').trim(),
        }),
      });
      expect(login.status).toBe(200);
      // Over TLS the session cookie is Secure.
      expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; .*Secure|Secure; .*HttpOnly/);
    } finally {
      stop(s.child);
      await s.exited;
    }
    const nameless = start(['--data-dir', join(dir, 'b'), '--host', '0.0.0.0']);
    expect((await nameless.exited).code).toBe(1);
    expect(nameless.err()).toMatch(/say which names clients reach it by, with --allowed-hosts/);
    const open = start(['--data-dir', join(dir, 'b'), '--host', '0.0.0.0', '--allowed-hosts', '127.0.0.1']);
    expect((await open.exited).code).toBe(1);
    expect(open.err()).toMatch(
      /the API would listen on 0\.0\.0\.0 without TLS: give --tls-cert and --tls-key/,
    );
    const insecure = start([
      '--data-dir',
      join(dir, 'c'),
      '--host',
      '0.0.0.0',
      '--insecure-http',
      '--allowed-hosts',
      '127.0.0.1',
    ]);
    try {
      await insecure.apiUrl();
      expect(insecure.out() + insecure.err()).toMatch(/plain HTTP \(--insecure-http\)/);
    } finally {
      stop(insecure.child);
      await insecure.exited;
    }
  }, 60_000);
});
