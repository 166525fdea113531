// Syslog ingest spread over replicas: `k` real `dtc start` processes on one PostgreSQL store, each
// receiving its share of N breaches over its own TCP listener (as behind a TCP load balancer), timed from
// the first line sent until the database holds all N. Run with k = 1 and k = 3 in the same round, the
// ratio says how the cost grows with replicas (they share this machine's cores and one database, and
// appends to the log are serialised, so the log's order stays what sinks can trust).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/index.ts';
import { testDatabase } from '../../test/helpers/postgres.ts';
import { send } from '../syslog/sender.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dtc.js');
const KEY = 'c'.repeat(64);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise((r) => s.close(r));
  return typeof a === 'object' && a ? a.port : 0;
}

async function accepting(port: number, child: ChildProcess, deadline = Date.now() + 60_000): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`a replica exited (${child.exitCode}) before listening`);
    const ok = await new Promise<boolean>((r) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => {
        c.destroy();
        r(true);
      });
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no replica listening on ${port} after 60 s`);
}

/** Lines stored per second with `k` replicas sharing one fresh database. */
export async function replicaRate(k: number, n: number): Promise<number> {
  const db = await testDatabase('bench_replicas');
  if (!db) throw new Error('bench:store needs PostgreSQL for its replicas part (DTC_TEST_PG_URL)');
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  const client = new pg.Client({ connectionString: db.url });
  try {
    // The schema first, so the replicas do not all wait on the migration lock at once.
    await (await openStore({ url: db.url, secretKey: Buffer.from(KEY, 'hex') })).close();
    const ports: number[] = [];
    for (let i = 0; i < k; i++) {
      const dir = mkdtempSync(join(tmpdir(), 'dtc-bench-replica-'));
      dirs.push(dir);
      const syslogPort = await freePort();
      ports.push(syslogPort);
      const args = [
        'start',
        '--no-demo',
        '--store',
        db.url,
        '--data-dir',
        dir,
        '--port',
        String(await freePort()),
      ];
      const child = spawn(process.execPath, [BIN, ...args, '--syslog-tcp', String(syslogPort)], {
        env: { ...process.env, DTC_SECRET_KEY: KEY, DTC_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
    }
    for (const [i, p] of ports.entries()) await accepting(p, children[i]);
    await client.connect();
    const share = Math.ceil(n / k);
    const sent = await Promise.all(
      ports.map((p, i) => send(p, Math.min(share, n - i * share), 1 + i * share)),
    );
    const start = Math.min(...sent.map((s) => s.sentAt));
    // max(seq) is one index lookup; a count confirms it (a rolled-back append leaves a gap in seq).
    for (const deadline = Date.now() + 15 * 60_000; ; ) {
      if (Date.now() > deadline) throw new Error(`${k} replicas had not stored ${n} lines after 15 minutes`);
      const top = Number((await client.query('select coalesce(max(seq), 0) as m from detections')).rows[0].m);
      if (top >= n) {
        const end = Date.now();
        const count = Number((await client.query('select count(*) as c from detections')).rows[0].c);
        if (count >= n) return n / ((end - start) / 1000);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.end().catch(() => {});
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((r) => {
            if (c.exitCode !== null) return r();
            c.once('exit', () => r());
            c.kill('SIGTERM');
          }),
      ),
    );
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await db.drop();
  }
}
