// Fuzz: mutated real Darktrace payloads (test/fixtures/, see each SOURCES.md, plus the simulator's
// syslog output) through every way in:
//   normalize   the normaliser in-process, through normalize() and render() as `dtc normalize` calls
//               them; a throw other than a NormalizeError, or one that says "internal error", is a crash;
//               an output line with a newline, or ECS/OCSF/JSON output that does not parse, is a crash
//   cli         a few thousand lines through the real `dtc normalize` process: it must exit 0 or 1 in
//               bounded time with one output or error line per input line and no "internal error"
//   syslog      a running `dtc start`: TCP (LF, CRLF, octet counting with right, wrong and huge counts,
//               NULs, random chunking; trusted and untrusted senders) and UDP; after every round a valid
//               canary line must be stored within the bound, else it is a hang
//   http        the running API with a valid API key and without: mutated paths, query strings,
//               headers and JSON bodies (deep nesting, huge numbers, wrong types, Unicode, truncated
//               bodies on raw sockets); an answer not given within the bound is a hang, 5xx is counted
// The service must stay up throughout (an exit is a crash) and stop cleanly on SIGTERM at the end.
// Prints inputs, crashes, hangs, 5xx and the service's RSS growth; exits 1 on any crash, hang or 5xx,
// with each culprit saved under the output directory so that it can become a test.
//
// Run: npm run fuzz. Scale: DTC_FUZZ_SEED (default random, printed), DTC_FUZZ_NORMALIZE (inputs
// in-process, 800000), DTC_FUZZ_CLI (lines through the CLI, 4000), DTC_FUZZ_TCP (syslog TCP lines,
// 120000), DTC_FUZZ_UDP (datagrams, 30000), DTC_FUZZ_HTTP (requests, 60000), DTC_FUZZ_OUT (where
// culprits go; default a new temporary directory).
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORMATS, type Format, NormalizeError, normalize, render } from '../../src/normalize/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { fixturesDir, repoRoot } from '../../test/helpers/fixtures.ts';
import {
  int,
  mulberry32,
  mutateLine,
  mutateText,
  mutateValue,
  nest,
  ODD,
  pick,
  type Rng,
} from '../../test/helpers/mutate.ts';
import { XSOAR_RECORD_FILES, xsoarRecords } from '../../test/normalize/helpers.ts';

const SEED = Number(process.env.DTC_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const N_NORMALIZE = Number(process.env.DTC_FUZZ_NORMALIZE ?? 800_000);
const N_CLI = Number(process.env.DTC_FUZZ_CLI ?? 4000);
const N_TCP = Number(process.env.DTC_FUZZ_TCP ?? 120_000);
const N_UDP = Number(process.env.DTC_FUZZ_UDP ?? 30_000);
const N_HTTP = Number(process.env.DTC_FUZZ_HTTP ?? 60_000);
const OUT = process.env.DTC_FUZZ_OUT ?? mkdtempSync(join(tmpdir(), 'dtc-fuzz-'));
/** Bounds: one normalisation, one HTTP answer, one canary line stored, one CLI run. */
const HANG_NORMALIZE_MS = 2000;
const HANG_HTTP_MS = 15_000;
const HANG_SYSLOG_MS = 15_000;
const HANG_CLI_MS = 120_000;
const TRUSTED = '127.0.0.3';

const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tally {
  inputs: number;
  crashes: number;
  hangs: number;
  fivexx: number;
  notes: Record<string, number>;
}
const tally: Record<string, Tally> = {};
const T = (phase: string): Tally => {
  tally[phase] ??= { inputs: 0, crashes: 0, hangs: 0, fivexx: 0, notes: {} };
  return tally[phase];
};
const note = (phase: string, what: string, n = 1) => {
  const t = T(phase);
  t.notes[what] = (t.notes[what] ?? 0) + n;
};
mkdirSync(OUT, { recursive: true });
let saved = 0;
/** Saves a culprit and says where. At most 200 are kept. */
function save(kind: string, input: unknown, why: string): void {
  if (saved >= 200) return;
  const file = join(OUT, `${String(++saved).padStart(3, '0')}-${kind}.json`);
  writeFileSync(file, `${JSON.stringify({ kind, why, seed: SEED, input }, null, 2)}\n`);
  log(`fuzz: ${kind}: ${why.slice(0, 300)} (input saved to ${file})`);
}

// ─── The corpus ────────────────────────────────────────────────────────────────────────────────────
function fixtureLines(): string[] {
  const lines: string[] = [];
  const dirs = [join(fixturesDir, 'elastic'), join(fixturesDir, 'constructed')];
  for (const dir of dirs)
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.log')))
      for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) if (l.trim()) lines.push(l);
  return lines;
}
function fixtureRecords(): unknown[] {
  const recs: unknown[] = [];
  for (const f of XSOAR_RECORD_FILES) recs.push(...xsoarRecords(f));
  const actions = JSON.parse(readFileSync(join(fixturesDir, 'constructed', 'antigena-actions.json'), 'utf8'));
  recs.push(...(Array.isArray(actions) ? actions : (actions.actions ?? [actions])));
  return recs;
}

