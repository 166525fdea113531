// Advanced Search (§14): conn records a second from the seeded world, searched, analysed and graphed.
import { decodeSearchHash } from '../../darktrace/search.ts';
import { badRequest } from '../http.ts';
import { h32 } from '../prng.ts';
import type { Ctx, Handlers } from './context.ts';

export interface SearchDoc {
  search?: string;
  size?: number;
  offset?: number | string;
  timeframe?: string;
  time?: { from?: string; to?: string };
}

export function searchQuery(hash: string): SearchDoc {
  let q: unknown;
  try {
    q = decodeSearchHash(hash);
  } catch {
    throw badRequest('hash is not a base64-encoded JSON query');
  }
  if (typeof q !== 'object' || q === null || Array.isArray(q))
    throw badRequest('hash is not a base64-encoded JSON query');
  const doc = q as SearchDoc & { fields?: unknown };
  if (typeof doc.search !== 'string') throw badRequest('The query needs a "search" string');
  if (!Array.isArray(doc.fields)) throw badRequest('The query needs "fields": []');
  return doc;
}

export function searchSpan(ctx: Ctx, q: SearchDoc): { from: number; to: number } {
  if (q.timeframe === 'custom' || q.time?.from) {
    const to = q.time?.to ? Date.parse(q.time.to) : ctx.now;
    const from = q.time?.from ? Date.parse(q.time.from) : to - 15 * 60_000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) throw badRequest('Invalid time range');
    return { from, to };
  }
  const secs = Number(q.timeframe ?? 900);
  if (!Number.isFinite(secs) || secs <= 0) throw badRequest('Invalid timeframe');
  return { from: ctx.now - secs * 1000, to: ctx.now };
}

/** The connection log behind Advanced Search: one `conn` record a second, from the seeded world. */
export function connAt(ctx: Ctx, t: number) {
  const seed = ctx.sim.world.seed;
  const s = Math.floor(t / 1000);
  const d = ctx.sim.world.internal[h32(seed, s, 90) % ctx.sim.world.internal.length];
  const e = ctx.sim.world.externals[h32(seed, s, 91) % ctx.sim.world.externals.length];
  const port = [443, 443, 80, 53, 22][h32(seed, s, 94) % 5];
  return {
    source_ip: d.ip ?? '',
    dest_ip: e.ip,
    dest_port: port,
    proto: port === 53 ? 'udp' : 'tcp',
    uid: `C${h32(seed, s, 93).toString(36)}`,
    epochdate: s,
    orig_bytes: 200 + (h32(seed, s, 95) % 50_000),
    resp_bytes: 500 + (h32(seed, s, 96) % 500_000),
  };
}

/** Records matching the search text: `@fields.<name>:"value"` terms joined by AND; anything else matches. */
export function searchFilter(q: SearchDoc): (f: Record<string, unknown>) => boolean {
  const terms = [...(q.search ?? '').matchAll(/@fields\.(\w+):"?([^"\s)]+)"?/g)].map((m) => [m[1], m[2]]);
  return (f) => terms.every(([k, v]) => String(f[k]) === v);
}

export function searchEnvelope(from: number, to: number, size: number, total: number, hits: unknown[]) {
  return {
    took: 3,
    timed_out: false,
    _shards: { total: 2, successful: 2, skipped: 0, failed: 0 },
    hits: { total, max_score: 0, hits },
    kibana: {
      // A string, as in the captured answer (xsoar/advanced_search_analysis.json).
      index: `logstash-darktrace-${new Date(to).toISOString().slice(0, 10).replace(/-/g, '.')}`,
      per_page: size,
      time: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    },
    darktraceChildError: '',
  };
}

/** At most this many seconds are scanned for a query (newest first); wider windows are sampled. */
export const SCAN_CAP = 20_000;

export function scan(ctx: Ctx, q: SearchDoc) {
  const { from, to } = searchSpan(ctx, q);
  const keep = searchFilter(q);
  // Whole seconds in [from, to), newest first.
  const hi = Math.ceil(to / 1000) - 1;
  const lo = Math.ceil(from / 1000);
  const step = Math.max(1, Math.ceil((hi - lo + 1) / SCAN_CAP));
  const rows: { t: number; f: ReturnType<typeof connAt> }[] = [];
  for (let sec = hi; sec >= lo; sec -= step) {
    const f = connAt(ctx, sec * 1000);
    if (keep(f)) rows.push({ t: sec * 1000, f });
  }
  return { from, to, rows, scale: step };
}

