// The one path from a received record to the store, shared by the pollers and the syslog receiver:
// normalise, turn the canonical Detection into a store row, append the batch in one transaction, and
// send what cannot be understood to the dead-letter table with its reason. Nothing is dropped silently.
import {
  type Detection,
  NormalizeError,
  type NormalizeOptions,
  normalize,
  type Origin,
} from '../normalize/index.ts';
import type { DetectionInput } from '../store/index.ts';
import type { Ingest, IngestResult, PreparedBatch } from './types.ts';

// Kept importable from here for the syslog path.
export type { PreparedBatch } from './types.ts';

/** What ingestion needs from the store. */
export interface IngestStore {
  appendDetections(
    batch: DetectionInput[],
  ): Promise<{ newKeys: number; updated: number; duplicates: number }>;
  deadLetters: {
    addAll(
      ds: { source: string; instance?: string | null; reason: string; payload: string }[],
    ): Promise<void>;
  };
  cursors: {
    get(instance: string, stream: string): Promise<unknown>;
    set(instance: string, stream: string, state: unknown): Promise<void>;
  };
}

export interface IngestHooks {
  onStored?(instance: string, stream: string, r: IngestResult, fetched: number): void;
}

const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];

/**
 * The store row for a Detection: its searchable columns and `raw`, the text it was normalised from.
 * The canonical detection itself is not stored: the store derives it from that text on read.
 */
export function toRow(d: Detection, raw: string, source: Origin['source']): DetectionInput {
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
    acknowledgedAt: d.state.acknowledgedAt,
    device: d.devices[0] && (d.devices[0].hostname ?? d.devices[0].name ?? d.devices[0].ips[0]),
    source,
    raw,
  };
}

const snippet = (v: unknown) => {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return s.length > 65_536 ? `${s.slice(0, 65_536)}…` : s;
};

/**
 * Normalises records into store rows: pure CPU and no I/O, so a worker thread can run it while the main
 * thread writes the previous batch. A line is kept as received; a parsed record as its JSON text.
 */
export function prepareRecords(
  /** The instance, or a function of the syslog hostname (see NormalizeOptions.instance). */
  instance: NormalizeOptions['instance'],
  source: string,
  items: (unknown | string)[],
  origin: 'api' | 'syslog' | 'file' = 'api',
  /** The appliance URL, for links the record lacks (an empty breachUrl). */
  baseUrl?: string,
): PreparedBatch {
  const rows: DetectionInput[] = [];
  const rejects: PreparedBatch['rejects'] = [];
  for (const item of items) {
    try {
      const d = normalize(item as string | object, { instance, source: origin, baseUrl });
      rows.push(toRow(d, typeof item === 'string' ? item : JSON.stringify(item), origin));
    } catch (err) {
      const reason =
        err instanceof NormalizeError ? `${err.reason}: ${err.message}` : `error: ${(err as Error).message}`;
      rejects.push({
        source,
        instance: typeof instance === 'string' ? instance : null,
        reason,
        payload: snippet(item),
      });
    }
  }
  return { rows, rejects };
}

/** Stores a prepared batch: its dead letters in one transaction, then its rows in another. */
export async function storePrepared(store: IngestStore, batch: PreparedBatch): Promise<IngestResult> {
  await store.deadLetters.addAll(batch.rejects);
  const r = batch.rows.length
    ? await store.appendDetections(batch.rows)
    : { newKeys: 0, updated: 0, duplicates: 0 };
  return { new: r.newKeys, updated: r.updated, duplicates: r.duplicates, rejected: batch.rejects.length };
}

/**
 * Normalises and stores records. `items` are parsed records (from the API) or raw lines (from syslog);
 * `source` names where they came from in the dead-letter table.
 */
export async function ingestRecords(
  store: IngestStore,
  instance: string | undefined,
  source: string,
  items: (unknown | string)[],
  origin: 'api' | 'syslog' | 'file' = 'api',
): Promise<IngestResult> {
  return storePrepared(store, prepareRecords(instance, source, items, origin));
}

/** The pollers' view of the store. */
export function storeIngest(store: IngestStore, hooks: IngestHooks = {}): Ingest {
  return {
    async storePrepared(instance, stream, batch, fetched) {
      const r = await storePrepared(store, batch);
      hooks.onStored?.(instance, stream, r, fetched);
      return r;
    },
    getCursor: (instance, stream) => store.cursors.get(instance, stream),
    setCursor: (instance, stream, state) => store.cursors.set(instance, stream, state),
  };
}
