// The HTTP API's contract: every route declares its access rule and its schemas, the OpenAPI 3.1
// document generated from them is valid, malformed requests get 4xx answers in the one error shape, a
// foreign Host is refused, and a costly search cannot stall the service.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessControl } from '../../src/auth/index.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { type Api, buildApi } from '../../src/server/app.ts';
import { ERRORS } from '../../src/server/errors.ts';
import { CONSOLE_ROUTES } from '../../src/server/routes/console.ts';
import type { Store } from '../../src/store/index.ts';
import { openStore } from '../../src/store/index.ts';
import { det, KEY } from '../store/helpers.ts';

const WORDS = (
  'lateral movement beacon tls smb scan rare external endpoint device admin ransom note dns tunnel ' +
  'upload exfil compromise unusual outbound ssh brute force kerberos ticket ldap query service account ' +
  'anomalous connection port new host credential dump powershell remote execution suspicious domain'
).split(' ');

describe('HTTP API', () => {
  let store: Store;
  let app: Api;
  let base: string;
  let access: AccessControl;
  let key: string;
  // Requests as an admin; the access rules themselves are tested in auth.test.ts.
  const fetch = (url: string, init: RequestInit = {}) =>
    globalThis.fetch(url, {
      ...init,
      headers: { authorization: `Bearer ${key}`, ...(init.headers as object) },
    });

  beforeAll(async () => {
    store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'dtc-api-')), secretKey: KEY, env: {} });
    // 100,000 detections with a varied vocabulary, as the search limits are measured against.
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = () => WORDS[Math.floor(rand() * WORDS.length)];
    for (let b = 0; b < 100; b++) {
      const batch = [];
      for (let i = 0; i < 1000; i++) {
        const n = b * 1000 + i + 1;
        batch.push(
          det(String(n), 'a', {
            title: `${word()} ${word()} ${word()}`,
            description: `${word()} ${word()} ${word()} ${word()} ${word()}`,
            hostnames: [`ws-${n % 500}.corp.local`],
            eventTime: 1_700_000_000_000 + n * 1000,
          }),
        );
      }
      await store.appendDetections(batch);
    }
    access = new AccessControl(store);
    await access.addUser('root', 'root-password-123', 'admin');
    key = (await access.createApiKey({ owner: 'root', name: 'test', role: 'admin' })).key;
    app = buildApi({
      store,
      access,
      collector: { status: () => [] },
      metrics: createMetrics(),
      allowedHosts: ['127.0.0.1', 'localhost'],
    });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('declares an access rule and a response schema on every route', async () => {
    expect(app.routeTable.length).toBeGreaterThan(10);
    const missing = app.routeTable.filter((r) => !r.hasResponseSchema).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
    // A new route without config.access cannot even be registered.
    const bare = buildApi({ store, access, collector: { status: () => [] }, metrics: createMetrics() });
    expect(() => bare.get('/api/unguarded', async () => 'x')).toThrow(/declares no config.access/);
  });

  it('serves an OpenAPI 3.1 document generated from the routes, valid for a real validator', async () => {
    const doc = await (await fetch(`${base}/api/openapi.json`)).json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // Every served, documented route is in the document.
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const served = app.routeTable
      .filter((r) => !r.url.endsWith(':command') && r.url !== '/api/openapi.json')
      // The console's pages and files are not the API (test/console/ covers them).
      .filter((r) => !CONSOLE_ROUTES.includes(r.url))
      .filter((r) => !/commands\/darktrace-/.test(r.url) || documented.has(`${r.method} ${r.url}`));
    const aliases = new Set(
      (await (await fetch(`${base}/api/commands`)).json()).flatMap((c: { aliases: string[] }) => c.aliases),
    );
    const undocumented = served
      .filter((r) => !aliases.has(r.url.split('/').pop()!))
      .filter((r) => !documented.has(`${r.method} ${r.url}`));
    expect(undocumented).toEqual([]);
  });

  it('answers malformed requests with 4xx in the one error shape, never 500', async () => {
    const cases: [string, RequestInit | undefined, number, string][] = [
      ['/api/detections/%25', undefined, 404, 'not_found'],
      ['/api/detections/%E0%A4%A', undefined, 400, 'invalid_request'],
      ['/api/detections?limit=-1', undefined, 400, 'invalid_parameter'],
      ['/api/detections?limit=100000', undefined, 400, 'invalid_parameter'],
      // Found by `npm run fuzz`: a number beyond a double (Infinity once coerced) answered 500.
      ['/api/command-runs?limit=1e309', undefined, 400, 'invalid_parameter'],
      ['/api/detections?limit=1e309', undefined, 400, 'invalid_parameter'],
      ['/api/detections?offset=-1e309', undefined, 400, 'invalid_parameter'],
      ['/api/detections?offset=100000000', undefined, 400, 'invalid_parameter'],
      ['/api/detections?colour=red', undefined, 400, 'invalid_parameter'],
      ['/api/detections?severity=9', undefined, 400, 'invalid_parameter'],
      ['/api/nothing-here', undefined, 404, 'not_found'],
      [
        '/api/instances/lab/commands/acknowledge',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // Balanced, so only the depth guard refuses it (JSON.parse alone would accept it).
          body: `{"breachIds":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
        },
        400,
        'invalid_request',
      ],
      [
        '/api/instances/lab/commands/acknowledge',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"breachIds": [1,' },
        400,
        'invalid_request',
      ],
      [
        '/api/instances/lab/commands/acknowledge',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'breachIds=1' },
        415,
        'unsupported_media_type',
      ],
      [
        '/api/instances/lab/commands/acknowledge',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"breachIds": "x"}' },
        400,
        'invalid_parameter',
      ],
      [
        '/api/instances/lab/commands/no-such-command',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
        404,
        'not_found',
      ],
    ];
    for (const [path, init, status, code] of cases) {
      const r = await fetch(`${base}${path}`, init);
      const body = await r.json();
      expect({ path, status: r.status, code: body.code }).toEqual({ path, status, code });
      expect(body).toMatchObject({ statusCode: status, error: ERRORS[code as keyof typeof ERRORS].error });
      expect(typeof body.message).toBe('string');
    }
    const bad = await (
      await fetch(`${base}/api/instances/lab/commands/acknowledge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"breachIds": "x"}',
      })
    ).json();
    expect(bad.parameter).toBe('breachIds');
  });

  it('refuses a Host it does not answer to (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${base}/api/instances`);
      request(
        { host: u.hostname, port: u.port, path: u.pathname, headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it('answers or refuses a costly search within 1 s while /healthz keeps answering', async () => {
    const timed = async (path: string) => {
      const t0 = performance.now();
      const r = await fetch(`${base}${path}`);
      const body = await r.json();
      return { ms: performance.now() - t0, status: r.status, body };
    };
    const oneLetters = Array.from({ length: 250 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(' ');
    const refused = await timed(`/api/detections?q=${encodeURIComponent(oneLetters)}`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/at most 16 terms/);
    expect(refused.ms).toBeLessThan(1000);
    const short = await timed(`/api/detections?q=${encodeURIComponent('ab c')}`);
    expect(short.body.message).toMatch(/"c" is too short/);
    // The costliest search allowed: 16 two-letter prefixes over 100,000 detections.
    const worst = WORDS.slice(0, 16)
      .map((w) => w.slice(0, 2))
      .join(' ');
    const [search, health] = await Promise.all([
      timed(`/api/detections?q=${encodeURIComponent(worst)}`),
      (async () => {
        await new Promise((r) => setTimeout(r, 5));
        return timed('/healthz');
      })(),
    ]);
    expect(search.status).toBe(200);
    expect(search.ms).toBeLessThan(1000);
    expect(health.status).toBe(200);
    const typical = await timed(`/api/detections?q=lateral&limit=50`);
    expect(typical.body.total).toBeGreaterThan(1000);
    expect(typical.ms).toBeLessThan(1000);
    const alone = await timed('/healthz');
    expect(alone.ms).toBeLessThan(100);
  });

  it('keeps answering with 3,000 half-sent requests open, and closes them when they go quiet', async () => {
    const { connect } = await import('node:net');
    const tight = buildApi({
      store,
      access,
      collector: { status: () => [] },
      metrics: createMetrics(),
      limits: { idleTimeoutMs: 8000, headersTimeoutMs: 8000 },
    });
    const url = await tight.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(url);
    const sockets: import('node:net').Socket[] = [];
    let closed = 0;
    try {
      await Promise.all(
        Array.from(
          { length: 3000 },
          () =>
            new Promise<void>((resolve, reject) => {
              const s = connect({ host: '127.0.0.1', port: Number(port) }, () => {
                // A request line and one header, then nothing: the server waits for the rest.
                s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
                resolve();
              });
              s.on('error', reject);
              s.on('close', () => closed++);
              sockets.push(s);
            }),
        ),
      );
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const r = await globalThis.fetch(`${url}/healthz`);
        expect(r.status).toBe(200);
        await r.json();
        times.push(performance.now() - t0);
      }
      // Answered long before the half-sent requests time out (a loaded CI machine is slow, not stuck).
      expect(Math.max(...times)).toBeLessThan(4000);
      expect(closed).toBe(0);
      // Quiet for the idle timeout: the server closes every one of them.
      const until = Date.now() + 30_000;
      while (closed < 3000 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      expect(closed).toBe(3000);
    } finally {
      for (const s of sockets) s.destroy();
      await tight.close();
    }
  }, 90_000);
});