// ─── Phase 1: the normaliser in-process ────────────────────────────────────────────────────────────
function checkOne(
  input: string | object,
  fmt: Format,
  opts: Parameters<typeof normalize>[1],
): string | undefined {
  let d: ReturnType<typeof normalize>;
  try {
    d = normalize(input, opts);
  } catch (e) {
    if (!(e instanceof NormalizeError)) return `threw ${(e as Error)?.stack ?? String(e)}`;
    if (/internal error/.test(e.message)) return `internal error: ${e.message}`;
    return undefined;
  }
  try {
    const out = render(d, fmt);
    if (out.includes('\n') || out.includes('\r')) return `${fmt} output holds a line break`;
    if (fmt === 'ecs' || fmt === 'ocsf' || fmt === 'json') JSON.parse(out);
  } catch (e) {
    return `render ${fmt} threw ${(e as Error)?.stack ?? String(e)}`;
  }
  return undefined;
}

function phaseNormalize(r: Rng, lines: string[], records: unknown[]): void {
  const t = T('normalize');
  const started = Date.now();
  let slowest = 0;
  for (let i = 0; i < N_NORMALIZE; i++) {
    const fmt = FORMATS[i % FORMATS.length];
    const roll = r();
    const input: string | object =
      roll < 0.75
        ? mutateLine(pick(r, lines), r)
        : roll < 0.9
          ? JSON.stringify(mutateValue(pick(r, records), r))
          : (mutateValue(pick(r, records), r) as object);
    const opts = {
      instance: r() < 0.5 ? undefined : pick(r, ['lab', 'x', '', ODD[int(r, ODD.length)]]),
      source: 'stdin' as const,
      baseUrl: r() < 0.3 ? 'https://dt.example.com' : undefined,
    };
    const t0 = performance.now();
    const bad = checkOne(input, fmt, opts);
    const ms = performance.now() - t0;
    if (ms > slowest) slowest = ms;
    t.inputs++;
    if (bad) {
      t.crashes++;
      save('normalize-crash', { input, format: fmt, opts }, bad);
    }
    if (ms > HANG_NORMALIZE_MS) {
      t.hangs++;
      save('normalize-hang', { input, format: fmt, opts }, `took ${ms.toFixed(0)} ms`);
    }
    if ((i + 1) % 200_000 === 0)
      log(`fuzz: normalize ${i + 1}/${N_NORMALIZE} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  note('normalize', 'slowest_ms', Math.round(slowest));
  note('normalize', 'seconds', Math.round((Date.now() - started) / 1000));
}

// ─── Phase 2: the real `dtc normalize` process ─────────────────────────────────────────────────────
async function phaseCli(r: Rng, lines: string[]): Promise<void> {
  const t = T('cli');
  const runs = Math.max(1, Math.ceil(N_CLI / 1000));
  for (let k = 0; k < runs; k++) {
    const n = Math.min(1000, N_CLI - k * 1000);
    const input = Array.from({ length: n }, () => mutateLine(pick(r, lines), r).replace(/[\r\n]/g, ' '));
    const fmt = FORMATS[k % FORMATS.length];
    const args = [join(repoRoot, 'bin', 'dtc.js'), 'normalize', '--to', fmt];
    if (k % 2) args.push('--instance', 'lab', '--base-url', 'https://dt.example.com');
    if (fmt === 'ecs' && k % 3 === 0) args.push('--original');
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
    });
    child.stdin.on('error', () => {});
    child.stdin.end(`${input.join('\n')}\n`);
    const exit = await Promise.race([
      new Promise<{ code: number | null; signal: string | null }>((res) =>
        child.on('exit', (code, signal) => res({ code, signal })),
      ),
      sleep(HANG_CLI_MS).then(() => undefined),
    ]);
    t.inputs += n;
    if (!exit) {
      child.kill('SIGKILL');
      t.hangs++;
      save(
        'cli-hang',
        { args: args.slice(1), lines: input },
        `dtc normalize gave no exit in ${HANG_CLI_MS} ms`,
      );
      continue;
    }
    const outLines = out.split('\n').filter(Boolean).length;
    const failed = (err.match(/^dtc normalize: line \d+:/gm) ?? []).length;
    const internal = err
      .split('\n')
      .filter((l) => /^dtc normalize: line \d+: (error:|bad_record: internal error)/.test(l));
    const why =
      exit.code !== 0 && exit.code !== 1
        ? `exit ${exit.code ?? exit.signal}: ${err.slice(-1000)}`
        : internal.length
          ? internal.slice(0, 5).join('\n')
          : outLines + failed !== n
            ? `${n} lines in, ${outLines} out and ${failed} refused`
            : undefined;
    note('cli', 'refused', failed);
    if (why) {
      t.crashes++;
      save('cli-crash', { args: args.slice(1), lines: input }, why);
    }
  }
}

// ─── The service ───────────────────────────────────────────────────────────────────────────────────
async function freePort(udp = false): Promise<number> {
  if (udp) {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const p = s.address().port;
    s.close();
    return p;
  }
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}

interface Service {
  child: ChildProcess;
  url: string;
  key: string;
  tcp: number;
  udp: number;
  dataDir: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  rssKb(): number;
}

async function startService(simUrl: string): Promise<Service> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-fuzz-data-'));
  const [api, tcp, udp] = [await freePort(), await freePort(), await freePort(true)];
  const config = join(dataDir, 'dtc.json');
  writeFileSync(
    config,
    JSON.stringify({
      api: { port: api, rateLimitPerMinute: 100_000_000 },
      instances: [
        { name: 'lab', url: simUrl, publicToken: 'fz-pub', privateToken: 'fz-priv', pollIntervalSeconds: 60 },
      ],
      syslog: { tcpPort: tcp, udpPort: udp, instances: { [TRUSTED]: 'lab' } },
      // Every stored record is rendered again by the sinks: a fuzzed row that breaks a renderer shows.
      sinks: [
        { name: 'ecs', format: 'ecs', url: `file://${join(dataDir, 'out.ecs.ndjson')}` },
        { name: 'cef', format: 'cef', url: `file://${join(dataDir, 'out.cef')}` },
      ],
    }),
  );
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'bin', 'dtc.js'), 'start', '--no-demo', '--config', config, '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  for (let waited = 0; !output.includes('darktrace-hub is running'); waited += 100) {
    if (child.exitCode !== null || waited > 60_000) throw new Error(`dtc start did not come up:\n${output}`);
    await sleep(100);
  }
  const key = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  return {
    child,
    url: `http://127.0.0.1:${api}`,
    key,
    tcp,
    udp,
    dataDir,
    output: () => output,
    exited,
    rssKb() {
      try {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        return 0;
      }
    },
  };
}

