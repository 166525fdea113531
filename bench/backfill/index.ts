// Backfill benchmark: N breaches (default 1,000,000) from the simulator into SQLite, against a bare
// fetch + JSON.parse of the same windows measured in the same run. The simulator runs in its own
// process (as an appliance would be elsewhere); the backfill runs in a child process so its peak RSS is
// its own (its peak RSS is the kernel's high-water mark for the whole process, every worker thread
// included, so nothing between samples is missed). Each round runs the bare pass and then a backfill into
// a fresh data directory, so both see the same load; BENCH_ROUNDS (default 3) rounds, and the last line
// gives the medians: `ratio backfill=<x> rss_mb=<m>`. The two passes run one after the other for
// minutes each, so on a shared machine they rarely see the same load: each round also gives the ratio
// in CPU time (the bare pass's process against the backfill's, every thread of each counted), which
// moves less with it; the line before the last gives its median, `cpu_ratio backfill=<x>`.
// BENCH_COUNT (default 1,000,000) and BENCH_DAYS (default 30) make a shorter run.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DarktraceClient } from '../../src/darktrace/index.ts';

const COUNT = Number(process.env.BENCH_COUNT ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW_MS = 3_600_000; // the poller's default window span
const PUB = 'bench-pub';
const PRIV = 'bench-priv';

function startSimulator(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    'node',
    [
      'bin/dtc.js',
      'simulator',
      '--port',
      '0',
      '--public-token',
      PUB,
      '--private-token',
      PRIV,
      '--history',
      String(COUNT),
      '--history-days',
      String(DAYS),
      '--rate',
      '0',
      '--max-lag',
      '5',
      '--seed',
      '7',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

async function bare(
  url: string,
  since: number,
  until: number,
): Promise<{ items: number; seconds: number; cpuSeconds: number }> {
  const client = new DarktraceClient({ url, publicToken: PUB, privateToken: PRIV });
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  let items = 0;
  for (let s = since; s < until; s += WINDOW_MS) {
    const list = await client.modelBreaches.list({
      starttime: s,
      endtime: Math.min(until, s + WINDOW_MS) - 1,
      creationtime: true,
      includeacknowledged: true,
      deviceattop: true,
      historicmodelonly: true,
      includebreachurl: true,
      expandenums: true,
    });
    items += list.length;
  }
  await client.close();
  const cpu = process.cpuUsage(cpu0);
  return { items, seconds: (performance.now() - t) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

function run(cmd: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', cmd, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd.join(' ')} exited with ${code}`)),
    );
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One backfill of [since, now) into a fresh data directory: breaches stored, rate, peak RSS. */
async function backfillOnce(url: string, since: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-bench-backfill-'));
  try {
    await run(
      [
        'bin/dtc.js',
        'instance',
        'add',
        '--name',
        'bench',
        '--url',
        url,
        '--public-token',
        PUB,
        '--data-dir',
        dataDir,
      ],
      { DTC_PRIVATE_TOKEN: PRIV },
    );
    const t = performance.now();
    const report = JSON.parse(
      await run([
        'bin/dtc.js',
        'backfill',
        '--instance',
        'bench',
        '--since',
        String(since),
        '--streams',
        'modelbreaches',
        '--data-dir',
        dataDir,
        '--stats',
      ]),
    );
    const seconds = (performance.now() - t) / 1000;
    const items: number = report.modelbreaches.new;
    return {
      items,
      seconds,
      rate: items / seconds,
      rssMb: Math.round(report.stats.maxRssMb),
      cpuSeconds: report.stats.cpuSeconds as number,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const sim = await startSimulator();
try {
  const until = Date.now();
  const since = until - (DAYS + 1) * 86_400_000;
  process.stderr.write(`bench: ${COUNT} breaches over ${DAYS} days from ${sim.url}, ${ROUNDS} round(s)\n`);
  const ratios: number[] = [];
  const rss: number[] = [];
  const cpuRatios: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const base = await bare(sim.url, since, until);
    const baseRate = base.items / base.seconds;
    const b = await backfillOnce(sim.url, since);
    ratios.push(b.rate / baseRate);
    rss.push(b.rssMb);
    // Breaches per CPU second, backfill against bare.
    const cpuRatio = b.items / b.cpuSeconds / (base.items / base.cpuSeconds);
    cpuRatios.push(cpuRatio);
    console.log(
      `round ${r}: bare fetch+JSON.parse ${base.items} breaches in ${base.seconds.toFixed(1)} s = ${Math.round(baseRate)}/s; ` +
        `backfill into SQLite ${b.items} in ${b.seconds.toFixed(1)} s = ${Math.round(b.rate)}/s, peak RSS ${b.rssMb} MB; ` +
        `ratio ${(b.rate / baseRate).toFixed(2)}; CPU ${base.cpuSeconds.toFixed(1)} s bare, ` +
        `${b.cpuSeconds.toFixed(1)} s backfill, cpu ratio ${cpuRatio.toFixed(2)}`,
    );
    if (b.items !== base.items)
      console.log(`note: the backfill stored ${b.items}, the bare pass read ${base.items}`);
  }
  console.log(`cpu_ratio backfill=${median(cpuRatios).toFixed(2)}`);
  console.log(`ratio backfill=${median(ratios).toFixed(2)} rss_mb=${Math.round(median(rss))}`);
} finally {
  sim.child.kill();
}
