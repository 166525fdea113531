// The metric contract: every component the service runs (the demo instance's poller, the syslog
// receiver, each sink) shows the same dtc_component_* series on /metrics, labelled with its kind, type
// and id, and the counts move when data flows through it. A real service, a real syslog sender over
// TCP, a real webhook server and a file sink.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT, ERROR_TYPES, REASONS, registeredComponents } from '../../src/metrics/index.ts';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { DEMO_INSTANCE, DEMO_SINK, type Service, startService } from '../../src/service/service.ts';
import { breachLine, waitFor } from '../deliver/helpers.ts';

const quiet: ServiceLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
let svc: Service;
let hook: Server;
let key: string;

beforeAll(async () => {
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('{}'));
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'dtc-contract-'));
  svc = await startService({
    dataDir: join(dir, 'data'),
    port: 0,
    log: quiet,
    demoPollSeconds: 1,
    env: { DTC_SECRET_KEY: 'c'.repeat(64) },
    syslog: { tcpPort: 0 },
    sinks: [
      { name: 'archive', format: 'json', url: pathToFileURL(join(dir, 'out.ndjson')).href },
      {
        name: 'hook',
        format: 'ocsf',
        url: `http://127.0.0.1:${(hook.address() as { port: number }).port}/in`,
      },
    ],
  });
  key = readFileSync(svc.bootstrap!.keyFile, 'utf8').trim();
}, 60_000);

afterAll(async () => {
  await svc?.stop();
  await new Promise((r) => hook?.close(r));
});

type Sample = { name: string; labels: Record<string, string>; value: number };

async function scrape(): Promise<Sample[]> {
  const text = await (
    await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })
  ).text();
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^(dtc_component_\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

const value = (samples: Sample[], name: string, id: string, extra: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && s.labels.component_id === id)
    .filter((s) => Object.entries(extra).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);

describe('the metric contract', () => {
  const expected = [
    { kind: 'source', type: 'darktrace', id: DEMO_INSTANCE },
    { kind: 'source', type: 'syslog', id: 'syslog' },
    { kind: 'sink', type: 'file', id: 'archive' },
    { kind: 'sink', type: 'webhook', id: 'hook' },
    { kind: 'sink', type: 'file', id: DEMO_SINK },
  ];

  it('registers every source and sink the service runs, and nothing else', async () => {
    const key = (c: { kind: string; id: string }) => `${c.kind}/${c.id}`;
    expect(registeredComponents(svc.metrics.registry).map(key).sort()).toEqual(expected.map(key).sort());
    const seen = new Set((await scrape()).map((s) => `${s.labels.component_kind}/${s.labels.component_id}`));
    expect([...seen].sort()).toEqual(expected.map(key).sort());
  });

  it('shows each contract metric for each component, with exactly the contract labels', async () => {
    const samples = await scrape();
    for (const c of expected) {
      for (const [field, def] of Object.entries(CONTRACT)) {
        const mine = samples.filter((s) => s.name === def.name && s.labels.component_id === c.id);
        const extra = 'extra' in def ? def.extra : undefined;
        const want =
          extra === 'reason'
            ? REASONS[c.kind as 'source']
            : extra
              ? ERROR_TYPES[c.kind as 'source']
              : [undefined];
        expect(mine.length, `${def.name} (${field}) for ${c.kind} ${c.id}`).toBe(want.length);
        for (const s of mine) {
          expect(s.labels).toMatchObject({
            component_kind: c.kind,
            component_type: c.type,
            component_id: c.id,
          });
          expect(Object.keys(s.labels).sort()).toEqual(
            ['component_id', 'component_kind', 'component_type', ...(extra ? [extra] : [])].sort(),
          );
        }
        if (extra) expect(mine.map((s) => s.labels[extra]).sort()).toEqual([...want].sort());
      }
    }
  });

  it('counts what flows: received and sent events and bytes, for sources and sinks alike', async () => {
    const line = breachLine(424242, 'dt-contract');
    const sock = connect({ host: '127.0.0.1', port: svc.syslog!.listeners[0].port });
    await new Promise<void>((r) => sock.write(`${line}\n`, () => r()));
    sock.end();
    const s = await waitFor(async () => {
      const x = await scrape();
      const flowing = expected.every(
        (c) =>
          value(x, CONTRACT.receivedEvents.name, c.id) > 0 && value(x, CONTRACT.sentEvents.name, c.id) > 0,
      );
      return flowing ? x : undefined;
    }, 30_000);
    expect(value(s, CONTRACT.receivedBytes.name, 'syslog')).toBeGreaterThanOrEqual(Buffer.byteLength(line));
    expect(value(s, CONTRACT.sentBytes.name, 'syslog')).toBeGreaterThanOrEqual(Buffer.byteLength(line));
    for (const c of expected) {
      expect(value(s, CONTRACT.receivedBytes.name, c.id), c.id).toBeGreaterThan(0);
      expect(value(s, CONTRACT.sentBytes.name, c.id), c.id).toBeGreaterThan(0);
      // Nothing is delivered twice, nor stored more often than fetched.
      expect(value(s, CONTRACT.sentEvents.name, c.id)).toBeLessThanOrEqual(
        value(s, CONTRACT.receivedEvents.name, c.id),
      );
    }
  }, 60_000);
});
