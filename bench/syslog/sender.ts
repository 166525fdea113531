// The syslog load generator the benchmarks share (bench:syslog, and bench:store's replicas): N RFC 5424
// model breaches, LF-delimited, over one loopback TCP connection from a worker thread, costing the
// receivers as little CPU as it can (they share two cores). Each line is the template's bytes copied
// into a 256 KB buffer with a distinct pbid and time written in, so every line is a new detection;
// buffers go out honouring backpressure.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fixturesDir } from '../../test/helpers/fixtures.ts';

const FIXTURE = join(fixturesDir, 'elastic', 'model_breach_alert-test-model-breach-alert.log');

const SENDER = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const { port, n, first, template } = workerData;
const [a, rest] = template.split('PBID');
const [b, c] = rest.split('TIME');
const head = Buffer.from(a), mid = Buffer.from(b), tail = Buffer.from(c + '\\n');
const s = net.connect({ host: '127.0.0.1', port }, async () => {
  const t0 = Date.now();
  let buf = Buffer.allocUnsafe(262144 + 8192);
  let at = 0;
  for (let i = first; i < first + n; i++) {
    at += head.copy(buf, at);
    at += buf.write(String(i), at, 'latin1');
    at += mid.copy(buf, at);
    at += buf.write(String(1700000000000 + i), at, 'latin1');
    at += tail.copy(buf, at);
    if (at > 262144 || i === first + n - 1) {
      if (!s.write(buf.subarray(0, at))) await new Promise((r) => s.once('drain', r));
      buf = Buffer.allocUnsafe(262144 + 8192);
      at = 0;
    }
  }
  s.end(() => parentPort.postMessage({ sentAt: t0, doneAt: Date.now() }));
});
`;

/** A real breach (the Elastic fixture) as a syslog line, with PBID and TIME where the sender writes them. */
export function template(): string {
  const b = JSON.parse(readFileSync(FIXTURE, 'utf8').split('\n')[0]);
  b.pbid = 0;
  b.time = 0;
  const json = JSON.stringify(b).replace('"pbid":0', '"pbid":PBID').replace('"time":0', '"time":TIME');
  if (json.indexOf('PBID') > json.indexOf('TIME')) throw new Error('the sender expects pbid before time');
  return `<165>1 2026-11-23T10:00:00Z dt-bench darktrace - - - ${json}`;
}

/** Sends `n` breaches with pbids `first`, `first + 1`, … to 127.0.0.1:`port`; resolves once all are written. */
export function send(port: number, n: number, first = 1): Promise<{ sentAt: number; doneAt: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(SENDER, { eval: true, workerData: { port, n, first, template: template() } });
    w.once('message', (m) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}
