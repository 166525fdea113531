// The service on a full disk: /healthz and /metrics say the store cannot write and why, the log says so
// once, syslog input is held, a sink waits instead of stopping, and everything resumes when space returns.
import { readFileSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { storeIngest } from '../../src/collect/ingest.ts';
import { InstancePoller } from '../../src/collect/poller.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import type { ServiceLogger } from '../../src/service/logger.ts';
import { startService } from '../../src/service/service.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStore } from '../../src/store/index.ts';
import { breachLine, waitFor } from '../deliver/helpers.ts';
import { fill, mountTmpfs } from '../helpers/tmpfs.ts';

/** The bootstrap admin's API key, as a first start wrote it. */
const authOf = (svc: { bootstrap?: { keyFile: string } }) => ({
  headers: { authorization: `Bearer ${readFileSync(svc.bootstrap!.keyFile, 'utf8').trim()}` },
});

function captureLogger(lines: string[]): ServiceLogger {
  const at = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  const l: ServiceLogger = {
    debug: () => {},
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => l,
  };
  return l;
}

describe('dtc start on a full disk', () => {
  const fs = mountTmpfs('48m', 'the service full-disk test');
  const other = mountTmpfs('16m', 'the service full-disk test (sink)');
  afterAll(async () => {
    fs?.unmount();
    other?.unmount();
  });

  it.skipIf(!fs || !other)(
    'reports the store unwritable in /healthz and /metrics, holds syslog, keeps the sink, and recovers',
    async () => {
      const logs: string[] = [];
      const sinkFile = join(other!.dir, 'out.ndjson');
      const svc = await startService({
        dataDir: join(fs!.dir, 'data'),
        port: 0,
        demo: false,
        log: captureLogger(logs),
        env: { DTC_SECRET_KEY: 'a'.repeat(64) },
        syslog: { tcpPort: 0 },
        sinks: [{ name: 'file', format: 'json', url: pathToFileURL(sinkFile).href }],
      });
      try {
        const health = async () => (await fetch(`${svc.url}/healthz`)).json() as Promise<any>;
        expect((await health()).store).toMatchObject({ writable: true });
        const filler = fill(fs!.dir);
        const N = 3000;
        const port = svc.syslog!.listeners[0].port;
        const sock = connect({ host: '127.0.0.1', port });
        sock.on('error', () => {});
        sock.end(Array.from({ length: N }, (_, i) => `${breachLine(i + 1)}\n`).join(''));

        const h = await waitFor(
          async () => {
            const x = await health();
            return x.store.writable === false ? x : undefined;
          },
          20_000,
          'healthz says unwritable',
        );
        expect(h.status).toBe('degraded');
        expect(h.store).toMatchObject({ writable: false, code: 'disk_full', since: expect.any(Number) });
        expect(h.store.reason).toContain(join(fs!.dir, 'data', 'dtc.sqlite'));
        expect(h.store.reason).toMatch(/free space/);
        const metrics = await (await fetch(`${svc.url}/metrics`, authOf(svc))).text();
        expect(metrics).toMatch(/^dtc_store_writable\{code="disk_full"\} 0$/m);
        expect(logs.filter((l) => l.startsWith('error store: cannot write'))).toHaveLength(1);
        // The API keeps answering reads meanwhile.
        expect((await fetch(`${svc.url}/api/detections?limit=1`, authOf(svc))).status).toBe(200);

        unlinkSync(filler);
        await waitFor(
          async () => ((await svc.store.countKeys()) === N ? true : undefined),
          60_000,
          'every line stored',
        );
        const after = await health();
        expect(after.store).toMatchObject({ writable: true });
        expect(after.store.reason).toBeUndefined();
        expect(after.status).toBe('ok');
        expect(await (await fetch(`${svc.url}/metrics`, authOf(svc))).text()).toMatch(
          /^dtc_store_writable\{code=""\} 1$/m,
        );
        expect(logs.some((l) => l.startsWith('info store: writing again'))).toBe(true);
        // The sink waited out the outage and delivered everything (at least once).
        await waitFor(
          () => {
            const ids = new Set(
              readFileSync(sinkFile, 'utf8')
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l).id ?? JSON.parse(l).key),
            );
            return ids.size >= N ? true : undefined;
          },
          60_000,
          'sink delivered all',
        );
        expect(logs.some((l) => /sink\[file\]: stopped/.test(l))).toBe(false);
        sock.destroy();
      } finally {
        await svc.stop();
      }
    },
    120_000,
  );

  it.skipIf(!fs)(
    'a poll on a full disk fails with the reason, stores nothing half, and the next one catches up',
    async () => {
      const sim = await startSimulator({
        publicToken: 'pub',
        privateToken: 'priv',
        seed: 3,
        history: { count: 2000, days: 1 },
      });
      const store = await openStore({ dataDir: join(fs!.dir, 'poll'), secretKey: Buffer.alloc(32, 2) });
      const client = new DarktraceClient({
        url: sim.url,
        publicToken: 'pub',
        privateToken: 'priv',
        retryBaseMs: 5,
      });
      try {
        const silent = { info: () => {}, warn: () => {}, error: () => {} };
        const poller = new InstancePoller({
          instance: 'lab',
          client,
          ingest: storeIngest(store),
          log: silent,
          lookbackMs: 2 * 86_400_000,
        });
        const filler = fill(fs!.dir);
        const failed = await poller.pollOnce();
        const err = failed.streams.modelbreaches?.error;
        expect(err?.message).toMatch(/the disk holding the database .*poll\/dtc\.sqlite is full.*free space/);
        expect(store.health()).toMatchObject({ writable: false, code: 'disk_full' });
        const partial = await store.countKeys();
        unlinkSync(filler);
        const ok = await poller.pollOnce();
        expect(ok.streams.modelbreaches?.error).toBeUndefined();
        expect(store.health()).toEqual({ writable: true });
        // Everything the appliance has for the look-back is in, once: windows that failed were not marked done.
        const all = await client.modelBreaches.list({
          starttime: Date.now() - 2 * 86_400_000,
          endtime: Date.now(),
          creationtime: true,
          includeacknowledged: true,
        });
        expect(
          (await store.searchDetections({ instance: 'lab', family: 'model_breach', limit: 0 })).total,
        ).toBe(new Set(all.map((b) => b.pbid)).size);
        expect(await store.countKeys()).toBeGreaterThan(partial);
      } finally {
        await client.close();
        await store.close();
        await sim.close();
      }
    },
    120_000,
  );
});