// ─── An HTTP client (node:http, keep-alive) ─────────────────────────────────────────────────────────
interface Answer {
  status: number;
  text: string;
}
class Http {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  constructor(readonly port: number) {}
  /** Resolves with the whole answer; rejects with code HANG when none came within `ms`. */
  call(
    q: { method: string; path: string; headers: Record<string, string>; body?: string },
    ms = HANG_HTTP_MS,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (f: () => void) => {
        if (!done) {
          done = true;
          clearTimeout(timer);
          f();
        }
      };
      let req: ReturnType<typeof httpRequest> | undefined;
      const timer = setTimeout(() => {
        finish(() => reject(Object.assign(new Error('no answer'), { code: 'HANG' })));
        req?.destroy();
      }, ms);
      try {
        req = httpRequest(
          {
            host: '127.0.0.1',
            port: this.port,
            method: q.method,
            path: q.path,
            headers: q.headers,
            agent: this.agent,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () =>
              finish(() =>
                resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
              ),
            );
            res.on('error', (e) => finish(() => reject(e)));
          },
        );
      } catch (err) {
        // Node refuses to send it (a bad header value, method or path): the request never left.
        finish(() => reject(err));
        return;
      }
      req.on('error', (e) => finish(() => reject(e)));
      req.end(q.body);
    });
  }
  close(): void {
    this.agent.destroy();
  }
}

// ─── Phase 3: syslog ───────────────────────────────────────────────────────────────────────────────
const CANARY_BASE = 2_000_000_000;
let canaries = 0;
const BREACH = JSON.parse(
  readFileSync(join(fixturesDir, 'elastic', 'model_breach_alert-test-model-breach-alert.log'), 'utf8').split(
    '\n',
  )[0],
);
function canaryLine(n: number): string {
  return `<165>1 2026-11-23T10:00:00Z fuzz-canary darktrace - - - ${JSON.stringify({ ...BREACH, pbid: CANARY_BASE + n })}`;
}

async function stored(svc: Service, http: Http, pbid: number): Promise<boolean> {
  const res = await http.call(
    {
      method: 'GET',
      path: `/api/detections/${encodeURIComponent(`lab/model_breach/${pbid}`)}`,
      headers: { authorization: `Bearer ${svc.key}`, host: new URL(svc.url).host },
    },
    5000,
  );
  return res.status === 200;
}

