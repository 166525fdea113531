// The report over a seeded week, rendered: the HTML page is self-contained and accessible, and the PDF
// Chromium prints from it has four A4 pages with the charts drawn where they belong (its pages rendered
// to pixels by pdftoppm and checked by colour).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_COLOR, FAMILY_COLORS, MODEL_COLOR, SEVERITY_COLORS } from '../../src/report/html.ts';
import {
  buildReport,
  findChromium,
  type Report,
  renderReportHtml,
  renderReportPdf,
} from '../../src/report/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { KEY } from '../store/helpers.ts';
import { expectedHeadline } from './expected.ts';
import { colorArea, inked, pdfPages } from './ppm.ts';
import { FROM, PREV_FROM, plan, seed, TO } from './seed.ts';

const planned = plan();
let store: Store;
let report: Report;

beforeAll(async () => {
  store = await openStore({ path: ':memory:', secretKey: KEY, env: {} });
  await seed(store, planned);
  report = await buildReport(store, { from: FROM, to: TO, now: TO + 3_600_000 });
});
afterAll(async () => store?.close());

describe('the report object', () => {
  it('carries the week, the previous week and the change between them', () => {
    expect(report.period).toEqual({ from: FROM, to: TO });
    expect(report.previousPeriod).toEqual({ from: PREV_FROM, to: FROM });
    const now = expectedHeadline(planned, { from: FROM, to: TO });
    const before = expectedHeadline(planned, { from: PREV_FROM, to: FROM });
    expect(report.headline).toEqual(now);
    expect(report.previous).toEqual(before);
    expect(report.changes.detections.delta).toBe(now.detections - before.detections);
    expect(report.severityByDay).toHaveLength(7);
    expect(report.severityByDay.reduce((n, d) => n + d.counts.reduce((a, b) => a + b, 0), 0)).toBe(
      now.detections,
    );
    // Summaries come from the stored records, through the normaliser.
    const first = report.incidents.items[0];
    const seeded = planned.find((p) => `${p.instance}/ai_analyst/${p.nativeId}` === first.key);
    expect(first.summary).toBe(seeded?.summary);
  });
});

describe('the HTML page', () => {
  it('is self-contained, with a title and a text alternative for every chart', () => {
    const html = renderReportHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src="http|url\(/i);
    const charts = html.match(/<svg class="chart[^>]*>/g) ?? [];
    expect(charts.length).toBe(6);
    for (const svg of charts)
      expect(svg).toMatch(/role="img" aria-labelledby="chart-title-\d+ chart-desc-\d+"/);
    expect((html.match(/<table class="sr-only">/g) ?? []).length).toBe(6);
    expect(html).toContain(report.topModels[0].name);
    // The same report renders to the same text.
    expect(renderReportHtml(report)).toBe(html);
  });

  it('escapes what the records say', async () => {
    const evil = { ...report, topDevices: [{ name: '<img src=x onerror=alert(1)>', n: 3 }] };
    const html = renderReportHtml(evil);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('the PDF', () => {
  it('names what to install when no Chromium is found', () => {
    expect(() => findChromium({ DTC_CHROMIUM: '/nonexistent/chromium' })).toThrow(
      /install it \(Debian: apt-get install chromium\) or set DTC_CHROMIUM/,
    );
  });

  it('has four A4 pages with the charts drawn', { timeout: 120_000 }, async () => {
    const pdf = await renderReportPdf(renderReportHtml(report));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const keep = process.env.DTC_REPORT_PNG_DIR;
    if (keep) mkdirSync(keep, { recursive: true });
    const pages = pdfPages(pdf, 50, keep);
    expect(pages).toHaveLength(4);
    // A4 portrait at 50 dpi: 8.27 × 11.69 in.
    expect(pages[0].width).toBeCloseTo(413, -1);
    expect(pages[0].height).toBeCloseTo(585, -1);

    // Page 1: the severity-per-day bars span the width below the headline; the family bars below them.
    const critical = colorArea(pages[0], SEVERITY_COLORS[5]);
    const medium = colorArea(pages[0], SEVERITY_COLORS[3]);
    expect(critical.n).toBeGreaterThan(30);
    expect(medium.n).toBeGreaterThan(30);
    expect(medium.box!.x1 - medium.box!.x0).toBeGreaterThan(0.6);
    expect(medium.box!.y0).toBeGreaterThan(0.25);
    const aia = colorArea(pages[0], FAMILY_COLORS.ai_analyst);
    expect(aia.n).toBeGreaterThan(20);
    expect(aia.box!.y0).toBeGreaterThan(medium.box!.y1);

    // Page 2: top models, then top devices under them.
    const models = colorArea(pages[1], MODEL_COLOR);
    const devices = colorArea(pages[1], DEVICE_COLOR);
    expect(models.n).toBeGreaterThan(50);
    expect(devices.n).toBeGreaterThan(50);
    expect(devices.box!.y0).toBeGreaterThan(models.box!.y1);

    // Page 3: open by severity. Page 4: the incidents' text.
    expect(colorArea(pages[2], SEVERITY_COLORS[4]).n).toBeGreaterThan(10);
    expect(inked(pages[3])).toBeGreaterThan(2000);
    // The pages besides the charts are not blank either.
    for (const p of pages) expect(inked(p)).toBeGreaterThan(1000);
  });
});

describe('pdftoppm', () => {
  it('is installed (Debian poppler-utils)', () => {
    expect(
      execFileSync('pdftoppm', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    ).toBeDefined();
  });
});
