// Advanced Search query documents (API doc §14) and their base64 forms. The document travels base64
// encoded: in a JSON body (`POST /advancedsearch/api/search {"hash": ...}`, 6.1+) or in the URL path
// (GET search, analyze, graph). In a path, standard base64's `=`, `/` and `+` would be percent-encoded
// on the wire and the signature must then cover the encoded form (§3.2, LAB); URL-safe base64 without
// padding has nothing to encode, so the path sent and the path signed are the same bytes.
import type { AdvancedSearchQuery } from './types.ts';

export interface SearchQueryInput {
  /** The Lucene-style query, e.g. `@type:conn AND @fields.dest_port:"443"`. */
  search: string;
  /** Window start and end in epoch ms (sent as `timeframe: "custom"`). */
  starttime?: number;
  endtime?: number;
  /** Seconds back from now when no window is given (default 3600). */
  timeframe?: number;
  /** Hits to return, at most 10,000 (default 50). */
  size?: number;
  offset?: number;
  /** Further document fields, sent as given (`graphmode`, `analyze_field`, ...). */
  extra?: Record<string, unknown>;
}

/** The query document: `fields` present and empty, as the appliance requires. */
export function searchDocument(q: SearchQueryInput): AdvancedSearchQuery {
  if (typeof q.search !== 'string' || q.search.trim() === '')
    throw new TypeError('an Advanced Search query needs a non-empty "search"');
  const size = q.size ?? 50;
  if (!Number.isInteger(size) || size < 1 || size > 10_000)
    throw new TypeError(`Advanced Search size must be 1 to 10000, got ${size}`);
  const windowed = q.starttime !== undefined || q.endtime !== undefined;
  const end = q.endtime ?? Date.now();
  const start = q.starttime ?? end - (q.timeframe ?? 3600) * 1000;
  if (windowed && start > end) throw new TypeError('Advanced Search starttime must not be after endtime');
  return {
    search: q.search,
    fields: [],
    offset: q.offset ?? 0,
    timeframe: windowed ? 'custom' : String(q.timeframe ?? 3600),
    ...(windowed
      ? {
          time: {
            from: new Date(start).toISOString(),
            to: new Date(end).toISOString(),
            user_interval: '0',
          },
        }
      : {}),
    size,
    ...q.extra,
  };
}

/** base64 of the document: standard for a JSON body, URL-safe without padding for a path. */
export function searchHash(doc: AdvancedSearchQuery, where: 'body' | 'path'): string {
  const b64 = Buffer.from(JSON.stringify(doc), 'utf8').toString('base64');
  return where === 'body' ? b64 : b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The document inside a hash of either form (the simulator's reading, and a debugging aid). */
export function decodeSearchHash(hash: string): unknown {
  const std = hash.replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(Buffer.from(std, 'base64').toString('utf8'));
}
