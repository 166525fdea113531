// Cold start of the compiled CLI against the cold start of Node itself, measured in the same run:
//   node     node -e 0
//   version  node bin/dtc.js --version
//   help     node bin/dtc.js --help
//   cmdlist  node bin/dtc.js cmd list        (stdout not a terminal, so the JSON catalog)
// Each round runs the four once, in a rotating order, as fresh processes (no warm module cache beyond
// the OS's file cache, which one untimed round fills). A figure is the median of the rounds, never the
// best; the ratio is that median over node's median. Target: every ratio under 4.
// Last line: `ratio version=<x> help=<y> cmdlist=<z>`. Exit 1 when a ratio misses the target.
// Run: npm run bench:cli  (builds dist/ first; DTC_BENCH_ROUNDS overrides the 15 rounds, at least 5)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'dtc.js');
const ROUNDS = Math.max(5, Number(process.env.DTC_BENCH_ROUNDS ?? 15));
const TARGET = 4;

const CASES: { name: string; args: string[] }[] = [
  { name: 'node', args: ['-e', '0'] },
  { name: 'version', args: [BIN, '--version'] },
  { name: 'help', args: [BIN, '--help'] },
  { name: 'cmdlist', args: [BIN, 'cmd', 'list'] },
];

/** One fresh process; its wall time from spawn to exit, in milliseconds. */
function run(args: string[], check = false): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', check ? 'pipe' : 'ignore', 'pipe'],
    maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0 || (check && args[0] !== '-e' && !r.stdout?.length))
    throw new Error(`node ${args.join(' ')} failed (exit ${r.status}): ${r.stderr?.toString().trim()}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench:cli: dist/ is missing: run npm run build first (npm run bench:cli does)');
  process.exit(1);
}

console.log(`bench:cli  cold start, ${ROUNDS} rounds, Node ${process.version}, ${path.relative(ROOT, BIN)}`);
// The untimed round checks that each command works and fills the file cache.
for (const c of CASES) run(c.args, true);
const times = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (let i = 0; i < CASES.length; i++) {
    const c = CASES[(r + i) % CASES.length];
    times.get(c.name)!.push(run(c.args));
  }
}

const base = median(times.get('node')!);
const ratios: Record<string, number> = {};
for (const c of CASES) {
  const t = times.get(c.name)!;
  const m = median(t);
  const ratio = m / base;
  if (c.name !== 'node') ratios[c.name] = ratio;
  const cmd = c.args[0] === BIN ? `dtc ${c.args.slice(1).join(' ')}` : `node ${c.args.join(' ')}`;
  console.log(
    `  ${cmd.padEnd(20)} median ${m.toFixed(1).padStart(6)} ms  (min ${Math.min(...t).toFixed(1)}, max ${Math.max(...t).toFixed(1)})` +
      (c.name === 'node'
        ? ''
        : `  ${ratio.toFixed(2)}x node  ${ratio < TARGET ? 'met' : 'MISSED'} (< ${TARGET}x)`),
  );
}
console.log(
  `ratio ${Object.entries(ratios)
    .map(([k, v]) => `${k}=${v.toFixed(2)}`)
    .join(' ')}`,
);
if (Object.values(ratios).some((r) => r >= TARGET)) process.exitCode = 1;
