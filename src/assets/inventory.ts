// Reads a Darktrace instance's device inventory one page at a time, as flat asset rows.
//
// Pages come from /devicesearch (count ≤ 300, offset) ordered by firstSeen ascending: a device's
// firstSeen never changes and new devices sort last, so offset paging neither skips nor repeats while
// the appliance keeps learning devices (ordering by lastSeen would reshuffle pages as devices talk).
// A device that enters the seen window mid-run can shift a page by one; the did set drops the repeat.
import type { DarktraceClient } from '../darktrace/index.ts';
import type { Device, Subnet } from '../darktrace/types.ts';

/** One device as the asset systems take it; `instance` says which Darktrace knows it. */
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

/** Column order of the CSV export; the import reads the same names. */
export const ASSET_COLUMNS = [
  'instance',
  'did',
  'hostname',
  'ips',
  'mac',
  'vendor',
  'os',
  'type',
  'label',
  'priority',
  'tags',
  'sid',
  'subnet',
  'subnet_label',
  'first_seen',
  'last_seen',
] as const satisfies readonly (keyof AssetRow)[];

export const PAGE_SIZE = 300;
/** A full export asks for the devices seen within this long (devicesearch defaults to 28 days). */
export const DEFAULT_SEEN_WITHIN_MS = 365 * 86_400_000;
/** Slack on the seen window so no device ages out of it while the pages are read. */
const WINDOW_SLACK_MS = 3_600_000;

export interface ReadOptions {
  /** Only devices last seen at or after this time (epoch ms). */
  since?: number;
  /** Only devices last seen strictly after this time (a watermark from the previous run). */
  after?: number;
  /** How far back a full read looks (default a year). */
  seenWithinMs?: number;
  pageSize?: number;
  now?: number;
  /** After each page: devices read so far, and the appliance's count for the window. */
  onPage?: (read: number, total: number) => void;
}

const iso = (ms: number | undefined) => (typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString() : '');

/** Subnet id → subnet, for the label and network of each device's subnet. */
export async function subnetsById(client: DarktraceClient): Promise<Map<number, Subnet>> {
  const list = await client.network.subnets({});
  return new Map((Array.isArray(list) ? list : []).map((s) => [s.sid, s]));
}

/** A device (devicesearch's shape, or /devices' `time`/`endtime` one) as an asset row. */
export function assetRow(instance: string, d: Device, subnets: Map<number, Subnet>): AssetRow {
  const ips = [...new Set([d.ip, ...(d.ips ?? []).map((x) => x.ip)].filter((x): x is string => !!x))];
  const sub = typeof d.sid === 'number' ? subnets.get(d.sid) : undefined;
  return {
    instance,
    did: d.did,
    hostname: d.hostname ?? '',
    ips,
    mac: d.macaddress ?? '',
    vendor: d.vendor ?? '',
    os: d.os ?? '',
    type: d.typelabel ?? d.typename ?? '',
    label: d.devicelabel ?? '',
    priority: typeof d.priority === 'number' ? d.priority : 0,
    tags: (d.tags ?? []).map((t) => t.name).sort(),
    sid: typeof d.sid === 'number' ? d.sid : null,
    subnet: sub?.network ?? '',
    subnet_label: sub?.label ?? '',
    first_seen: iso(d.firstSeen ?? d.time),
    last_seen: iso(d.lastSeen ?? d.endtime),
  };
}

/** The instance's devices, one page in memory at a time, each device once, filtered by last-seen time. */
export async function* readDevices(
  instance: string,
  client: DarktraceClient,
  o: ReadOptions = {},
): AsyncGenerator<AssetRow> {
  const now = o.now ?? Date.now();
  const from = Math.max(o.since ?? -Infinity, o.after === undefined ? -Infinity : o.after + 1);
  const within = Number.isFinite(from) ? now - from : (o.seenWithinMs ?? DEFAULT_SEEN_WITHIN_MS);
  const seensince = Math.max(1, Math.ceil((within + WINDOW_SLACK_MS) / 1000));
  const count = o.pageSize ?? PAGE_SIZE;
  const subnets = await subnetsById(client);
  const seen = new Set<number>();
  for (let offset = 0; ; offset += count) {
    const page = await client.devices.search({
      count,
      offset,
      orderBy: 'firstSeen',
      order: 'asc',
      seensince,
    });
    for (const d of page.devices) {
      if (seen.has(d.did)) continue;
      seen.add(d.did);
      const last = d.lastSeen ?? d.endtime ?? 0;
      if (Number.isFinite(from) && last < from) continue;
      yield assetRow(instance, d, subnets);
    }
    o.onPage?.(offset + page.devices.length, page.totalCount);
    if (page.devices.length < count) return;
  }
}