/** Sends a valid line (TCP or UDP) from the trusted address and waits until it is stored. */
async function canary(svc: Service, pool: Http, via: 'tcp' | 'udp', round: unknown): Promise<void> {
  const n = ++canaries;
  const line = canaryLine(n);
  const until = Date.now() + HANG_SYSLOG_MS;
  let sentAt = 0;
  while (Date.now() < until) {
    if (Date.now() - sentAt > 3000) {
      sentAt = Date.now();
      if (via === 'tcp')
        await new Promise<void>((res) => {
          const s = connect({ host: '127.0.0.1', port: svc.tcp, localAddress: TRUSTED }, () =>
            s.end(`${line}\n`),
          );
          s.on('error', () => res());
          s.on('close', () => res());
        });
      else {
        const u = createSocket('udp4');
        await new Promise<void>((res) => u.bind(0, TRUSTED, () => res()));
        await new Promise<void>((res) => u.send(line, svc.udp, '127.0.0.1', () => res()));
        u.close();
      }
    }
    if (await stored(svc, pool, CANARY_BASE + n).catch(() => false)) return;
    await sleep(100);
  }
  T('syslog').hangs++;
  save(
    'syslog-hang',
    round,
    `a valid ${via} line sent after this round was not stored within ${HANG_SYSLOG_MS} ms`,
  );
}

/** One TCP message in a random framing. */
function frameTcp(r: Rng, line: string): string {
  const bytes = Buffer.byteLength(line);
  switch (int(r, 10)) {
    case 0:
      return `${bytes} ${line}`;
    case 1:
      return `${bytes + int(r, 50) - 25} ${line}`; // a wrong count
    case 2:
      return `${pick(r, ['99999999999', '0', '-5', '00012', '1e3'])} ${line}\n`;
    case 3:
      return `${line}\r\n`;
    case 4:
      return `${line}\u0000`;
    case 5:
      return `${line}\n\n\n`;
    case 6:
      return `${'x'.repeat(int(r, 3) === 0 ? 70_000 : 2000)}${line}\n`; // long
    default:
      return `${line}\n`;
  }
}

async function sendTcp(port: number, from: string, chunks: string[]): Promise<'closed' | 'stuck'> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: from });
    const timer = setTimeout(() => {
      s.destroy();
      res('stuck');
    }, HANG_SYSLOG_MS);
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      res('closed');
    });
    s.once('connect', async () => {
      for (const c of chunks) if (!s.write(c)) await new Promise((d) => s.once('drain', d));
      s.end();
    });
  });
}

async function phaseSyslog(r: Rng, svc: Service, pool: Http, lines: string[]): Promise<void> {
  const t = T('syslog');
  const perRound = 500;
  let sent = 0;
  for (let round = 0; sent < N_TCP; round++) {
    const n = Math.min(perRound, N_TCP - sent);
    const msgs = Array.from({ length: n }, () =>
      frameTcp(r, r() < 0.1 ? pick(r, lines) : mutateLine(pick(r, lines), r)),
    );
    // Random chunking: split the stream anywhere, so frames cross writes.
    const all = msgs.join('');
    const chunks: string[] = [];
    for (let i = 0; i < all.length; ) {
      const step = 1 + int(r, r() < 0.2 ? 16 : 65_536);
      chunks.push(all.slice(i, i + step));
      i += step;
    }
    const from = r() < 0.5 ? TRUSTED : '127.0.0.1';
    const how = await sendTcp(svc.tcp, from, chunks);
    sent += n;
    t.inputs += n;
    if (how === 'stuck') note('syslog', 'tcp_not_closed_after_fin');
    if (round % 10 === 9 || sent >= N_TCP)
      await canary(svc, pool, 'tcp', { via: 'tcp', from, messages: msgs });
    if (svc.child.exitCode !== null) return;
  }
  log(`fuzz: syslog TCP ${sent} lines`);
  const u = createSocket('udp4');
  const u2 = createSocket('udp4');
  await new Promise<void>((res) => u.bind(0, '127.0.0.1', () => res()));
  await new Promise<void>((res) => u2.bind(0, TRUSTED, () => res()));
  let batch: string[] = [];
  for (let i = 0; i < N_UDP; i++) {
    let d = r() < 0.1 ? pick(r, lines) : mutateLine(pick(r, lines), r);
    if (Buffer.byteLength(d) > 60_000) d = d.slice(0, 20_000);
    batch.push(d);
    await new Promise<void>((res) => (r() < 0.5 ? u : u2).send(d, svc.udp, '127.0.0.1', () => res()));
    t.inputs++;
    // Paced below what the receive buffer holds: a kernel drop is not the receiver's fault.
    if (i % 100 === 99) await sleep(15);
    if (i % 2000 === 1999 || i === N_UDP - 1) {
      await canary(svc, pool, 'udp', { via: 'udp', datagrams: batch });
      batch = [];
      if (svc.child.exitCode !== null) return;
    }
  }
  u.close();
  u2.close();
}

