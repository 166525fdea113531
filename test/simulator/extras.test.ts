// The `dtc simulator` command, HTTPS, Unified View answers, saasfilter and the DELETE 502 quirk.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDtapiDate, signature } from '../../src/darktrace/signing.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { call, control, PRIV, PUB } from './helpers.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'dtc-sim-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dtc simulator', () => {
  it('prints its URL when ready and answers signed requests', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'bin/dtc.js'),
        'simulator',
        '--port',
        '0',
        '--public-token',
        PUB,
        '--private-token',
        PRIV,
        '--history',
        '100',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b) => {
          out += String(b);
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
        setTimeout(() => reject(new Error('no URL printed')), 15_000);
      });
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      expect(url).toBeDefined();
      const a = await call(url!, { url: '/status' });
      expect(a.status).toBe(200);
      expect(a.json().version).toBeTypeOf('string');
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);

  it('refuses empty tokens with a clear message', () => {
    let err = '';
    try {
      execFileSync(
        process.execPath,
        [path.join(repoRoot, 'bin/dtc.js'), 'simulator', '--public-token', '', '--private-token', 'x'],
        {
          stdio: 'pipe',
        },
      );
    } catch (e) {
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(err).toMatch(/must not be empty/);
  });
});

describe('options', () => {
  it('serves HTTPS with the given certificate', async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const sim = await startSimulator({
      publicToken: PUB,
      privateToken: PRIV,
      history: { count: 20, days: 1 },
      tls: { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
    });
    try {
      expect(sim.url.startsWith('https://')).toBe(true);
      const date = formatDtapiDate(new Date());
      const r = await request(`${sim.url}/status`, {
        dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
        headers: {
          'DTAPI-Token': PUB,
          'DTAPI-Date': date,
          'DTAPI-Signature': signature({ target: '/status', publicToken: PUB, privateToken: PRIV, date }),
        },
      });
      expect(r.statusCode).toBe(200);
      await r.body.json();
    } finally {
      await sim.close();
    }
  });

  it('answers acknowledgements as a Unified View master, filters SaaS, and can fail DELETEs after applying them', async () => {
    const sim = await startSimulator({
      publicToken: PUB,
      privateToken: PRIV,
      unifiedView: true,
      history: { count: 800, days: 3 },
    });
    try {
      const [b] = (await call(sim.url, { url: '/modelbreaches?count=1' })).json();
      const ack = await call(sim.url, {
        url: `/modelbreaches/${b.pbid}/acknowledge`,
        method: 'POST',
        body: 'acknowledge=true',
      });
      expect(ack.json()).toEqual([
        {
          replicate: true,
          data: [
            {
              did: b.device.did,
              pid: b.model.then.pid,
              time: Math.floor(b.time / 1000),
              score: expect.any(Number),
            },
          ],
        },
      ]);
      const saas: any[] = (
        await call(sim.url, { url: '/modelbreaches?saasfilter=office365*&includeacknowledged=true' })
      ).json();
      expect(saas.length).toBeGreaterThan(0);
      for (const x of saas) expect(x.device.saasmodule).toBe('Office365');
      const devices: any[] = (await call(sim.url, { url: '/devices' })).json();
      const d = devices.find((x) => x.sid !== -9 && x.did > 0);
      await call(sim.url, { url: '/tags/entities', method: 'POST', body: `did=${d.did}&tag=Temp` });
      await control(sim.url, '/__sim/faults', { deleteBadGatewayRate: 1 });
      const del = await call(sim.url, { url: `/tags/entities?did=${d.did}&tag=Temp`, method: 'DELETE' });
      expect(del.status).toBe(502);
      const tags: any[] = (await call(sim.url, { url: `/tags/entities?did=${d.did}` })).json();
      expect(tags.some((t) => t.name === 'Temp')).toBe(false);
    } finally {
      await sim.close();
    }
  });
});

describe('control API', () => {
  // Needs a non-loopback address on this machine to come from; skipped where there is none.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  it.skipIf(!external)('refuses requests that do not come from loopback', async () => {
    const sim = await startSimulator({
      publicToken: PUB,
      privateToken: PRIV,
      host: '0.0.0.0',
      history: { count: 10, days: 1 },
    });
    try {
      const r = await request(`http://${external}:${sim.port}/__sim/state`);
      expect(r.statusCode).toBe(403);
      await r.body.text();
      const local = await request(`http://127.0.0.1:${sim.port}/__sim/state`);
      expect(local.statusCode).toBe(200);
      await local.body.text();
    } finally {
      await sim.close();
    }
  });
});
