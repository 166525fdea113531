// The syslog sink against a real syslog-ng (Debian `syslog-ng-core`), started here with a generated
// config on loopback ports: RFC 5424 over TCP (octet counting) and UDP, and CEF bodies parsed by
// syslog-ng (csv-parser on the CEF header, kv-parser on the extension) and written back as JSON.
// Also syslog+tls into our own receiver, so a TLS round trip ends in a store.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRecords } from '../../src/collect/ingest.ts';
import { startSyslogReceiver } from '../../src/collect/syslog.ts';
import { detectionOf, type SinkConfig, SinkWorker } from '../../src/deliver/worker.ts';
import { render } from '../../src/normalize/index.ts';
import { readModel } from '../../src/read/index.ts';
import type { Store } from '../../src/store/index.ts';
import { program } from '../helpers/programs.ts';
import { makeTlsMaterial } from '../helpers/tls.ts';
import { breachLine, tempStore, waitFor } from './helpers.ts';

const syslogNg = program('syslog-ng', 'syslog-ng-core');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

let sng: ChildProcess | undefined;
let dir = '';
const ports = { tcp: 0, cef: 0, udp: 0 };
const out = (n: string) => join(dir, `${n}.json`);
const readJson = (n: string) =>
  existsSync(out(n))
    ? readFileSync(out(n), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

beforeAll(async () => {
  if (!syslogNg) return;
  const bin = syslogNg;
  dir = mkdtempSync(join(tmpdir(), 'dtc-sng-'));
  ports.tcp = await freePort();
  ports.cef = await freePort();
  ports.udp = await freePort();
  const fields =
    '--key HOST --key PROGRAM --key MSGID --key LEVEL --key FACILITY --key ISODATE --key MESSAGE';
  writeFileSync(
    join(dir, 'sng.conf'),
    `@version: 3.35
options { keep-hostname(yes); chain-hostnames(no); log-msg-size(262144); };
source s_tcp { syslog(transport(tcp) ip(127.0.0.1) port(${ports.tcp}) max-connections(10)); };
source s_udp { syslog(transport(udp) ip(127.0.0.1) port(${ports.udp})); };
source s_cef { syslog(transport(tcp) ip(127.0.0.1) port(${ports.cef})); };
parser p_cef {
  csv-parser(columns(".cef.version", ".cef.vendor", ".cef.product", ".cef.product_version", ".cef.signature", ".cef.name", ".cef.severity", ".cef.ext")
             delimiters(chars("|")) flags(escape-backslash, greedy) quote-pairs(""));
  kv-parser(prefix(".cef.ext.") template("\${.cef.ext}"));
};
destination d_tcp { file("${out('tcp')}" template("$(format-json ${fields})\\n")); };
destination d_udp { file("${out('udp')}" template("$(format-json ${fields})\\n")); };
destination d_cef { file("${out('cef')}" template("$(format-json ${fields} --key .cef.* --exclude .cef.ext)\\n")); };
log { source(s_tcp); destination(d_tcp); };
log { source(s_udp); destination(d_udp); };
log { source(s_cef); parser(p_cef); destination(d_cef); };
`,
  );
  let err = '';
  sng = spawn(
    bin,
    [
      '-F',
      '--no-caps',
      '-f',
      join(dir, 'sng.conf'),
      '-R',
      join(dir, 'persist'),
      '-p',
      join(dir, 'pid'),
      '-c',
      join(dir, 'ctl'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  sng.stderr!.on('data', (d) => {
    err += d;
  });
  await waitFor(
    async () => {
      if (sng?.exitCode !== null) throw new Error(`syslog-ng exited: ${err}`);
      return (await canConnect(ports.tcp)) && (await canConnect(ports.cef));
    },
    10_000,
    'syslog-ng listening',
  ).catch((e) => {
    throw new Error(`${e.message}: ${err}`);
  });
}, 20_000);

afterAll(async () => {
  if (sng && sng.exitCode === null) {
    const exited = new Promise((r) => sng!.once('exit', r));
    sng.kill('SIGTERM');
    await exited;
  }
});

const log = { info() {}, warn() {} };
async function deliver(store: Store, cfg: SinkConfig, want: number) {
  const w = new SinkWorker(store, cfg, { log, registry: new Registry() });
  await w.start();
  await waitFor(async () => (await store.sinkOffsets.get(cfg.name)) === want, 10_000, `${cfg.name} offset`);
  await w.stop();
}

async function storeWith(n: number): Promise<Store> {
  const { store } = await tempStore();
  await ingestRecords(
    store,
    undefined,
    'test',
    Array.from({ length: n }, (_, i) => breachLine(i + 1, 'dt-lab', 0.95)),
    'syslog',
  );
  return store;
}

describe.skipIf(!syslogNg)('syslog sink → syslog-ng', () => {
  it('RFC 5424 over TCP (octet counting): header fields and the JSON body come through', async () => {
    const store = await storeWith(20);
    await deliver(store, { name: 'sng', format: 'ecs', url: `syslog+tcp://127.0.0.1:${ports.tcp}` }, 20);
    const got = await waitFor(
      () => (readJson('tcp').length === 20 ? readJson('tcp') : undefined),
      10_000,
      'syslog-ng output',
    );
    const rows = await store.readLog(0, 100);
    got.forEach((m, i) => {
      expect(m).toMatchObject({
        HOST: 'dt-lab',
        PROGRAM: 'darktrace',
        MSGID: 'model_breach',
        FACILITY: 'local4',
      });
      expect(m.LEVEL).toBe(['info', 'info', 'notice', 'warning', 'err', 'crit'][rows[i].severity]);
      const body = JSON.parse(m.MESSAGE);
      expect(body.event.id).toBe(rows[i].nativeId);
      expect(Date.parse(m.ISODATE)).toBe(rows[i].eventTime);
    });
  });

  it('CEF bodies: syslog-ng parses the CEF header and extension', async () => {
    const store = await storeWith(5);
    await deliver(store, { name: 'cef', format: 'cef', url: `syslog+tcp://127.0.0.1:${ports.cef}` }, 5);
    const got = await waitFor(
      () => (readJson('cef').length === 5 ? readJson('cef') : undefined),
      10_000,
      'cef output',
    );
    const rows = await readModel(store).readLog(0, 10);
    got.forEach((m, i) => {
      // format-json writes syslog-ng's `.cef.*` names as `_cef`.
      const cef = m._cef;
      const header = render(detectionOf(rows[i]), 'cef').split('|');
      expect(cef).toMatchObject({ version: 'CEF:0', vendor: 'Darktrace', product: 'DCIP' });
      expect(cef.signature).toBe(header[4]);
      expect(cef.name).toBe(header[5]);
      expect(cef.severity).toBe(header[6]);
      expect(cef.ext.cs6).toBe(rows[i].key);
      expect(cef.ext.msg).toMatch(/^An issue with the system has been detected\. /);
      expect(cef.ext.externalId).toBe(rows[i].nativeId);
    });
  });

  it('RFC 5424 over UDP: one message per datagram', async () => {
    const store = await storeWith(10);
    await deliver(store, { name: 'udp', format: 'json', url: `syslog+udp://127.0.0.1:${ports.udp}` }, 10);
    const got = await waitFor(
      () => (readJson('udp').length === 10 ? readJson('udp') : undefined),
      10_000,
      'udp output',
    );
    expect(new Set(got.map((m) => m.HOST))).toEqual(new Set(['dt-lab']));
  });
});

describe('syslog+tls sink → our TLS receiver', () => {
  it('round trip: CEF delivered over TLS, received, stored under the same keys', async () => {
    const tls = makeTlsMaterial();
    const src = await storeWith(12);
    const { store: dst } = await tempStore();
    const rx = await startSyslogReceiver({
      store: dst,
      listeners: [{ protocol: 'tls', port: 0, key: tls.good.key, cert: tls.good.cert }],
      // The sender is bound to its instance: only then do its lines store under that instance's keys.
      instanceMap: { '127.0.0.1': 'dt-lab' },
    });
    try {
      const port = rx.listeners[0].port;
      await deliver(
        src,
        {
          name: 'tls',
          format: 'cef',
          url: `syslog+tls://127.0.0.1:${port}?ca=${encodeURIComponent(tls.caFile)}`,
        },
        12,
      );
      await waitFor(async () => (await dst.maxSeq()) === 12, 10_000, 'received over TLS').catch(async (e) => {
        throw new Error(
          `${e.message}: stored ${await dst.maxSeq()}, dead letters ${JSON.stringify(await dst.deadLetters.list(3)).slice(0, 800)}`,
        );
      });
      expect((await dst.readLog(0, 100)).map((r) => r.key)).toEqual(
        (await src.readLog(0, 100)).map((r) => r.key),
      );
    } finally {
      await rx.close();
    }
  });
});