// ─── Phase 4: the HTTP API ─────────────────────────────────────────────────────────────────────────
interface Req {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  raw?: string;
}

/** A body that satisfies a JSON Schema's required properties, for mutating from. */
function fromSchema(s: any, r: Rng, depth = 0): unknown {
  if (!s || depth > 5) return null;
  if (s.enum) return pick(r, s.enum);
  if (s.const !== undefined) return s.const;
  if (s.anyOf || s.oneOf) return fromSchema(pick(r, s.anyOf ?? s.oneOf), r, depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {}))
        if ((s.required ?? []).includes(k) || r() < 0.5) o[k] = fromSchema(v, r, depth + 1);
      return o;
    }
    case 'array':
      return Array.from({ length: 1 + int(r, 3) }, () => fromSchema(s.items, r, depth + 1));
    case 'integer':
      return s.minimum ?? 1 + int(r, 100);
    case 'number':
      return r();
    case 'boolean':
      return r() < 0.5;
    default:
      return s.format === 'date-time' ? new Date().toISOString() : pick(r, ['lab', 'ws-01', '10.0.0.1', 'x']);
  }
}

const QUERY_VALUES = [
  '',
  '-1',
  '0',
  '1',
  '1000',
  '1001',
  '99999999999999999999999',
  '1e309',
  '1.5',
  'NaN',
  'true',
  'null',
  '[]',
  '{}',
  '%',
  '%25',
  '%zz',
  '%00',
  '%C0%AF',
  '%F0%9F%98%80',
  '"',
  '*',
  'NEAR(a b)',
  'a OR b',
  '^x',
  '-x',
  'title:x',
  '10.0.0.1',
  '2026-01-01T00:00:00Z',
  '1h',
  'model_breach',
  'critical',
  'x'.repeat(5000),
  Array.from({ length: 250 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('+'),
];

/** Percent-encodes every UTF-8 byte (lone surrogates included, which encodeURIComponent refuses). */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

function queryString(r: Rng, names: string[]): string {
  const parts: string[] = [];
  for (let i = 0, n = int(r, 5); i < n; i++) {
    const name =
      r() < 0.85 && names.length ? pick(r, names) : pick(r, ['', 'x', '__proto__', 'limit[]', '%zz', 'a=b']);
    let v = pick(r, QUERY_VALUES);
    if (r() < 0.3) v = pct(pick(r, ODD));
    parts.push(r() < 0.1 ? name : `${name}=${v}`);
  }
  return parts.length ? `?${parts.join(r() < 0.05 ? ';' : '&')}` : '';
}

function mutatePath(r: Rng, path: string): string {
  switch (int(r, 12)) {
    case 0:
      return `${path}/`;
    case 1:
      return path.replace(/\//g, '//');
    case 2:
      return `${path}/..%2f..%2f..%2fetc%2fpasswd`;
    case 3:
      return path.toUpperCase();
    case 4:
      return `${path}/${pick(r, ['%', '%25', '%zz', '%00', '%C0%AF', '%ff', '%E2%80%AE', pct(pick(r, ODD))])}`;
    case 5: {
      const segs = path.split('/');
      segs[int(r, segs.length)] = pick(r, ['%', '%25', 'x'.repeat(2000), '..', '.', pct(pick(r, ODD)), '']);
      return segs.join('/') || '/';
    }
    case 6:
      return path.slice(0, 1 + int(r, path.length));
    default:
      return path;
  }
}

function authHeader(r: Rng, key: string): Record<string, string> {
  const roll = r();
  if (roll < 0.7) return { authorization: `Bearer ${key}` };
  if (roll < 0.85) return {};
  return {
    authorization: pick(r, [
      'Bearer',
      'Bearer ',
      `Bearer ${key}x`,
      `Bearer ${key.slice(0, -3)}`,
      'Bearer dtc_x_y',
      'Basic YWRtaW46YWRtaW4=',
      `bearer ${key}`,
      `Bearer ${'a'.repeat(8000)}`,
      `Bearer ${key} ${key}`,
    ]),
  };
}

function bodyFor(r: Rng, schema: unknown): string | undefined {
  const roll = r();
  if (roll < 0.05) return undefined;
  if (roll < 0.1) return '';
  const base = fromSchema(schema ?? { type: 'object' }, r);
  if (roll < 0.25) return JSON.stringify(base);
  if (roll < 0.6) return JSON.stringify(mutateValue(base ?? {}, r));
  if (roll < 0.7) return mutateText(JSON.stringify(base), r);
  if (roll < 0.75) {
    const d = pick(r, [65, 100, 1000, 100_000, 200_000]);
    return `${'['.repeat(d)}${']'.repeat(r() < 0.5 ? d : 0)}`;
  }
  if (roll < 0.8) return JSON.stringify(nest(r, 10 + int(r, 60)));
  if (roll < 0.85)
    return `{"deviceIds":[${pick(r, ['1e999', '123456789012345678901234567890', '-0', '1.0000000000000002', '9007199254740993'])}],"limit":1e400}`;
  if (roll < 0.9) return JSON.stringify(Array.from({ length: 1 + int(r, 5000) }, (_, i) => i));
  if (roll < 0.95) return JSON.stringify(base).slice(0, int(r, 30));
  return `"${pick(r, ODD)}"`;
}

function mcpBody(r: Rng): string {
  const msgs = [
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
    },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'search_detections', arguments: { q: 'x', limit: 5 } },
    },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
  ];
  const m = pick(r, msgs);
  return r() < 0.3
    ? JSON.stringify(m)
    : r() < 0.7
      ? JSON.stringify(mutateValue(m, r))
      : mutateText(JSON.stringify(m), r);
}

