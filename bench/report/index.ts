// The weekly executive report over ROWS detections on INSTANCES instances (default 1,000,000 and 100):
// the time to build it (every figure, this week and the one before) and to render its HTML, and the
// process's peak memory, each as a ratio against a baseline measured in the same run: a plain count
// over the same rows (the week's heads joined to their log rows, as the report's lists are). Target
// (issue 18): the build under 10 s at a million. The PDF (a separate Chromium process) is left out.
// Run: npm run bench:report   (DTC_BENCH_ROWS, DTC_BENCH_INSTANCES, DTC_BENCH_ROUNDS override)
import { sql } from 'kysely';
import { buildReport, renderReportHtml } from '../../src/report/index.ts';
import { openSqlite } from '../../src/store/sqlite.ts';
import { seededStore, WEEK_END } from './seed.ts';

const ROWS = Number(process.env.DTC_BENCH_ROWS ?? 1_000_000);
const INSTANCES = Number(process.env.DTC_BENCH_INSTANCES ?? 100);
const ROUNDS = Number(process.env.DTC_BENCH_ROUNDS ?? 3);
const DAY = 86_400_000;
const from = WEEK_END - 7 * DAY;
const to = WEEK_END;

const peakMb = () => process.resourceUsage().maxRSS / 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const seeded = await seededStore(ROWS, INSTANCES, (l) => console.log(l));
  console.log(
    seeded.cached
      ? `${ROWS.toLocaleString('en')} detections on ${INSTANCES} instances from the cache`
      : `seeded ${ROWS.toLocaleString('en')} detections on ${INSTANCES} instances in ${seeded.seedSeconds.toFixed(1)} s (cached)`,
  );
  // The baseline on its own connection, so it shares no cache with the report's.
  const { db, kysely } = openSqlite(seeded.path);
  const baseline: number[] = [];
  let counted = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    const row = await sql<{ n: number }>`SELECT count(*) AS n, sum(d.severity) AS s FROM detection_heads h
      JOIN detections d ON d.seq = h.seq WHERE h.event_time >= ${from} AND h.event_time < ${to}`.execute(
      kysely,
    );
    counted = Number(row.rows[0].n);
    baseline.push(performance.now() - t);
  }
  const baselineRss = peakMb();
  await kysely.destroy();
  db.close();

  const build: number[] = [];
  const render: number[] = [];
  let detections = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    const report = await buildReport(seeded.store, { from, to });
    build.push(performance.now() - t);
    const t2 = performance.now();
    renderReportHtml(report);
    render.push(performance.now() - t2);
    detections = report.headline.detections;
  }
  const reportRss = peakMb();
  await seeded.close();

  const b = median(baseline);
  const m = median(build);
  console.log(
    `week's detections: ${detections.toLocaleString('en')} (baseline counted ${counted.toLocaleString('en')})`,
  );
  console.log(`baseline count over the week's rows: ${b.toFixed(0)} ms (median of ${ROUNDS})`);
  console.log(
    `report build: ${m.toFixed(0)} ms = ${(m / b).toFixed(1)}× the baseline${ROWS >= 1_000_000 ? ` (target < 10,000 ms: ${m < 10_000 ? 'met' : 'missed'})` : ''}`,
  );
  console.log(`HTML render: ${median(render).toFixed(1)} ms`);
  console.log(
    `peak RSS: ${baselineRss.toFixed(0)} MB after the baseline, ${reportRss.toFixed(0)} MB after the report = ${(reportRss / baselineRss).toFixed(2)}×`,
  );
}

await main();
