// The detection search as the console keeps it: in the page's URL (so a search is a link to share) and
// as the API's query string. One parse and one serialisation, both canonical: the same search is always
// the same URL, whatever order its filters were set in.
import { FAMILIES, type Family } from '../../../src/normalize/model.ts';
import type { HistogramQuery, SearchQuery } from '../api/types.ts';

export { FAMILIES };

export interface Search {
  /** Free text in the API's query language: every term must match, as a prefix. */
  q?: string;
  /** Minimum severity, 0–5. */
  severity?: number;
  instance?: string;
  family?: Family;
  acknowledged?: boolean;
  /** Event time from: an age (24h, 7d), ISO 8601 or epoch ms, as the API takes it. */
  from?: string;
  /** Event time to (inclusive), in the same forms. */
  to?: string;
}

const ORDER = ['q', 'severity', 'instance', 'family', 'acknowledged', 'from', 'to'] as const;

/** A URL's search (`?q=ransom&severity=4`) read leniently: a value the API would refuse is dropped. */
export function parseSearch(params: URLSearchParams | string): Search {
  const p = typeof params === 'string' ? new URLSearchParams(params) : params;
  const s: Search = {};
  const q = p.get('q')?.trim();
  if (q) s.q = q;
  const sev = p.get('severity');
  if (sev !== null && /^[0-5]$/.test(sev)) s.severity = Number(sev);
  const instance = p.get('instance')?.trim();
  if (instance) s.instance = instance;
  const family = p.get('family');
  if (family && (FAMILIES as readonly string[]).includes(family)) s.family = family as Family;
  const ack = p.get('acknowledged');
  if (ack === 'true' || ack === 'false') s.acknowledged = ack === 'true';
  for (const k of ['from', 'to'] as const) {
    const v = p.get(k)?.trim();
    if (v) s[k] = v;
  }
  return s;
}

/** The search as query-string pairs in a fixed order, empty filters left out. */
function pairs(s: Search): [string, string][] {
  const out: [string, string][] = [];
  for (const k of ORDER) {
    const v = s[k];
    if (v === undefined || v === '') continue;
    out.push([k, String(v)]);
  }
  return out;
}

/** The page URL's query for a search: `?q=ransom&severity=4`, or '' for no filter. */
export function searchToUrl(s: Search): string {
  const qs = new URLSearchParams(pairs(s)).toString();
  return qs ? `?${qs}` : '';
}

/** The API's query for a page of results (`/api/detections?…`), typed by the API's own schema. */
export function searchToApi(s: Search, page: { limit: number; offset: number }): string {
  const query: SearchQuery = {
    ...Object.fromEntries(pairs(s)),
    limit: page.limit,
    offset: page.offset,
  } as SearchQuery;
  return `/api/detections?${queryString(query)}`;
}

/** The API's histogram of the same search (`/api/detections/histogram?…`): the filters, no paging. */
export function histogramToApi(s: Search, buckets: number): string {
  const query: HistogramQuery = { ...Object.fromEntries(pairs(s)), buckets } as HistogramQuery;
  return `/api/detections/histogram?${queryString(query)}`;
}

const queryString = (query: object) =>
  new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();

/** Time ranges offered beside the search (the API takes any age, ISO time or epoch ms). */
export const TIME_RANGES = [
  { from: '1h', label: 'Last hour' },
  { from: '24h', label: 'Last 24 hours' },
  { from: '7d', label: 'Last 7 days' },
  { from: '30d', label: 'Last 30 days' },
] as const;

/** A range dragged across the chart (epoch ms) as the search's from/to, to the second (UTC). */
export function withRange(s: Search, from: number, to: number): Search {
  const iso = (t: number) => new Date(Math.round(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const [a, b] = from <= to ? [from, to] : [to, from];
  return { ...s, from: iso(a), to: iso(b) };
}

/** One filter changed (undefined or '' clears it); the rest of the search is kept. */
export function withFilter<K extends keyof Search>(s: Search, key: K, value: Search[K] | ''): Search {
  const next = { ...s };
  if (value === undefined || value === '') delete next[key];
  else next[key] = value as Search[K];
  return next;
}

/** A detection's page: its key (instance/family/id) as one path segment. */
export function detectionPath(key: string): string {
  return `/detections/${encodeURIComponent(key)}`;
}

/** The key back from a detection page's path, or undefined when the path is not one. */
export function keyFromPath(path: string): string | undefined {
  const m = /^\/detections\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}
