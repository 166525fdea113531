// The Devices page's state and filtering, kept apart from the page so they read (and test) as data: the
// URL's query (chosen instances, last-seen age, text filter) and the rows it keeps. No I/O.

/** One device as GET /api/assets?format=jsonl gives it (src/assets/inventory.ts AssetRow). */
export interface AssetRow {
  instance: string;
  did: number;
  hostname: string;
  ips: string[];
  mac: string;
  vendor: string;
  os: string;
  type: string;
  label: string;
  priority: number;
  tags: string[];
  sid: number | null;
  subnet: string;
  subnet_label: string;
  first_seen: string;
  last_seen: string;
}

export interface DevicesQuery {
  /** Chosen instances; empty means every enabled one. */
  instances: string[];
  /** Last seen within this age (24h, 7d…), or '' for any time. */
  since: string;
  /** Words every kept row contains (in any column). */
  text: string;
}

export const SINCE_CHOICES = [
  { value: '', label: 'any time' },
  { value: '1h', label: 'the last hour' },
  { value: '24h', label: 'the last 24 hours' },
  { value: '7d', label: 'the last 7 days' },
  { value: '30d', label: 'the last 30 days' },
] as const;

export function parseDevicesQuery(search: string): DevicesQuery {
  const p = new URLSearchParams(search);
  const since = p.get('since') ?? '';
  return {
    instances: (p.get('instance') ?? '').split(',').filter(Boolean),
    since: SINCE_CHOICES.some((c) => c.value === since) ? since : '',
    text: p.get('q') ?? '',
  };
}

export function devicesQueryToUrl(q: DevicesQuery): string {
  const p = new URLSearchParams();
  if (q.instances.length) p.set('instance', q.instances.join(','));
  if (q.since) p.set('since', q.since);
  if (q.text) p.set('q', q.text);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The API's export of the chosen instances (what the page reads, and the download links). */
export function assetsUrl(q: DevicesQuery, format: 'csv' | 'jsonl'): string {
  const p = new URLSearchParams({ format });
  if (q.instances.length) p.set('instance', q.instances.join(','));
  if (q.since) p.set('since', q.since);
  return `/api/assets?${p}`;
}

const haystack = (r: AssetRow) =>
  [
    r.hostname,
    r.ips.join(' '),
    r.mac,
    r.vendor,
    r.os,
    r.type,
    r.label,
    r.tags.join(' '),
    r.subnet,
    r.subnet_label,
    r.instance,
    String(r.did),
  ]
    .join('\n')
    .toLowerCase();

/** The rows that contain every word of the filter. */
export function filterDevices(rows: readonly AssetRow[], text: string): AssetRow[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [...rows];
  return rows.filter((r) => {
    const h = haystack(r);
    return words.every((w) => h.includes(w));
  });
}

/** JSON Lines into rows (a blank last line is the newline after the last row). */
export function parseJsonLines(text: string): AssetRow[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AssetRow);
}
