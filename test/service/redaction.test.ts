// Redaction derived from the fields the specs mark secret: a sink credential given in the config
// file's `options` (not the URL) reaches the destination, and appears in no output: not the log (the
// destination refuses and its error is logged), not GET /api/sinks, /metrics or `dtc sink list`, and
// not the database files. A real service, real HTTP destinations on loopback, the real `dtc` binary.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { type Service, startService } from '../../src/service/service.ts';
import { waitFor } from '../deliver/helpers.ts';
import { runDtc } from '../helpers/dtc.ts';

const ES_KEY = 'es-4p1-k3y-never-shown';
const HEC_TOKEN = 'hec-t0k3n-never-shown';
const DEMO_PRIVATE = 'demo-private-token';

let svc: Service;
let dest: Server;
let dir: string;
const log: string[] = [];
const seen: string[] = [];

function capture(): ServiceLogger {
  const at = (level: string) => (msg: string, data?: Record<string, unknown>) =>
    void log.push(`${level} ${msg} ${data ? JSON.stringify(data) : ''}`);
  const l: ServiceLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => l,
  };
  return l;
}

beforeAll(async () => {
  // Both destinations refuse, echoing what they were sent: the sinks log and record the error.
  dest = createServer((req, res) => {
    seen.push(String(req.headers.authorization ?? ''));
    req.resume();
    req.on('end', () =>
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `unavailable for ${req.headers.authorization}` })),
    );
  });
  await new Promise<void>((r) => dest.listen(0, '127.0.0.1', r));
  const port = (dest.address() as { port: number }).port;
  dir = mkdtempSync(join(tmpdir(), 'dtc-redact-'));
  const config = join(dir, 'dtc.yaml');
  writeFileSync(
    config,
    [
      'sinks:',
      '  - name: es',
      '    format: ecs',
      `    url: elasticsearch://127.0.0.1:${port}/darktrace`,
      '    options: { apiKey: "${ES_KEY}" }',
      '    retry: { initialBackoffSeconds: 0.05, maxBackoffSeconds: 0.2 }',
      '  - name: hec',
      '    format: json',
      `    url: splunk://127.0.0.1:${port}`,
      '    options: { token: "${HEC_TOKEN}" }',
      '    retry: { initialBackoffSeconds: 0.05, maxBackoffSeconds: 0.2 }',
      '',
    ].join('\n'),
  );
  svc = await startService({
    dataDir: join(dir, 'data'),
    port: 0,
    configFile: config,
    log: capture(),
    demoPollSeconds: 1,
    env: { DTC_SECRET_KEY: 'e'.repeat(64), ES_KEY, HEC_TOKEN },
  });
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await new Promise((r) => dest?.close(r));
});

describe('a field marked secret', () => {
  it('reaches the destination and appears in no output', async () => {
    const key = readFileSync(svc.bootstrap!.keyFile, 'utf8').trim();
    const get = async (path: string) =>
      (await fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).text();
    // Both sinks tried, failed and said so.
    const sinks = await waitFor(async () => {
      const s = JSON.parse(await get('/api/sinks'));
      const list = (s.items ?? s) as { name: string; lastError: string | null }[];
      return list.filter((x) => x.name === 'es' || x.name === 'hec').every((x) => x.lastError)
        ? s
        : undefined;
    }, 30_000);
    expect(seen.some((a) => a.includes(ES_KEY))).toBe(true);
    expect(seen.some((a) => a.includes(HEC_TOKEN))).toBe(true);
    const cli = await runDtc(['sink', 'list', '--data-dir', join(dir, 'data'), '-o', 'json']);
    expect(cli.code, cli.err).toBe(0);
    expect(JSON.parse(cli.out).map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['es', 'hec']),
    );
    const outputs: Record<string, string> = {
      log: log.join('\n'),
      'GET /api/sinks': JSON.stringify(sinks),
      'GET /api/instances': await get('/api/instances'),
      'GET /metrics': await get('/metrics'),
      'dtc sink list': cli.out + cli.err,
      database: ['dtc.sqlite', 'dtc.sqlite-wal']
        .map((f) => {
          try {
            return readFileSync(join(dir, 'data', f), 'latin1');
          } catch {
            return '';
          }
        })
        .join(''),
    };
    expect(outputs.log).toMatch(/sink\[es\]: delivery failed/);
    for (const [where, text] of Object.entries(outputs)) {
      expect(text, where).not.toContain(ES_KEY);
      expect(text, where).not.toContain(HEC_TOKEN);
      expect(text, where).not.toContain(DEMO_PRIVATE);
    }
  }, 60_000);
});
