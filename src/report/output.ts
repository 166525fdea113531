// One report in one of its formats, for every surface (CLI, API, schedule): the bytes, their media
// type and a file name.
import type { Reports } from '../store/reports.ts';
import { DAY_MS } from '../store/reports.ts';
import { parseTime } from '../util/time.ts';
import { buildReport, lastFullWeek, type ReportOptions } from './build.ts';
import { renderReportHtml } from './html.ts';
import { type PdfOptions, renderReportPdf } from './pdf.ts';

export const REPORT_FORMATS = ['html', 'pdf', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const MEDIA_TYPES: Record<ReportFormat, string> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json; charset=utf-8',
};

export interface RenderedReport {
  format: ReportFormat;
  body: Buffer;
  contentType: string;
  /** `dtc-report-2026-11-30_2026-12-07.pdf`. */
  fileName: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function produceReport(
  store: { reports: Reports },
  opts: ReportOptions & { format: ReportFormat; pdf?: PdfOptions },
): Promise<RenderedReport> {
  const report = await buildReport(store, opts);
  const fileName = `dtc-report-${day(opts.from)}_${day(opts.to)}.${opts.format}`;
  const body =
    opts.format === 'json'
      ? Buffer.from(`${JSON.stringify(report, null, 2)}\n`)
      : opts.format === 'html'
        ? Buffer.from(renderReportHtml(report))
        : await renderReportPdf(renderReportHtml(report), opts.pdf);
  return { format: opts.format, body, contentType: MEDIA_TYPES[opts.format], fileName };
}

/**
 * A period from what a person typed (ISO 8601, epoch ms or an age, as elsewhere): both ends given, or
 * one end and a week from it, or neither: the last full week, Monday to Monday UTC.
 */
export function resolvePeriod(
  from: string | undefined,
  to: string | undefined,
  now = Date.now(),
): { from: number; to: number } {
  if (from === undefined && to === undefined) return lastFullWeek(now);
  const t = to === undefined ? undefined : parseTime(to, now);
  const f = from === undefined ? undefined : parseTime(from, now);
  if (f !== undefined && t !== undefined) return { from: f, to: t };
  if (f !== undefined) return { from: f, to: Math.max(now, f + 1) };
  return { from: (t as number) - 7 * DAY_MS, to: t as number };
}
