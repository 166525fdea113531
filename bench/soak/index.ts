// Soak: `dtc start` (the compiled CLI, a real child process) killed with SIGKILL at random moments while
// it polls a simulator that answers 503s, cuts bodies short and adds latency, receives syslog from a
// trusted sender, and delivers to a webhook that refuses a share of the batches. Then it is started once
// more and left to drain, and the store and the webhook are checked:
//   lost        a breach the simulator served (created inside the polled, finished windows), or a syslog
//               version the sender had handed to TCP, that is not in the store
//   duplicates  the same version (key and content hash) stored twice
//   delivered   every stored version reached the webhook at least once; how many arrived more than once
// Exit 1 when anything is lost, duplicated, undelivered, or the service died without being killed.
//
// The syslog sender stands for a relay with a disk buffer: a line counts as accepted once the kernel
// took it (the socket write completed); plain TCP syslog has no acknowledgement, so lines the service
// had accepted but not stored die with it. After each kill the sender looks up the last of its lines the
// store holds and sends again from that line on (that line itself included, so the store's duplicate
// check is exercised), as a sender that resumes from a checkpoint would.
//
// Run: npm run soak. Scale: DTC_SOAK_SEED (default: random, printed), DTC_SOAK_KILLS (30),
// DTC_SOAK_MAX_RUN_MS (longest life before a kill, 6000), DTC_SOAK_RATE (syslog lines a second, 300),
// DTC_SOAK_HISTORY (breaches already on the appliance, 2000), DTC_SOAK_DRAIN_S (drain bound, 180).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { gaps, parseCursor } from '../../src/collect/cursor.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStore } from '../../src/store/index.ts';
import { fixturesDir, repoRoot } from '../../test/helpers/fixtures.ts';
import { mulberry32 } from '../../test/helpers/mutate.ts';

const SEED = Number(process.env.DTC_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = Number(process.env.DTC_SOAK_KILLS ?? 30);
const MAX_RUN_MS = Number(process.env.DTC_SOAK_MAX_RUN_MS ?? 6000);
const RATE = Number(process.env.DTC_SOAK_RATE ?? 300);
const HISTORY = Number(process.env.DTC_SOAK_HISTORY ?? 2000);
const DRAIN_MS = Number(process.env.DTC_SOAK_DRAIN_S ?? 180) * 1000;
/** Syslog lines carry pbids from here up, far above the simulator's, on the same instance. */
const SYSLOG_PBID_BASE = 1_000_000_000;
const TRUSTED_SENDER = '127.0.0.2';

const rand = mulberry32(SEED);
const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}

// ─── The syslog lines ──────────────────────────────────────────────────────────────────────────────
// Line n (from 1) is a new breach (version 1, score 0.6), except every fourth line from 8 on, which is
// version 2 (score 0.95) of the breach first sent five lines earlier. So the store must keep two
// versions of a quarter of the breaches, in the right order, and never a third.
const BREACH = JSON.parse(
  readFileSync(join(fixturesDir, 'elastic', 'model_breach_alert-test-model-breach-alert.log'), 'utf8').split(
    '\n',
  )[0],
);
function lineOf(n: number): { pbid: number; score: number } {
  if (n % 4 === 0 && n >= 8) return { pbid: SYSLOG_PBID_BASE + n - 5, score: 0.95 };
  return { pbid: SYSLOG_PBID_BASE + n, score: 0.6 };
}
function syslogLine(n: number): string {
  const { pbid, score } = lineOf(n);
  const t = 1_760_000_000_000 + (pbid - SYSLOG_PBID_BASE) * 1000;
  const b = { ...BREACH, pbid, score, time: t, creationTime: t, soakLine: n };
  return `<165>1 ${new Date(t).toISOString()} soak-relay darktrace - - - ${JSON.stringify(b)}\n`;
}

class Sender {
  /** The next line to send. */
  next = 1;
  /** The highest line the kernel accepted, ever. */
  accepted = 0;
  /** Stop sending new lines past this (the drain sends up to what was accepted). */
  limit = Number.POSITIVE_INFINITY;
  #sock?: Socket;
  #run = 0;

