// The report's charts as inline SVG, drawn here (no chart library): stacked vertical bars (severity per
// day) and horizontal bars (families, top models and devices). Each chart is an `img` with a title and a
// description, and carries its numbers as a table for screen readers, so the page says what it shows.

export const esc = (s: unknown): string =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

let ids = 0;
/** Element ids unique within one page (charts reference their own title and description). */
const nextId = (p: string) => `${p}-${++ids}`;
/** Starts a page's ids again, so the same report renders to the same text. */
export const resetIds = () => {
  ids = 0;
};

/** A round number at or above `max` for the axis, and its tick step. */
export function niceScale(max: number, ticks = 4): { top: number; step: number } {
  if (max <= 0) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) as number;
  const s = Math.max(1, step);
  return { top: Math.ceil(max / s) * s, step: s };
}

const fmt = (n: number) => n.toLocaleString('en-US');

function srTable(caption: string, head: string[], rows: (string | number)[][]): string {
  return `<table class="sr-only"><caption>${esc(caption)}</caption><thead><tr>${head
    .map((h) => `<th scope="col">${esc(h)}</th>`)
    .join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i ? `<td>${esc(c)}</td>` : `<th scope="row">${esc(c)}</th>`)).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

export interface Series {
  name: string;
  color: string;
  values: number[];
}

/** Vertical bars, one per category, each stacked from the series in order, with a legend. */
export function stackedBars(o: {
  title: string;
  description: string;
  categories: string[];
  series: Series[];
  width?: number;
  height?: number;
  className?: string;
}): string {
  const width = o.width ?? 680;
  const height = o.height ?? 230;
  const left = 44;
  const right = 8;
  const top = 10;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const totals = o.categories.map((_, i) => o.series.reduce((n, s) => n + (s.values[i] ?? 0), 0));
  const { top: max, step } = niceScale(Math.max(0, ...totals));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const slot = plotW / Math.max(o.categories.length, 1);
  const barW = Math.max(2, Math.min(48, slot * 0.7));
  const t = nextId('chart-title');
  const d = nextId('chart-desc');
  const parts: string[] = [];
  for (let v = 0; v <= max; v += step) {
    parts.push(
      `<line class="grid" x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`,
      `<text class="tick" x="${left - 6}" y="${(y(v) + 3.5).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  // Label every category when they fit, otherwise about twelve of them.
  const every = Math.max(1, Math.ceil(o.categories.length / 12));
  o.categories.forEach((c, i) => {
    const x = left + slot * i + (slot - barW) / 2;
    let acc = 0;
    for (const s of o.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = y(acc);
      const y1 = y(acc + v);
      acc += v;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y1.toFixed(1)}" width="${barW.toFixed(1)}" height="${Math.max(0.5, y0 - y1).toFixed(1)}" fill="${s.color}"><title>${esc(`${c}: ${s.name} ${fmt(v)}`)}</title></rect>`,
      );
    }
    if (i % every === 0)
      parts.push(
        `<text class="tick" x="${(x + barW / 2).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle">${esc(c)}</text>`,
      );
  });
  parts.push(`<line class="axis" x1="${left}" x2="${width - right}" y1="${y(0)}" y2="${y(0)}"/>`);
  // Legend under the axis labels.
  let lx = left;
  for (const s of o.series) {
    parts.push(
      `<rect x="${lx}" y="${height - 14}" width="10" height="10" fill="${s.color}"/>`,
      `<text class="legend" x="${lx + 14}" y="${height - 5}">${esc(s.name)}</text>`,
    );
    lx += 24 + s.name.length * 6.2;
  }
  const svg = `<svg class="chart ${esc(o.className ?? '')}" role="img" aria-labelledby="${t} ${d}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title id="${t}">${esc(o.title)}</title><desc id="${d}">${esc(o.description)}</desc>${parts.join('')}</svg>`;
  const table = srTable(
    o.title,
    ['', ...o.series.map((s) => s.name), 'Total'],
    o.categories.map((c, i) => [c, ...o.series.map((s) => s.values[i] ?? 0), totals[i]]),
  );
  return `<figure class="figure">${svg}${table}</figure>`;
}

/** Horizontal bars, one per item, labelled with its name and value. */
export function hBars(o: {
  title: string;
  description: string;
  items: { label: string; value: number; color?: string }[];
  color: string;
  width?: number;
  labelWidth?: number;
  className?: string;
  empty?: string;
}): string {
  if (!o.items.length) return `<p class="empty">${esc(o.empty ?? 'None in this period.')}</p>`;
  const width = o.width ?? 680;
  const labelW = o.labelWidth ?? 300;
  const row = 20;
  const height = o.items.length * row + 6;
  const valueW = 56;
  const plotW = width - labelW - valueW;
  const max = Math.max(1, ...o.items.map((i) => i.value));
  const t = nextId('chart-title');
  const d = nextId('chart-desc');
  const maxChars = Math.floor(labelW / 6.1);
  const parts = o.items.map((it, i) => {
    const y = 3 + i * row;
    const w = Math.max(1, (it.value / max) * plotW);
    const label = it.label.length > maxChars ? `${it.label.slice(0, maxChars - 1)}…` : it.label;
    return (
      `<text class="label" x="${labelW - 8}" y="${y + 13}" text-anchor="end">${esc(label)}<title>${esc(it.label)}</title></text>` +
      `<rect x="${labelW}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 6}" fill="${it.color ?? o.color}"><title>${esc(`${it.label}: ${fmt(it.value)}`)}</title></rect>` +
      `<text class="value" x="${(labelW + w + 6).toFixed(1)}" y="${y + 13}">${fmt(it.value)}</text>`
    );
  });
  const svg = `<svg class="chart ${esc(o.className ?? '')}" role="img" aria-labelledby="${t} ${d}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title id="${t}">${esc(o.title)}</title><desc id="${d}">${esc(o.description)}</desc>${parts.join('')}</svg>`;
  return `<figure class="figure">${svg}${srTable(
    o.title,
    ['Name', 'Count'],
    o.items.map((i) => [i.label, i.value]),
  )}</figure>`;
}
