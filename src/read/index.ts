// The read model: stored rows (the columns and the text received, src/store/) turned into canonical
// detections by the current normaliser, with the instance's current URL for links the record lacks.
// The API, the console, MCP, the sinks and the case connectors read detections through it.
//
// A small cache keeps what it derived, keyed by seq: a version never changes once stored, so an entry
// is only stale when its instance's URL changed (checked on every hit) or when the normaliser did
// (a restart). Several sinks reading the same rows, and the console opening what it just listed,
// derive each row once.
import { type Detection, normalize, type Origin } from '../normalize/index.ts';
import type { DetectionQuery, DetectionVersion, LogFilter, Store, StoredDetection } from '../store/index.ts';

/** A stored version with its canonical detection. */
export interface DetectionRow extends Omit<StoredDetection, 'raw'> {
  /**
   * The canonical detection (without `raw`), derived on read by the current normaliser from what was
   * received. Null when the normaliser no longer understands the record (`problem` says why); absent
   * when the read asked for columns only or the row was filtered out.
   */
  canonical?: Omit<Detection, 'raw'> | null;
  problem?: string;
  /**
   * The parsed record as Darktrace sent it (the text received, when the normaliser cannot read it);
   * present in log reads and getDetection, not in listings.
   */
  raw?: unknown;
}

/** What the read model needs of the store. */
export type ReadableStore = Pick<
  Store,
  'readLog' | 'scanLog' | 'getDetection' | 'searchDetections' | 'maxSeq'
> & { instances: Pick<Store['instances'], 'urls'> };

interface Derived {
  /** The instance URL it was derived with. */
  url: string | undefined;
  canonical: Omit<Detection, 'raw'> | null;
  raw: unknown;
  problem?: string;
}

/** How many derived rows are kept (about 3 KB each). */
export const READ_CACHE_ROWS = 1000;

export class ReadModel {
  readonly #store: ReadableStore;
  readonly #max: number;
  /** seq → what was derived; a Map keeps insertion order, so the first key is the least recently used. */
  readonly #cache = new Map<number, Derived>();
  #hits = 0;
  #misses = 0;

  constructor(store: ReadableStore, opts: { cacheRows?: number } = {}) {
    this.#store = store;
    this.#max = Math.max(0, opts.cacheRows ?? READ_CACHE_ROWS);
  }

  /** Latest version of each matching key, newest event first, with the canonical detection (no raw). */
  async searchDetections(
    q: DetectionQuery,
  ): Promise<{ items: DetectionRow[]; total: number; totalCapped?: true }> {
    const { items, ...total } = await this.#store.searchDetections(q, { content: true });
    const urlOf = await this.#urls(items);
    return { items: items.map((r) => this.#derive(r, urlOf, false)), ...total };
  }

  /** One version (by seq, or the latest by key) with the canonical detection, the parsed record and all versions. */
  async getDetection(
    idOrKey: number | string,
  ): Promise<(DetectionRow & { versions: DetectionVersion[] }) | undefined> {
    const r = await this.#store.getDetection(idOrKey);
    if (!r) return undefined;
    const { versions, ...row } = r;
    return { ...this.#derive(row, await this.#urls([row]), true), versions };
  }

  /**
   * The log after `afterSeq`, in seq order. `content: false` reads the columns only; a predicate over
   * the columns derives the content only for the rows it accepts.
   */
  async readLog(
    afterSeq: number,
    limit: number,
    opts: { content?: boolean | ((row: DetectionRow) => boolean) } = {},
  ): Promise<DetectionRow[]> {
    const rows = await this.#store.readLog(afterSeq, limit, { content: opts.content !== false });
    if (opts.content === false) return rows;
    const keep = typeof opts.content === 'function' ? opts.content : undefined;
    const kept = keep ? rows.map((r) => keep(columns(r))) : undefined;
    const urlOf = await this.#urls(kept ? rows.filter((_, i) => kept[i]) : rows);
    return rows.map((r, i) => {
      if (kept && !kept[i]) return columns(r);
      return this.#derive(r, urlOf, true);
    });
  }

  /**
   * A sink's next rows: the store filters on its indexed columns, so only rows the sink keeps are read
   * whole and derived. `through` is the last seq the store examined: once these rows are delivered,
   * the sink's offset may move there, past the rows the filter refused.
   */
  async scanLog(
    afterSeq: number,
    limit: number,
    filter?: LogFilter,
  ): Promise<{ rows: DetectionRow[]; through: number }> {
    const { rows, through } = await this.#store.scanLog(afterSeq, limit, filter);
    const urlOf = await this.#urls(rows);
    return { rows: rows.map((r) => this.#derive(r, urlOf, true)), through };
  }

  /** How the cache did, for tests and metrics. */
  cacheStats(): { rows: number; max: number; hits: number; misses: number } {
    return { rows: this.#cache.size, max: this.#max, hits: this.#hits, misses: this.#misses };
  }

  /**
   * Instance name → its current URL, read once per call (one small query), so an update shows at once;
   * not read when none of `rows` has content to derive.
   */
  async #urls(rows: readonly StoredDetection[]): Promise<(instance: string) => string | undefined> {
    if (!rows.some((r) => r.raw !== undefined)) return () => undefined;
    const byName = await this.#store.instances.urls();
    return (name) => byName.get(name);
  }

  #derive(
    r: StoredDetection,
    urlOf: (instance: string) => string | undefined,
    withRaw: boolean,
  ): DetectionRow {
    const row = columns(r);
    if (r.raw === undefined) return row;
    const url = urlOf(r.instance);
    let d = this.#cache.get(r.seq);
    if (d && d.url === url) {
      this.#hits++;
      // Most recently used goes to the end.
      this.#cache.delete(r.seq);
      this.#cache.set(r.seq, d);
    } else {
      this.#misses++;
      d = derive(r, url);
      if (this.#max > 0) {
        this.#cache.delete(r.seq);
        if (this.#cache.size >= this.#max) this.#cache.delete(this.#cache.keys().next().value as number);
        this.#cache.set(r.seq, d);
      }
    }
    row.canonical = d.canonical;
    if (d.problem !== undefined) row.problem = d.problem;
    if (withRaw) row.raw = d.raw;
    return row;
  }
}

/** The columns of a stored row, without the text received. */
function columns(r: StoredDetection): DetectionRow {
  const { raw: _raw, ...cols } = r;
  return cols;
}

/** The normaliser over the text received, as when it was ingested. */
function derive(r: StoredDetection, url: string | undefined): Derived {
  try {
    const { raw, ...canonical } = normalize(r.raw as string, {
      instance: r.instance,
      source: r.source as Origin['source'],
      baseUrl: url,
      // A BSD syslog timestamp has no year: it is inferred from when the line was stored.
      receivedAt: r.createdAt,
    });
    return { url, canonical, raw };
  } catch (err) {
    return {
      url,
      canonical: null,
      raw: r.raw,
      problem: `the normaliser cannot read this stored record: ${(err as Error).message}`,
    };
  }
}

const models = new WeakMap<object, ReadModel>();

/** The read model of a store: one per store, so every reader shares its cache. */
export function readModel(store: ReadableStore): ReadModel {
  let m = models.get(store);
  if (!m) {
    m = new ReadModel(store);
    models.set(store, m);
  }
  return m;
}