  start(port: number): void {
    const run = ++this.#run;
    const sock = connect({ host: '127.0.0.1', port, localAddress: TRUSTED_SENDER });
    this.#sock = sock;
    sock.on('error', () => {});
    sock.once('connect', async () => {
      const perTick = Math.max(1, Math.round(RATE / 20));
      while (run === this.#run && !sock.destroyed) {
        const from = this.next;
        const to = Math.min(from + perTick, this.limit + 1);
        if (to > from) {
          let chunk = '';
          for (let n = from; n < to; n++) chunk += syslogLine(n);
          this.next = to;
          const ok = sock.write(chunk, (err) => {
            if (!err && run === this.#run) this.accepted = Math.max(this.accepted, to - 1);
          });
          if (!ok) await new Promise((r) => sock.once('drain', r).once('close', r));
        }
        await sleep(50);
      }
    });
  }

  stop(): void {
    this.#run++;
    this.#sock?.destroy();
  }
}

// ─── The webhook ───────────────────────────────────────────────────────────────────────────────────
interface Hook {
  port: number;
  /** `uid hash` → times accepted. */
  got: Map<string, number>;
  refused: number;
  batches: number;
  maxSoakLine: number;
  close(): Promise<void>;
}
async function startHook(refuseShare: number): Promise<Hook> {
  const hookRand = mulberry32(SEED ^ 0x5eed);
  const h: Hook = {
    port: 0,
    got: new Map(),
    refused: 0,
    batches: 0,
    maxSoakLine: 0,
    close: async () => {},
  };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (hookRand() < refuseShare) {
        h.refused++;
        res.writeHead(503, { 'retry-after': '1' }).end('busy');
        return;
      }
      const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        uid: string;
        hash: string;
        raw?: { soakLine?: number };
      }[];
      h.batches++;
      for (const d of batch) {
        const k = `${d.uid} ${d.hash}`;
        h.got.set(k, (h.got.get(k) ?? 0) + 1);
        const line = d.raw?.soakLine;
        if (typeof line === 'number' && line > h.maxSoakLine) h.maxSoakLine = line;
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  h.port = typeof a === 'object' && a ? a.port : 0;
  h.close = () => new Promise((r) => server.close(() => r()));
  return h;
}

// ─── The service ───────────────────────────────────────────────────────────────────────────────────
interface Running {
  child: ChildProcess;
  ready: Promise<boolean>;
  exited: Promise<{ code: number | null; signal: string | null }>;
  stderr: () => string;
}
function dtcStart(config: string, dataDir: string): Running {
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'dtc.js'), 'start', '--no-demo', '--config', config, '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } },
  );
  let err = '';
  let readyResolve: (v: boolean) => void = () => {};
  const ready = new Promise<boolean>((r) => {
    readyResolve = r;
  });
  child.stdout!.on('data', (d) => {
    if (err.length < 1_000_000) err += d;
  });
  child.stderr!.on('data', (d) => {
    if (err.length < 1_000_000) err += d;
    if (err.includes('darktrace-hub is running')) readyResolve(true);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.on('exit', (code, signal) => {
      readyResolve(false);
      r({ code, signal });
    }),
  );
  return { child, ready, exited, stderr: () => err };
}