export function searchAnswer(ctx: Ctx, q: SearchDoc) {
  const size = Math.min(10_000, Number(q.size ?? 50));
  const offset = Number(q.offset ?? 0);
  const { from, to, rows, scale } = scan(ctx, q);
  const seed = ctx.sim.world.seed;
  const hits = rows.slice(offset, offset + size).map(({ t, f }) => {
    const ts = new Date(Math.floor(t / 1000) * 1000).toISOString();
    return {
      _index: `logstash-darktrace-${ts.slice(0, 10).replace(/-/g, '.')}`,
      _type: 'doc',
      _id: `AY${h32(seed, Math.floor(t / 1000), 92).toString(36)}`,
      _score: null,
      _source: {
        '@fields': f,
        '@type': 'conn',
        '@timestamp': ts,
        '@message': `${ts},${f.source_ip},${f.dest_ip},${f.dest_port},${f.proto}`,
      },
    };
  });
  return searchEnvelope(from, to, size, rows.length * scale, hits);
}

/**
 * `/analyze/{field}/{op}/{b64}`: `terms` and `score` count values (top 20 in `hits.hits[{id, count}]`,
 * as xsoar/advanced_search_analysis.json, plus `aggregations`), `trend` adds `start` and `trend` per
 * value, `mean` averages a numeric field into `aggregations.mean`.
 */
export function analyzeAnswer(ctx: Ctx, field: string, op: string, q: SearchDoc) {
  const { from, to, rows, scale } = scan(ctx, q);
  const name = field.replace(/^@fields\./, '');
  const values = rows.map((r) => (r.f as Record<string, unknown>)[name]).filter((v) => v !== undefined);
  if (rows.length && values.length === 0) throw badRequest(`Unknown field ${field}`);
  const total = rows.length * scale;
  if (op === 'mean') {
    const nums = values.map(Number).filter(Number.isFinite);
    if (values.length && nums.length === 0) throw badRequest(`Field ${field} is not numeric`);
    const mean = nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : 0;
    return {
      ...searchEnvelope(from, to, 50, total, []),
      aggregations: { mean: { value: mean, count: nums.length * scale } },
    };
  }
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + scale);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
  const half = from + (to - from) / 2;
  const hits = top.map(([id, count]) => {
    if (op !== 'trend') return { count, id };
    const early = rows.filter(
      (r) => r.t < half && String((r.f as Record<string, unknown>)[name]) === id,
    ).length;
    const late = count / scale - early;
    return {
      count,
      id,
      start: from,
      trend: early === 0 ? (late > 0 ? 100 : 0) : Math.round(((late - early) / early) * 100),
    };
  });
  return {
    ...searchEnvelope(from, to, 50, total, hits),
    // Named `score` whatever the operation, as the one captured answer (xsoar/advanced_search_analysis.json).
    aggregations: {
      score: {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: Math.max(0, total - top.reduce((a, [, c]) => a + c, 0)),
        buckets: top.map(([key, doc_count]) => ({
          key: Number.isFinite(Number(key)) ? Number(key) : key,
          doc_count,
        })),
      },
    },
  };
}

/** `/graph/{count|mean}/{interval}/{b64}`: a date histogram of the matching records. */
export function graphAnswer(ctx: Ctx, mode: string, interval: number, q: SearchDoc) {
  const { from, to, rows, scale } = scan(ctx, q);
  const first = Math.floor(from / interval) * interval;
  const n = Math.min(5000, Math.ceil((to - first) / interval));
  const buckets = Array.from({ length: n }, (_, i) => ({ key: first + i * interval, doc_count: 0, sum: 0 }));
  for (const r of rows) {
    const b = buckets[Math.floor((r.t - first) / interval)];
    if (!b) continue;
    b.doc_count += scale;
    b.sum += r.f.resp_bytes * scale;
  }
  return {
    ...searchEnvelope(from, to, 0, rows.length * scale, []),
    aggregations: {
      graph: {
        buckets: buckets.map((b) => ({
          key_as_string: new Date(b.key).toISOString(),
          key: b.key,
          doc_count: b.doc_count,
          ...(mode === 'mean' ? { mean: { value: b.doc_count ? b.sum / b.doc_count : null } } : {}),
        })),
      },
    },
  };
}

export const advancedSearch: Handlers['advancedSearch'] = {
  search: (ctx) => searchAnswer(ctx, searchQuery(ctx.p.require('hash'))),
  searchGet: (ctx) => searchAnswer(ctx, searchQuery(ctx.params.hash)),
  analyze: (ctx) => {
    const op = ctx.params.operation;
    if (!['terms', 'mean', 'trend', 'score'].includes(op))
      throw badRequest(`Invalid operation ${op}: terms, mean, trend or score`);
    return analyzeAnswer(ctx, ctx.params.field, op, searchQuery(ctx.params.hash));
  },
  graph: (ctx) => {
    const mode = ctx.params.mode;
    const interval = Number(ctx.params.interval);
    if (mode !== 'count' && mode !== 'mean') throw badRequest(`Invalid graph mode ${mode}: count or mean`);
    if (!Number.isInteger(interval) || interval < 1000)
      throw badRequest('interval must be whole ms, at least 1000');
    return graphAnswer(ctx, mode, interval, searchQuery(ctx.params.hash));
  },
};
