// Detection search and detail as the HTTP API (`GET /api/detections`, `/api/detections/:id`) and the
// MCP tools read them. The filters are declared once as typed parameters, so the query string's
// validation, the OpenAPI parameters and the MCP tool's input schema all derive from this list.
import { coerceParams, ParamError, type ParamSpec } from '../commands/params.ts';
import { FAMILIES } from '../normalize/model.ts';
import { type ReadableStore, readModel } from '../read/index.ts';
import type { DetectionQuery, Store } from '../store/index.ts';

export { FAMILIES };

const MAX_Q = 500;
/** More terms, or one-letter prefixes (which match nearly every row), make a search cost seconds. */
const MAX_TERMS = 16;
const MIN_TERM = 2;

export const detectionFilters: ParamSpec[] = [
  {
    name: 'q',
    type: 'string',
    description: `full text over title, description, hostnames and IPs; every term must match, as a prefix (at most ${MAX_TERMS} terms of ${MIN_TERM} or more characters, ${MAX_Q} characters in all)`,
    example: 'ransom',
  },
  { name: 'instance', type: 'string', description: 'only this instance', example: 'prod' },
  { name: 'family', type: 'string', enum: FAMILIES, description: 'only this record family' },
  {
    name: 'severity',
    type: 'integer',
    min: 0,
    max: 5,
    description:
      'minimum severity, 0–5 (OCSF severity_id: 5 critical, 4 high, 3 medium, 2 low, 1 informational)',
    example: 4,
  },
  {
    name: 'from',
    type: 'time',
    description: 'event time from: ISO 8601, epoch ms, or an age such as 24h',
    example: '24h',
  },
  { name: 'to', type: 'time', description: 'event time to: ISO 8601, epoch ms, or an age such as 1h' },
  {
    name: 'acknowledged',
    type: 'boolean',
    description: 'only acknowledged (true) or unacknowledged (false)',
  },
  { name: 'limit', type: 'integer', min: 1, max: 1000, default: 50, description: 'at most this many' },
  {
    name: 'offset',
    type: 'integer',
    min: 0,
    max: 100_000,
    default: 0,
    description: 'skip this many (paging; at most 100,000: narrow deeper searches with from/to)',
  },
];

export const detectionDetailParams: ParamSpec[] = [
  {
    name: 'key',
    type: 'string',
    required: true,
    description: 'the detection key (instance/family/id) or its sequence number',
    example: 'prod/model_breach/95',
  },
];

/** Raw filters (query string text or JSON) to a store query; throws ParamError naming the filter. */
export function detectionQuery(raw: Record<string, unknown>): DetectionQuery {
  const p = coerceParams(detectionFilters, raw);
  if (typeof p.q === 'string' && p.q.length > MAX_Q)
    throw new ParamError('q', `must be at most ${MAX_Q} characters, got ${p.q.length}`);
  if (typeof p.q === 'string') {
    const terms = p.q.split(/\s+/).filter((t) => /[\p{L}\p{N}]/u.test(t));
    if (terms.length > MAX_TERMS)
      throw new ParamError(
        'q',
        `must have at most ${MAX_TERMS} terms, got ${terms.length}: narrow it with filters`,
      );
    const short = terms.find((t) => t.replace(/[^\p{L}\p{N}]/gu, '').length < MIN_TERM);
    if (short !== undefined)
      throw new ParamError(
        'q',
        `"${short}" is too short to search for: each term needs at least ${MIN_TERM} letters or digits`,
      );
  }
  return {
    q: (p.q as string | undefined) || undefined,
    instance: (p.instance as string | undefined) || undefined,
    family: p.family as string | undefined,
    severity: p.severity as number | undefined,
    from: p.from as number | undefined,
    to: p.to as number | undefined,
    acknowledged: p.acknowledged as boolean | undefined,
    limit: p.limit as number,
    offset: p.offset as number,
  };
}

/** A store, read through its read model (src/read/): rows come with their canonical detection. */
export type DetectionReader = ReadableStore;

/** A store read over the full-text index: a malformed query is the caller's mistake, not a server fault. */
async function withTextErrors<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (/fts5|syntax/i.test((err as Error).message))
      throw new ParamError('q', `cannot search for that text: ${(err as Error).message}`);
    throw err;
  }
}

/** The latest version of each matching detection, and how many match. */
export function searchDetections(store: DetectionReader, query: DetectionQuery) {
  return withTextErrors(() => readModel(store).searchDetections(query));
}

/** The matching detections over time by severity, in about `buckets` buckets. */
export function histogram(store: Pick<Store, 'detectionStats'>, query: DetectionQuery, buckets: number) {
  return withTextErrors(() => store.detectionStats.histogram(query, buckets));
}

/** One detection with its versions, by sequence number (all digits) or key; undefined when unknown. */
export function findDetection(store: DetectionReader, idOrKey: string) {
  return readModel(store).getDetection(/^\d+$/.test(idOrKey) ? Number(idOrKey) : idOrKey);
}