interface Route {
  method: string;
  path: string;
  query: string[];
  body?: unknown;
}

async function discover(pool: Http, svc: Service): Promise<{ routes: Route[]; ids: string[] }> {
  const host = new URL(svc.url).host;
  const get = async (path: string) => {
    const res = await pool.call({
      method: 'GET',
      path,
      headers: { authorization: `Bearer ${svc.key}`, host },
    });
    return JSON.parse(res.text);
  };
  const doc = await get('/api/openapi.json');
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {}) as [string, Record<string, any>][])
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const query = (op.parameters ?? [])
        .filter((p: any) => p.in === 'query')
        .map((p: any) => p.name as string);
      const body = op.requestBody?.content?.['application/json']?.schema;
      routes.push({ method: method.toUpperCase(), path, query, body });
    }
  routes.push({ method: 'POST', path: '/mcp', query: [] }, { method: 'GET', path: '/nope', query: ['x'] });
  const found = await get('/api/detections?limit=50');
  const ids = (found.items ?? []).flatMap((d: { key: string; seq: number }) => [d.key, String(d.seq)]);
  return { routes, ids };
}

function fillPath(r: Rng, path: string, ids: string[]): string {
  return path.replace(/\{(\w+)\}|:(\w+)/g, (_m, a, b) => {
    const name = a ?? b;
    const v =
      name === 'id'
        ? r() < 0.7 && ids.length
          ? pick(r, ids)
          : pick(r, ['0', '-1', '%25', 'lab/model_breach/1', '99999999999999999999'])
        : name === 'name'
          ? pick(r, ['lab', 'fuzz-user', 'nope', 'syslog:x'])
          : pick(r, ['x', '1', 'nope']);
    return encodeURIComponent(v);
  });
}

function makeRequest(r: Rng, svc: Service, routes: Route[], ids: string[]): Req {
  const route = pick(r, routes);
  const host = new URL(svc.url).host;
  let method =
    r() < 0.9
      ? route.method
      : pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND']);
  let path = fillPath(r, route.path, ids);
  if (r() < 0.3) path = mutatePath(r, path);
  path += queryString(r, route.query);
  const headers: Record<string, string> = {
    host: r() < 0.97 ? host : pick(r, ['evil.example', 'localhost.evil', '']),
    ...authHeader(r, svc.key),
  };
  let body: string | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    body = route.path === '/mcp' ? mcpBody(r) : bodyFor(r, route.body);
    if (body !== undefined)
      headers['content-type'] =
        r() < 0.9
          ? 'application/json'
          : pick(r, [
              'text/plain',
              'application/json; charset=utf-16',
              'multipart/form-data; boundary=x',
              'application/x-www-form-urlencoded',
              'application/json;;',
              '',
            ]);
  }
  if (route.path === '/mcp') headers.accept = 'application/json, text/event-stream';
  if (r() < 0.1)
    headers.cookie = pick(r, [
      'dtc_session=x',
      'dtc_session=',
      `dtc_session=${'%'.repeat(100)}`,
      'a=b; dtc_session=1',
    ]);
  if (r() < 0.05) headers['x-csrf-token'] = pick(r, ['', 'x', '\u00ff']);
  if (r() < 0.05)
    headers[pick(r, ['x-forwarded-for', 'x-dtc-user', 'accept-encoding', 'content-encoding', 'range'])] =
      pick(r, ['admin', 'gzip', 'bytes=0-1', '127.0.0.1, 10.0.0.1', 'x'.repeat(4000)]);
  if (r() < 0.02) method = 'GET';
  // Raw socket requests: truncated bodies, lying lengths, broken request lines.
  if (r() < 0.04) {
    const b = body ?? '{"a":1}';
    const kind = int(r, 4);
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    const raw =
      kind === 0
        ? `${method} ${path} HTTP/1.1\r\n${head}\r\ncontent-type: application/json\r\ncontent-length: ${b.length + 100}\r\n\r\n${b}`
        : kind === 1
          ? `${method} ${path} HTTP/1.1\r\n${head}\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n${b.length.toString(16)}\r\n${b}`
          : kind === 2
            ? `${pick(r, ['GET', 'G\u0000T', '', 'POST'])} ${pick(r, ['/', '*', 'http://x/', '/\u00ff', path])} ${pick(r, ['HTTP/1.1', 'HTTP/9.9', 'HTTP/1.1 x', ''])}\r\n${head}\r\n\r\n`
            : `${method} ${path} HTTP/1.1\r\n${head}\r\ncontent-type: application/json\r\ncontent-length: ${b.length}\r\ncontent-length: ${b.length + 1}\r\n\r\n${b}`;
    return { method, path, headers, body, raw };
  }
  return { method, path, headers, body };
}

