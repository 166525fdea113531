// The one path from a received record to the store, shared by the pollers and the syslog receiver:
// normalise, turn the canonical Detection into a store row, append the batch in one transaction, and
// send what cannot be understood to the dead-letter table with its reason. Nothing is dropped silently.
import { type Detection, NormalizeError, normalize } from '../normalize/index.ts';
import type { Ingest, IngestResult } from './types.ts';

export interface DetectionRowInput {
  instance: string;
  family: string;
  nativeId: string;
  hash: string;
  eventTime: number;
  severity: number;
  title: string;
  description?: string;
  hostnames?: string[];
  ips?: string[];
  acknowledged: boolean;
  canonical: unknown;
  raw: unknown;
}

/** What ingestion needs from the store. */
export interface IngestStore {
  appendDetections(batch: DetectionRowInput[]): { newKeys: number; updated: number; duplicates: number };
  deadLetters: {
    add(d: { source: string; instance?: string | null; reason: string; payload: string }): unknown;
  };
  cursors: {
    get(instance: string, stream: string): unknown;
    set(instance: string, stream: string, state: unknown): void;
  };
}

export interface IngestHooks {
  onStored?(instance: string, stream: string, r: IngestResult, fetched: number): void;
}

const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];

/** The store row for a Detection: searchable columns beside the canonical JSON (raw kept apart). */
export function toRow(d: Detection): DetectionRowInput {
  const { raw, ...canonical } = d;
  const o = d.observables;
  return {
    instance: d.key.instance,
    family: d.key.family,
    nativeId: d.key.id,
    hash: d.hash,
    eventTime: d.time ?? d.created ?? d.updated ?? 0,
    severity: d.severity,
    title: d.title,
    description: d.description,
    hostnames: uniq([...d.devices.map((x) => x.hostname), ...o.sourceHosts, ...o.destinationHosts]),
    ips: uniq([...d.devices.flatMap((x) => x.ips), ...o.sourceIps, ...o.destinationIps]),
    acknowledged: d.state.acknowledged,
    canonical,
    raw,
  };
}

const snippet = (v: unknown) => {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return s.length > 65_536 ? `${s.slice(0, 65_536)}…` : s;
};

/**
 * Normalises and stores records. `items` are parsed records (from the API) or raw lines (from syslog);
 * `source` names where they came from in the dead-letter table.
 */
export function ingestRecords(
  store: IngestStore,
  instance: string | undefined,
  source: string,
  items: (unknown | string)[],
  origin: 'api' | 'syslog' | 'file' = 'api',
): IngestResult {
  const rows: DetectionRowInput[] = [];
  let rejected = 0;
  for (const item of items) {
    try {
      const d = normalize(item as string | object, { instance, source: origin });
      rows.push(toRow(d));
    } catch (err) {
      rejected++;
      const reason =
        err instanceof NormalizeError ? `${err.reason}: ${err.message}` : `error: ${(err as Error).message}`;
      store.deadLetters.add({ source, instance: instance ?? null, reason, payload: snippet(item) });
    }
  }
  const r = rows.length ? store.appendDetections(rows) : { newKeys: 0, updated: 0, duplicates: 0 };
  return { new: r.newKeys, updated: r.updated, duplicates: r.duplicates, rejected };
}

/** The pollers' view of the store. */
export function storeIngest(store: IngestStore, hooks: IngestHooks = {}): Ingest {
  return {
    store(instance, stream, items) {
      const r = ingestRecords(store, instance, `poll:${instance}:${stream}`, items, 'api');
      hooks.onStored?.(instance, stream, r, items.length);
      return r;
    },
    getCursor: (instance, stream) => store.cursors.get(instance, stream),
    setCursor: (instance, stream, state) => store.cursors.set(instance, stream, state),
  };
}
