// renderReportHtml: the report as one self-contained page (inline CSS and SVG, no scripts, no fetches)
// that reads on a screen and prints on A4: four pages, each section starting its own (overview and
// trend; top models, devices and RESPOND actions; acknowledgement and what is open; AI Analyst
// incidents).
import type { Change, Report, ReportListItem } from './build.ts';
import { esc, hBars, resetIds, stackedBars } from './charts.ts';

/** Severity 0–5 colours: distinct in print and for the common colour-vision deficiencies by lightness. */
export const SEVERITY_COLORS = ['#9e9e9e', '#64b5f6', '#2e7d32', '#f9a825', '#ef6c00', '#b71c1c'];
export const SEVERITY_NAMES = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'];
export const FAMILY_COLORS: Record<string, string> = {
  model_breach: '#3949ab',
  ai_analyst: '#8e24aa',
  respond_action: '#00897b',
  email_alert: '#6d4c41',
};
export const MODEL_COLOR = '#3949ab';
export const DEVICE_COLOR = '#00897b';
export const RESPOND_COLOR = '#00695c';

const fmt = (n: number) => n.toLocaleString('en-US');
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dateTime = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const weekday = (ms: number) =>
  new Date(ms).toLocaleDateString('en-GB', { weekday: 'short', timeZone: 'UTC' });

/** A duration for people: 45 s, 12 min, 3.5 h, 2.1 days. */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

/** "▲ 12 (+8%) vs previous": up is bad for every headline figure here (more detections, slower acks). */
function changeText(c: Change, asDuration = false): string {
  if (c.delta === null) return '<span class="chg">no comparison</span>';
  if (c.delta === 0) return '<span class="chg same">unchanged vs previous period</span>';
  const up = c.delta > 0;
  const amount = asDuration ? duration(Math.abs(c.delta)) : fmt(Math.abs(c.delta));
  const pct = c.ratio === null ? '' : ` (${up ? '+' : '−'}${Math.round(Math.abs(c.ratio) * 100)}%)`;
  return `<span class="chg ${up ? 'up' : 'down'}"><span aria-hidden="true">${up ? '▲' : '▼'}</span> ${up ? 'up' : 'down'} ${amount}${pct} vs previous period</span>`;
}

function card(label: string, value: string, c: Change, asDuration = false): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value">${value}</div>${changeText(c, asDuration)}</div>`;
}

