// Syslog push throughput: N syslog-framed model breaches (RFC 5424, LF-delimited) over one loopback TCP
// connection, sent from a worker thread so the receiver has the main thread to itself.
//   bare    a TCP server that only splits lines and JSON.parses each payload (the floor of any receiver)
//   syslog  the real receiver: deframe, map to an instance, normalise, batch, append to the store
// Both are measured from the first byte sent to the last line parsed (bare) or stored (syslog), in
// ROUNDS rounds of bare then syslog, so that load from elsewhere on this shared machine hits both
// alike; the ratio is the median of the rounds' ratios, the rates the best round's. Then end-to-end
// latency: a breach injected into the simulator until it is in the file sink.
// Last line: `ratio syslog=<x>`. Run: npm run bench:syslog  (DTC_BENCH_LINES overrides N,
// DTC_BENCH_ROUNDS the rounds, DTC_BENCH_BATCH the receiver's batch size)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSyslogReceiver } from '../../src/collect/syslog.ts';
import { startService } from '../../src/service/service.ts';
import { openStore } from '../../src/store/index.ts';
import { send, template } from './sender.ts';

const N = Number(process.env.DTC_BENCH_LINES ?? 500_000);
const ROUNDS = Math.max(1, Number(process.env.DTC_BENCH_ROUNDS ?? 3));

async function bare(): Promise<number> {
  let parsed = 0;
  let firstAt = 0;
  let done: (t: number) => void = () => {};
  const finished = new Promise<number>((r) => {
    done = r;
  });
  const server = createServer((sock) => {
    let rest = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      firstAt ||= Date.now();
      const s = rest + chunk;
      let i = 0;
      for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', i)) {
        JSON.parse(s.slice(s.indexOf('{', i), nl));
        parsed++;
        i = nl + 1;
      }
      rest = s.slice(i);
      if (parsed === N) done(Date.now());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const sent = await send(typeof a === 'object' && a ? a.port : 0, N);
  const end = await finished;
  server.close();
  return N / ((end - Math.min(sent.sentAt, firstAt || sent.sentAt)) / 1000);
}

async function syslog(): Promise<{ rate: number; stored: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'dtc-bench-syslog-'));
  const store = await openStore({ dataDir: dir });
  let stored = 0;
  let end = 0;
  const rx = await startSyslogReceiver({
    store,
    listeners: [{ protocol: 'tcp', port: 0 }],
    maxBatch: process.env.DTC_BENCH_BATCH ? Number(process.env.DTC_BENCH_BATCH) : undefined,
    onStored(r) {
      stored += r.new + r.updated + r.duplicates + r.rejected;
      if (stored >= N) end = Date.now();
    },
  });
  const sent = await send(rx.listeners[0].port, N);
  while (!end) await new Promise((r) => setTimeout(r, 5));
  await rx.close();
  const rows = await store.countDetections();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate: N / ((end - sent.sentAt) / 1000), stored: rows };
}

async function latency(): Promise<{ seconds: number; poll: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'dtc-bench-e2e-'));
  const poll = 10;
  const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
  const svc = await startService({ dataDir: dir, port: 0, log: quiet, demoPollSeconds: poll, env: {} });
  try {
    const file = svc.demoSinkFile!;
    const has = (pbid: number) => {
      try {
        return readFileSync(file, 'utf8').includes(`"id":"${pbid}"`);
      } catch {
        return false;
      }
    };
    // Let the first poll (the demo's history) land in the file.
    while ((await svc.deliverer.status())[0].offset === 0) await new Promise((r) => setTimeout(r, 100));
    const b = svc.simulator!.injectBreach();
    const t0 = Date.now();
    while (!has(b.pbid)) await new Promise((r) => setTimeout(r, 20));
    return { seconds: (Date.now() - t0) / 1000, poll };
  } finally {
    await svc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `bench:syslog  ${fmt(N)} RFC 5424 model breaches (~${template().length} bytes each) over loopback TCP`,
);
const rounds: { bare: number; syslog: number; stored: number }[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  const b = await bare();
  const s = await syslog();
  rounds.push({ bare: b, syslog: s.rate, stored: s.stored });
  console.log(
    `  round ${r}  bare ${fmt(b)} lines/s  syslog ${fmt(s.rate)} lines/s stored (${fmt(s.stored)} in the store)  ratio ${(s.rate / b).toFixed(2)}`,
  );
}
const ratios = rounds.map((r) => r.syslog / r.bare).sort((a, b) => a - b);
console.log(
  `  bare    split + JSON.parse        ${fmt(Math.max(...rounds.map((r) => r.bare)))} lines/s (best round)`,
);
console.log(
  `  syslog  receiver → store           ${fmt(Math.max(...rounds.map((r) => r.syslog)))} lines/s stored (best round)`,
);
const l = await latency();
console.log(
  `  e2e     simulator breach → ECS file  ${l.seconds.toFixed(2)} s  (poll interval ${l.poll} s; bound ${l.poll + 2} s: ${l.seconds <= l.poll + 2 ? 'met' : 'MISSED'})`,
);
console.log(`ratio syslog=${ratios[Math.floor(ratios.length / 2)].toFixed(2)}`);