/** A raw request: written, then the write side closed; the server must answer or close in bounded time. */
function sendRaw(port: number, raw: string): Promise<{ status?: number; hung: boolean }> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      res({ hung: true });
    }, HANG_HTTP_MS);
    s.on('data', (d) => {
      got += d.toString('latin1');
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      res({ status: m ? Number(m[1]) : undefined, hung: false });
    });
    s.end(raw, 'latin1');
  });
}

async function phaseHttp(r: Rng, svc: Service, pool: Http): Promise<void> {
  const t = T('http');
  const host = new URL(svc.url).host;
  // A user the fuzz may rename, re-role and remove; the admin and its key stay out of reach.
  await pool.call({
    method: 'POST',
    path: '/api/users',
    headers: { authorization: `Bearer ${svc.key}`, host, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'fuzz-user', password: 'fuzz-password-123456', role: 'viewer' }),
  });
  const { routes, ids } = await discover(pool, svc);
  note('http', 'routes', routes.length);
  const port = Number(new URL(svc.url).port);
  const recent: Req[] = [];
  let next = 0;
  const worker = async () => {
    while (next < N_HTTP && svc.child.exitCode === null) {
      const nth = ++next;
      const q = makeRequest(r, svc, routes, ids);
      recent.push(q);
      if (recent.length > 100) recent.shift();
      t.inputs++;
      if (q.raw !== undefined) {
        const a = await sendRaw(port, q.raw);
        note('http', 'raw');
        if (a.hung) {
          t.hangs++;
          save('http-hang', q, `a raw request got neither an answer nor a close in ${HANG_HTTP_MS} ms`);
        } else if (a.status !== undefined && a.status >= 500) {
          t.fivexx++;
          save('http-5xx', q, `raw request answered ${a.status}`);
        }
        continue;
      }
      try {
        const res = await pool.call(q);
        note('http', `status_${res.status}`);
        if (res.status >= 500) {
          // A command the simulated appliance refused answers 502 with the command's result: by design.
          let failed = false;
          try {
            failed = res.status === 502 && JSON.parse(res.text).outcome === 'Failed';
          } catch {}
          if (failed) note('http', 'command_failed_502_by_design');
          else {
            t.fivexx++;
            save('http-5xx', q, `answered ${res.status}: ${res.text.slice(0, 500)}`);
          }
        }
      } catch (err) {
        const e = err as Error & { code?: string };
        if (e.code === 'HANG') {
          t.hangs++;
          save('http-hang', q, `no answer in ${HANG_HTTP_MS} ms`);
        } else if (
          e.code === 'ERR_INVALID_CHAR' ||
          e.code === 'ERR_UNESCAPED_CHARACTERS' ||
          e.code === 'ERR_INVALID_HTTP_TOKEN' ||
          e.code === 'ERR_HTTP_INVALID_HEADER_VALUE'
        )
          note('http', 'not_sendable');
        else if (e.code === 'ECONNRESET' || e.code === 'EPIPE') note('http', 'connection_closed_by_server');
        else note('http', `client_error_${e.code ?? e.name}`);
      }
      if (nth % 20_000 === 0) log(`fuzz: http ${nth}/${N_HTTP}`);
    }
  };
  await Promise.all(Array.from({ length: 12 }, worker));
  if (svc.child.exitCode !== null)
    save('service-crash', recent, 'the service exited during the HTTP phase: the last 100 requests');
}