/** `openList`: items open at the period's end, whose state now may have moved on. */
function itemsTable(
  items: ReportListItem[],
  caption: string,
  withSummary: boolean,
  openList = false,
): string {
  if (!items.length) return '<p class="empty">None.</p>';
  const rows = items
    .map(
      (i) =>
        `<tr><td><span class="sev s${i.severity}">${esc(i.severityLabel)}</span></td><td>${esc(dateTime(i.eventTime))}</td><td>${esc(i.instance)}</td><td><div class="ttl">${esc(i.title)}</div>${
          withSummary && i.summary
            ? `<div class="sum">${esc(i.summary.length > 320 ? `${i.summary.slice(0, 319)}…` : i.summary)}</div>`
            : ''
        }</td><td>${i.acknowledged ? (openList ? 'Acknowledged since' : 'Acknowledged') : openList ? 'Still open' : 'Open'}</td></tr>`,
    )
    .join('');
  return `<table class="list"><caption>${esc(caption)}</caption><thead><tr><th scope="col">Severity</th><th scope="col">Time</th><th scope="col">Instance</th><th scope="col">${withSummary ? 'Title and summary' : 'Title'}</th><th scope="col">${openList ? 'Now' : 'State'}</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const CSS = `
@page { size: A4; margin: 14mm 14mm 16mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 10.5pt/1.4 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 182mm; padding: 8mm 0; }
@media print { body { padding: 0; max-width: none; } }
header { border-bottom: 3px solid #1a237e; padding-bottom: 6px; margin-bottom: 10px; }
h1 { font-size: 19pt; margin: 0 0 2px; }
h2 { font-size: 13pt; margin: 14px 0 6px; color: #1a237e; }
h3 { font-size: 11pt; margin: 10px 0 4px; }
.meta { color: #555; font-size: 9.5pt; }
section.page { break-before: page; }
section.page:first-of-type { break-before: auto; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin: 8px 0; }
.card { border: 1px solid #d5d8e8; border-radius: 6px; padding: 7px 9px; break-inside: avoid; }
.card .label { font-size: 8.5pt; color: #555; text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 17pt; font-weight: 700; }
.chg { font-size: 8.5pt; color: #555; }
.chg.up { color: #b71c1c; } .chg.down { color: #2e7d32; }
.figure { margin: 4px 0 10px; break-inside: avoid; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: inherit; }
svg .grid { stroke: #e3e3e3; stroke-width: 1; } svg .axis { stroke: #777; stroke-width: 1; }
svg .tick, svg .legend, svg .value { font-size: 10px; fill: #444; } svg .label { font-size: 10.5px; fill: #222; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
table.list { width: 100%; border-collapse: collapse; font-size: 9pt; }
table.list caption { text-align: left; font-weight: 700; margin-bottom: 3px; }
table.list th, table.list td { text-align: left; vertical-align: top; border-bottom: 1px solid #e0e0e0; padding: 3px 4px; }
table.list tr { break-inside: avoid; }
.ttl { font-weight: 600; } .sum { color: #333; margin-top: 2px; }
.sev { display: inline-block; padding: 0 5px; border-radius: 3px; font-size: 8pt; border: 1px solid currentColor; }
.s0 { color: #616161; } .s1 { color: #1565c0; } .s2 { color: #2e7d32; } .s3 { color: #8d6e00; } .s4 { color: #bf4f00; } .s5 { color: #b71c1c; }
.empty { color: #666; font-style: italic; }
.note { color: #555; font-size: 8.5pt; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
`;

export function renderReportHtml(r: Report): string {
  resetIds();
  const h = r.headline;
  const scope = r.instances ? `Instances: ${r.instances.join(', ') || '(none)'}` : 'All instances';
  const period = `${date(r.period.from)} to ${date(r.period.to - 1)} (UTC)`;
  const days = r.severityByDay.map((d) =>
    r.severityByDay.length <= 14 ? `${weekday(d.day)} ${date(d.day).slice(5)}` : date(d.day).slice(5),
  );
  const severityChart = stackedBars({
    title: 'Detections per day by severity',
    description: `Stacked bars, one per day from ${date(r.period.from)}: ${fmt(h.detections)} detections in all, ${fmt(h.highOrCritical)} of them high or critical.`,
    categories: days,
    series: SEVERITY_NAMES.map((name, s) => ({
      name,
      color: SEVERITY_COLORS[s],
      values: r.severityByDay.map((d) => d.counts[s]),
    })),
    className: 'severity-by-day',
  });
  const familyChart = hBars({
    title: 'Detections by family',
    description: r.byFamily.map((f) => `${f.label}: ${fmt(f.n)}`).join('; '),
    items: r.byFamily.map((f) => ({ label: f.label, value: f.n, color: FAMILY_COLORS[f.family] })),
    color: '#3949ab',
    labelWidth: 180,
    className: 'by-family',
  });
  const topModels = hBars({
    title: 'Top models',
    description: `The ${r.topModels.length} models that breached most often in the period.`,
    items: r.topModels.map((m) => ({ label: m.name, value: m.n })),
    color: MODEL_COLOR,
    labelWidth: 380,
    className: 'top-models',
    empty: 'No model breaches in this period.',
  });
  const topDevices = hBars({
    title: 'Top devices',
    description: `The ${r.topDevices.length} devices with the most detections in the period.`,
    items: r.topDevices.map((m) => ({ label: m.name, value: m.n })),
    color: DEVICE_COLOR,
    labelWidth: 260,
    className: 'top-devices',
    empty: 'No device was named in this period’s detections.',
  });
  const respondChart = hBars({
    title: 'RESPOND actions by kind and state',
    description: `${fmt(r.respond.total)} RESPOND actions in the period.`,
    items: r.respond.byAction.map((a) => ({ label: a.name.replace(/^RESPOND /, ''), value: a.n })),
    color: RESPOND_COLOR,
    labelWidth: 300,
    className: 'respond',
    empty: 'No RESPOND actions in this period.',
  });
  const openChart = hBars({
    title: 'Open at the end of the period, by severity',
    description: SEVERITY_NAMES.map((n, s) => `${n}: ${r.open.bySeverity[s]}`).join('; '),
    items: SEVERITY_NAMES.map((label, s) => ({
      label,
      value: r.open.bySeverity[s],
      color: SEVERITY_COLORS[s],
    })).reverse(),
    color: '#777',
    labelWidth: 140,
    className: 'open-by-severity',
  });
  const c = r.changes;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.title)}: ${esc(period)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<section class="page" aria-labelledby="overview">
<header>
<h1 id="overview">${esc(r.title)}</h1>
<div class="meta">${esc(period)} · ${esc(scope)} · compared with ${esc(date(r.previousPeriod.from))} to ${esc(date(r.previousPeriod.to - 1))} · generated ${esc(dateTime(r.generatedAt))}</div>
</header>
<h2>At a glance</h2>
<div class="cards">
${card('Detections', fmt(h.detections), c.detections)}
${card('High or critical', fmt(h.highOrCritical), c.highOrCritical)}
${card('AI Analyst incidents', fmt(h.incidents), c.incidents)}
${card('RESPOND actions', fmt(h.respondActions), c.respondActions)}
${card('Median time to acknowledge', duration(h.timeToAck.medianMs), c.medianTimeToAck, true)}
${card('Open at period end', fmt(h.open), c.open)}
</div>
<h2>Detections over time</h2>
${severityChart}
<h2>By family</h2>
${familyChart}
</section>
<section class="page" aria-labelledby="tops">
<h2 id="tops">Top models</h2>
${topModels}
<h2>Top devices</h2>
${topDevices}
<h2>RESPOND actions taken</h2>
${respondChart}
</section>
<section class="page" aria-labelledby="ack">
<h2 id="ack">Acknowledgement</h2>
<div class="cards">
${card('Median time to acknowledge', duration(h.timeToAck.medianMs), c.medianTimeToAck, true)}
${card('90th percentile', duration(h.timeToAck.p90Ms), c.p90TimeToAck, true)}
<div class="card"><div class="label">Acknowledged, timed</div><div class="value">${fmt(r.timeToAck.count)}</div><span class="chg">${fmt(r.timeToAck.unknown)} more without a known time</span></div>
</div>
<p class="note">From a model breach's or AI Analyst event's time to its acknowledgement: Darktrace's own acknowledgement time when the record carries it, otherwise when the hub first stored it acknowledged. Detections already acknowledged when first stored, with no time given, are counted apart.</p>
<h2>Still open</h2>
<p>${fmt(r.open.total)} model breaches and AI Analyst events were unacknowledged at the end of the period; ${fmt(r.open.fromPeriod)} of them were detected during it.</p>
${openChart}
${itemsTable(r.open.items, 'The most severe detections open at the end of the period', false, true)}
</section>
<section class="page" aria-labelledby="incidents">
<h2 id="incidents">AI Analyst incidents</h2>
<p>${fmt(r.incidents.total)} AI Analyst incident events in the period${r.incidents.items.length < r.incidents.total ? `; the ${r.incidents.items.length} most severe:` : '.'}</p>
${itemsTable(r.incidents.items, 'AI Analyst incident events', true)}
</section>
</main>
</body>
</html>
`;
}
