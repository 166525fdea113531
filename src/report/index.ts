// Executive reports (issue 18): the figures of a period from the store (src/store/reports.ts) as a typed
// Report (build.ts), rendered to one self-contained HTML page with inline SVG charts (html.ts,
// charts.ts) and printed to PDF by the system's Chromium (pdf.ts). The scope is a period and a set of
// instance names, which is what a tenant will resolve to.
export {
  buildReport,
  type Change,
  change,
  checkPeriod,
  daysOf,
  FAMILY_LABELS,
  lastFullWeek,
  MAX_REPORT_DAYS,
  type Report,
  type ReportListItem,
  type ReportOptions,
} from './build.ts';
export { duration, renderReportHtml, SEVERITY_COLORS } from './html.ts';
export {
  MEDIA_TYPES,
  produceReport,
  REPORT_FORMATS,
  type RenderedReport,
  type ReportFormat,
  resolvePeriod,
} from './output.ts';
export { CHROMIUM_ENV, ChromiumMissingError, findChromium, type PdfOptions, renderReportPdf } from './pdf.ts';
