// Normaliser throughput against the floor of JSON.parse + JSON.stringify on the same lines.
// Builds a corpus of ≥ 200,000 lines from the fixtures (every elastic line, syslog framing kept, plus
// the XSOAR REST records), each with its own ids and times, then times three passes over it:
//   floor  JSON.parse(payload) + JSON.stringify(result)
//   ecs    normalize(line) → ECS JSON string
//   ocsf   normalize(line) → OCSF JSON string
// Each pass runs ROUNDS (≥ 3) times, interleaved, the order turning each round; each round gives a ratio
// against the floor of the same round, and the median of those counts. Each pass's CPU time (the
// process's, GC threads included) is reported beside its wall time: on a shared machine it moves less
// with the other load. Last line: `ratio ecs=<x> ocsf=<y>` (wall time).
// Run: npm run bench:normalize  (DTC_BENCH_LINES, DTC_BENCH_ROUNDS, DTC_FIXTURES override)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { normalize, render } from '../../src/normalize/index.ts';
import { fixturesDir, XSOAR_RECORD_FILES } from '../../test/normalize/helpers.ts';

const fixtures = fixturesDir;
const LINES = Math.max(200_000, Number(process.env.DTC_BENCH_LINES ?? 200_000));
const ROUNDS = Math.max(3, Number(process.env.DTC_BENCH_ROUNDS ?? 3));

interface Template {
  prefix: string; // syslog header or app-name prefix, '' for raw JSON
  rec: Record<string, any>;
}

function templates(): Template[] {
  const out: Template[] = [];
  const edir = path.join(fixtures, 'elastic');
  for (const f of readdirSync(edir).filter((f) => f.endsWith('.log'))) {
    for (const line of readFileSync(path.join(edir, f), 'utf8').split('\n')) {
      const at = line.indexOf('{');
      if (at < 0) continue;
      out.push({ prefix: line.slice(0, at), rec: JSON.parse(line.slice(at)) });
    }
  }
  const xdir = path.join(fixtures, 'xsoar');
  for (const f of XSOAR_RECORD_FILES) {
    const v = JSON.parse(readFileSync(path.join(xdir, f), 'utf8'));
    for (const rec of Array.isArray(v) ? v : [v]) out.push({ prefix: '', rec });
  }
  return out;
}

/** The template with fresh ids and times: every line is its own detection. */
function vary(t: Template, i: number): string {
  const r = t.rec;
  const shift = i * 1000;
  const o: Record<string, any> = { ...r };
  if ('pbid' in r) o.pbid = 1_000_000 + i;
  if ('aiaScore' in r || 'currentGroup' in r) o.id = `b3e1c0de-0000-4000-8000-${String(i).padStart(12, '0')}`;
  if ('alert_name' in r) o.uuid = `5e5e5e5e-0000-4000-8000-${String(i).padStart(12, '0')}`;
  for (const k of ['time', 'creationTime', 'createdAt']) if (typeof r[k] === 'number') o[k] = r[k] + shift;
  if (typeof r.last_updated === 'number') o.last_updated = r.last_updated + i;
  return t.prefix + JSON.stringify(o);
}

function buildCorpus(): string[] {
  const ts = templates();
  const lines = new Array<string>(LINES);
  for (let i = 0; i < LINES; i++) {
    lines[i] = vary(ts[i % ts.length], i);
    // A prefixed line is a concatenation that V8 flattens on its first read: done here, so the copy
    // does not fall on whichever pass reads the corpus first.
    lines[i].indexOf('{');
  }
  return lines;
}

interface Pass {
  label: string;
  fn: (line: string) => string;
  seconds: number[]; // wall time, one per round
  cpuSeconds: number[]; // the process's CPU time (user + system), one per round
  bytes: number;
}

function once(p: Pass, lines: string[]): void {
  let bytes = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) bytes += p.fn(lines[i]).length;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  p.seconds.push(s);
  p.cpuSeconds.push((c.user + c.system) / 1e6);
  p.bytes = bytes;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function report(p: Pass, n: number): void {
  const rate = n / median(p.seconds);
  console.log(
    `${p.label.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} events/s  ` +
      `(median ${median(p.seconds).toFixed(2)} s, CPU ${median(p.cpuSeconds).toFixed(2)} s, for ` +
      `${n.toLocaleString('en-US')} lines, ${(p.bytes / 1e6).toFixed(0)} MB out)`,
  );
}

const corpus = buildCorpus();
const inBytes = corpus.reduce((n, l) => n + l.length, 0);
console.log(
  `corpus: ${corpus.length.toLocaleString('en-US')} lines, ${(inBytes / 1e6).toFixed(0)} MB, ` +
    `node ${process.version}, median of ${ROUNDS} rounds`,
);

// Warm the JIT on a slice so the first timed pass is not the compile pass.
const warm = corpus.slice(0, 5000);
for (const l of warm) {
  JSON.stringify(JSON.parse(l.slice(l.indexOf('{'))));
  render(normalize(l), 'ecs');
  render(normalize(l), 'ocsf');
}

// Rounds are interleaved (floor, ECS, OCSF, then ECS, OCSF, floor, …) so that load from anything else on
// the machine falls on all three passes alike; each round's ratios are taken against that round's floor.
const passes: Pass[] = [
  {
    label: 'JSON.parse+JSON.stringify',
    fn: (l) => JSON.stringify(JSON.parse(l.slice(l.indexOf('{')))),
    seconds: [],
    cpuSeconds: [],
    bytes: 0,
  },
  {
    label: 'normalize → ECS',
    fn: (l) => render(normalize(l), 'ecs'),
    seconds: [],
    cpuSeconds: [],
    bytes: 0,
  },
  {
    label: 'normalize → OCSF',
    fn: (l) => render(normalize(l), 'ocsf'),
    seconds: [],
    cpuSeconds: [],
    bytes: 0,
  },
];
const ecsRatios: number[] = [];
const ocsfRatios: number[] = [];
const ecsCpuRatios: number[] = [];
const ocsfCpuRatios: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < passes.length; k++) once(passes[(k + r) % passes.length], corpus);
  const [floor, ecs, ocsf] = passes.map((p) => p.seconds[r]);
  const [floorCpu, ecsCpu, ocsfCpu] = passes.map((p) => p.cpuSeconds[r]);
  ecsRatios.push(floor / ecs);
  ocsfRatios.push(floor / ocsf);
  ecsCpuRatios.push(floorCpu / ecsCpu);
  ocsfCpuRatios.push(floorCpu / ocsfCpu);
  console.log(
    `round ${r + 1}: ecs=${(floor / ecs).toFixed(2)} ocsf=${(floor / ocsf).toFixed(2)} ` +
      `(CPU time: ecs=${(floorCpu / ecsCpu).toFixed(2)} ocsf=${(floorCpu / ocsfCpu).toFixed(2)})`,
  );
}
for (const p of passes) report(p, corpus.length);
console.log(`cpu ratio ecs=${median(ecsCpuRatios).toFixed(2)} ocsf=${median(ocsfCpuRatios).toFixed(2)}`);
console.log(`ratio ecs=${median(ecsRatios).toFixed(2)} ocsf=${median(ocsfRatios).toFixed(2)}`);