// ─── Main ──────────────────────────────────────────────────────────────────────────────────────────
async function main(): Promise<number> {
  log(
    `fuzz: seed=${SEED} normalize=${N_NORMALIZE} cli=${N_CLI} tcp=${N_TCP} udp=${N_UDP} http=${N_HTTP}; culprits go to ${OUT}`,
  );
  const r = mulberry32(SEED);
  const started = Date.now();
  const sim = await startSimulator({
    publicToken: 'fz-pub',
    privateToken: 'fz-priv',
    seed: SEED % 100_000,
    history: { count: 500, days: 1 },
    ratePerMinute: 6,
  });
  const now = Date.now();
  const simLines = [
    ...sim.syslog({ since: now - 86_400_000, until: now }).lines.slice(0, 300),
    ...sim.syslog({ since: now - 86_400_000, until: now, format: 'rfc3164' }).lines.slice(0, 100),
  ];
  const lines = [...fixtureLines(), ...simLines];
  const records = fixtureRecords();
  log(`fuzz: corpus ${lines.length} lines (fixtures and the simulator's syslog), ${records.length} records`);

  phaseNormalize(r, lines, records);
  await phaseCli(r, lines);

  const svc = await startService(sim.url);
  const pool = new Http(Number(new URL(svc.url).port));
  let crashedAt: string | undefined;
  void svc.exited.then(({ code, signal }) => {
    crashedAt ??= `exit ${code ?? signal}`;
  });
  await sleep(3000); // the first poll and the bootstrap settle before RSS is read
  const rss0 = svc.rssKb();
  let rssMax = rss0;
  const rssTimer = setInterval(() => {
    rssMax = Math.max(rssMax, svc.rssKb());
  }, 500);
  const phaseStarted = Date.now();
  await phaseSyslog(r, svc, pool, lines);
  const syslogS = (Date.now() - phaseStarted) / 1000;
  const rssAfterSyslog = svc.rssKb();
  if (svc.child.exitCode === null) await phaseHttp(r, svc, pool);
  const httpS = (Date.now() - phaseStarted) / 1000 - syslogS;
  // After the storm: the service still answers, stores a canary, and stops cleanly.
  if (svc.child.exitCode === null) await canary(svc, pool, 'tcp', { via: 'tcp', after: 'http phase' });
  clearInterval(rssTimer);
  const rss1 = svc.rssKb();
  let stopped: { code: number | null; signal: string | null } | undefined;
  if (svc.child.exitCode === null) {
    svc.child.kill('SIGTERM');
    stopped = await Promise.race([svc.exited, sleep(30_000).then(() => undefined)]);
    if (!stopped) {
      svc.child.kill('SIGKILL');
      T('service').hangs++;
      save('service-hang', {}, 'SIGTERM did not stop the service within 30 s');
    } else if (stopped.code !== 0) {
      T('service').crashes++;
      save(
        'service-crash',
        { output: svc.output().slice(-5000) },
        `stopped with ${stopped.code ?? stopped.signal}`,
      );
    }
  } else {
    T('service').crashes++;
    save('service-crash', { output: svc.output().slice(-5000) }, `the service died: ${crashedAt}`);
  }
  pool.close();
  await sim.close();
  // Errors the service logged as its own (a 500's cause, an unhandled rejection) count as crashes.
  const internal = svc
    .output()
    .split('\n')
    .filter((l) => /internal error|Unhandled|uncaught/i.test(l));
  if (internal.length) {
    T('service').crashes += internal.length;
    save('service-log', internal.slice(0, 50), `${internal.length} internal errors in the service log`);
  }

  let inputs = 0;
  let crashes = 0;
  let hangs = 0;
  let fivexx = 0;
  for (const [phase, t] of Object.entries(tally)) {
    inputs += t.inputs;
    crashes += t.crashes;
    hangs += t.hangs;
    fivexx += t.fivexx;
    log(
      `fuzz: ${phase}: inputs=${t.inputs} crashes=${t.crashes} hangs=${t.hangs} 5xx=${t.fivexx} ${Object.entries(
        t.notes,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  }
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  log(
    `fuzz: service RSS ${mb(rss0)} MB at start, ${mb(rssAfterSyslog)} MB after syslog (${syslogS.toFixed(0)} s), ` +
      `${mb(rss1)} MB after HTTP (${httpS.toFixed(0)} s), peak ${mb(rssMax)} MB; ${canaries} canaries stored`,
  );
  log(
    `inputs=${inputs} crashes=${crashes} hangs=${hangs} 5xx=${fivexx} rss_growth_mb=${mb(rss1 - rss0)} ` +
      `seconds=${((Date.now() - started) / 1000).toFixed(0)} seed=${SEED}`,
  );
  return crashes || hangs || fivexx ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`fuzz: ${(err as Error).stack ?? err}\n`);
    process.exit(2);
  },
);