/** The last of the sender's lines the store holds (0: none), read with the service stopped. */
class StoreReader {
  #after = 0;
  #lastKey?: string;
  constructor(readonly dataDir: string) {}
  async lastSyslogLine(): Promise<number> {
    const store = await openStore({ dataDir: this.dataDir });
    try {
      for (;;) {
        const rows = await store.readLog(this.#after, 10_000, { content: false });
        if (!rows.length) break;
        for (const r of rows) if (r.source === 'syslog') this.#lastKey = r.key;
        this.#after = rows[rows.length - 1].seq;
      }
      if (!this.#lastKey) return 0;
      const raw = (await store.getDetection(this.#lastKey))?.raw as { soakLine?: number } | undefined;
      return raw?.soakLine ?? 0;
    } finally {
      await store.close();
    }
  }
}

async function main(): Promise<number> {
  log(`soak: seed=${SEED} kills=${KILLS} maxRunMs=${MAX_RUN_MS} syslogRate=${RATE}/s history=${HISTORY}`);
  const sim = await startSimulator({
    publicToken: 'soak-pub',
    privateToken: 'soak-priv',
    seed: SEED % 100_000,
    history: { count: HISTORY, days: 1 },
    ratePerMinute: 60,
    maxCreationLagMinutes: 1,
  });
  const faults = {
    latencyMs: 40,
    errorRate: 0.1,
    errorStatus: 503 as const,
    retryAfterSeconds: 1,
    truncateRate: 0.05,
  };
  sim.setFaults(faults);
  const hook = await startHook(0.25);
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-soak-'));
  const syslogPort = await freePort();
  const config = join(dataDir, 'dtc.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        api: { port: await freePort() },
        // Fewer, wider windows and a short update horizon keep a poll under the drain's bound while the
        // simulator still refuses or cuts one request in seven.
        collector: { maxWindowMinutes: 360, updateHorizonHours: 1 },
        instances: [
          {
            name: 'lab',
            url: sim.url,
            publicToken: 'soak-pub',
            privateToken: 'soak-priv',
            pollIntervalSeconds: 10,
            lookbackHours: 48,
          },
        ],
        syslog: { tcpPort: syslogPort, instances: { [TRUSTED_SENDER]: 'lab' } },
        sinks: [
          {
            name: 'hook',
            format: 'json',
            url: `http://127.0.0.1:${hook.port}/hook`,
            batchSize: 200,
            retry: { initialBackoffSeconds: 0.1, maxBackoffSeconds: 2 },
          },
        ],
      },
      null,
      2,
    ),
  );
  log(
    `soak: data ${dataDir}; simulator faults ${JSON.stringify(faults)}; webhook refuses 25% with 503; ` +
      `syslog sender ${TRUSTED_SENDER} → :${syslogPort} (trusted for "lab")`,
  );

  const sender = new Sender();
  const reader = new StoreReader(dataDir);
  const lives: number[] = [];
  let unexpected = 0;
  const t0 = Date.now();
  for (let k = 1; k <= KILLS; k++) {
    // A third of the kills land anywhere from the spawn on (often during start-up: opening the store,
    // migrating, the first poll); the rest at a random moment after the service said it is running.
    const early = rand() < 1 / 3;
    const life = early ? Math.floor(rand() * 4000) : 200 + Math.floor(rand() * (MAX_RUN_MS - 200));
    const run = dtcStart(config, dataDir);
    const started = Date.now();
    let ready = false;
    void run.ready.then((ok) => {
      ready = ok;
      if (ok) sender.start(syslogPort);
    });
    const outcome = await Promise.race([
      run.exited.then(() => 'exited' as const),
      early ? sleep(life) : Promise.race([run.ready, sleep(60_000)]).then(() => sleep(life)),
    ]);
    if (outcome === 'exited') {
      unexpected++;
      log(`soak: run ${k} exited by itself before its kill:\n${run.stderr().slice(-2000)}`);
    } else run.child.kill('SIGKILL');
    const { signal } = await run.exited;
    sender.stop();
    lives.push(Date.now() - started);
    const last = await reader.lastSyslogLine();
    // The sender's checkpoint: resend from the last line the store holds (or from the start).
    sender.next = Math.max(1, last);
    log(
      `soak: kill ${k}/${KILLS} after ${((Date.now() - started) / 1000).toFixed(2)} s (${ready ? 'running' : 'starting'}, ${signal ?? 'exit'}); ` +
        `syslog accepted ${sender.accepted}, stored up to line ${last}`,
    );
  }
  const killPhaseS = (Date.now() - t0) / 1000;

  // Drain: start once more, resend what the store lacks up to the last accepted line, and wait until
  // a poll begun after this start is recorded and the webhook has caught up with the store.
  sender.limit = sender.accepted;
  const finalStart = Date.now();
  const last = dtcStart(config, dataDir);
  if (!(await last.ready)) {
    log(`soak: the final start failed:\n${last.stderr().slice(-3000)}`);
    return 1;
  }
  sender.start(syslogPort);
  const db = new Database(join(dataDir, 'dtc.sqlite'), { readonly: true, fileMustExist: true });
  let drained = false;
  let waitingFor = '';
  while (Date.now() - finalStart < DRAIN_MS) {
    await sleep(1000);
    if (last.child.exitCode !== null) break;
    const cur = db
      .prepare("SELECT state FROM cursors WHERE instance = 'lab' AND stream = 'modelbreaches'")
      .get() as { state: string } | undefined;
    const windows = cur ? parseCursor(JSON.parse(cur.state)).windows : [];
    const polledSince = windows.length ? windows[windows.length - 1].end : 0;
    const maxSeq = (db.prepare('SELECT max(seq) AS m FROM detections').get() as { m: number | null }).m ?? 0;
    const offset =
      (db.prepare("SELECT seq FROM sink_offsets WHERE sink = 'hook'").get() as { seq: number } | undefined)
        ?.seq ?? 0;
    waitingFor = [
      polledSince > finalStart ? '' : `a poll begun after the final start (${polledSince - finalStart} ms)`,
      offset === maxSeq ? '' : `the webhook's offset (${offset} of ${maxSeq})`,
      hook.maxSoakLine >= sender.accepted
        ? ''
        : `syslog line ${sender.accepted} at the webhook (${hook.maxSoakLine})`,
    ]
      .filter(Boolean)
      .join(', ');
    if (!waitingFor) {
      drained = true;
      break;
    }
  }
  db.close();
  sender.stop();
  if (!drained) log(`soak: the service's last words:\n${last.stderr().slice(-3000)}`);
  const drainS = (Date.now() - finalStart) / 1000;
  last.child.kill('SIGTERM');
  const stop = await last.exited;
  if (stop.code !== 0) {
    unexpected++;
    log(
      `soak: the final service did not stop cleanly (${stop.code ?? stop.signal}):\n${last.stderr().slice(-2000)}`,
    );
  }

  // ─── The verdict ───────────────────────────────────────────────────────────────────────────────
  sim.resetFaults();
  const client = new DarktraceClient({ url: sim.url, publicToken: 'soak-pub', privateToken: 'soak-priv' });
  const served = await client.modelBreaches.list({ includeacknowledged: true });
  await client.close();
  await sim.close();
  await hook.close();

  const store = await openStore({ dataDir });
  const cursor = parseCursor(await store.cursors.get('lab', 'modelbreaches'));
  const from = cursor.windows[0]?.start ?? 0;
  const to = cursor.windows[cursor.windows.length - 1]?.end ?? 0;
  const cursorGaps = gaps(cursor, from, to).length;
  // Every version in the store, by key: how many rows and which hashes.
  const versions = new Map<string, { rows: number; hashes: Set<string> }>();
  let rows = 0;
  for (let after = 0; ; ) {
    const page = await store.readLog(after, 10_000, { content: false });
    if (!page.length) break;
    for (const r of page) {
      rows++;
      const v = versions.get(r.key) ?? { rows: 0, hashes: new Set() };
      v.rows++;
      v.hashes.add(r.hash);
      versions.set(r.key, v);
    }
    after = page[page.length - 1].seq;
  }
  await store.close();

  let duplicates = 0;
  let storedVersions = 0;
  let delivered = 0;
  let deliveredMore = 0;
  for (const [key, v] of versions) {
    duplicates += v.rows - v.hashes.size;
    for (const h of v.hashes) {
      storedVersions++;
      const n = hook.got.get(`${key} ${h}`) ?? 0;
      if (n > 0) delivered++;
      if (n > 1) deliveredMore++;
    }
  }
  // Polled: each breach created inside the finished windows, once, in one version (they do not change).
  const truth = served.filter((b) => b.creationTime >= from && b.creationTime < to);
  let polledLost = 0;
  let polledChanged = 0;
  for (const b of truth) {
    const v = versions.get(`lab/model_breach/${b.pbid}`);
    if (!v) polledLost++;
    else if (v.hashes.size > 1) polledChanged++;
  }
  // Syslog: every (breach, score) among the accepted lines, as one version each, and nothing else.
  const want = new Map<number, Set<number>>();
  for (let n = 1; n <= sender.accepted; n++) {
    const { pbid, score } = lineOf(n);
    const s = want.get(pbid) ?? new Set();
    s.add(score);
    want.set(pbid, s);
  }
  let syslogVersions = 0;
  let syslogLost = 0;
  let syslogExtra = 0;
  for (const [pbid, scores] of want) {
    syslogVersions += scores.size;
    const got = versions.get(`lab/model_breach/${pbid}`)?.hashes.size ?? 0;
    if (got < scores.size) syslogLost += scores.size - got;
    if (got > scores.size) syslogExtra += got - scores.size;
  }
  for (const key of versions.keys()) {
    const pbid = Number(key.split('/')[2]);
    if (key.startsWith('lab/model_breach/') && pbid >= SYSLOG_PBID_BASE && !want.has(pbid)) syslogExtra++;
  }
  const lost = polledLost + syslogLost;
  const sorted = [...lives].sort((a, b) => a - b);
  log(
    `soak: ${KILLS} kills over ${killPhaseS.toFixed(0)} s (lives ${(sorted[0] / 1000).toFixed(2)}–${(sorted[sorted.length - 1] / 1000).toFixed(2)} s, ` +
      `median ${(sorted[Math.floor(sorted.length / 2)] / 1000).toFixed(2)} s), drain ${drainS.toFixed(0)} s${drained ? '' : ` (NOT drained: still waiting for ${waitingFor})`}`,
  );
  log(
    `soak: polled: ${truth.length} breaches served in the finished windows (${cursor.windows.length} windows, ${cursorGaps} gaps), ` +
      `${polledLost} lost, ${polledChanged} with more than one version`,
  );
  log(
    `soak: syslog: ${sender.accepted} lines accepted = ${syslogVersions} versions, ${syslogLost} lost, ${syslogExtra} unexpected`,
  );
  log(
    `soak: store: ${rows} rows, ${storedVersions} distinct versions, ${duplicates} duplicates; ` +
      `webhook: ${hook.batches} batches accepted, ${hook.refused} refused with 503`,
  );
  log(
    `kills=${KILLS} lost=${lost} duplicates=${duplicates} delivered_at_least_once=${delivered}/${storedVersions} ` +
      `delivered_more_than_once=${deliveredMore} unexpected_exits=${unexpected} seed=${SEED}`,
  );
  const ok =
    lost === 0 &&
    duplicates === 0 &&
    syslogExtra === 0 &&
    cursorGaps === 0 &&
    delivered === storedVersions &&
    unexpected === 0 &&
    drained &&
    truth.length > 0;
  if (!ok) log('soak: FAILED: a target was missed (see above)');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`soak: ${(err as Error).stack ?? err}\n`);
    process.exit(2);
  },
);
