// Advanced Search commands: searches, field analysis and histograms over the appliance's logs.

import type { SearchQueryInput } from '../../darktrace/search.ts';
import { command, param } from '../define.ts';
import { checkWindow, end, iso, start } from './shared.ts';

const searchQuery = param({
  name: 'query',
  type: 'string',
  required: true,
  description: 'Advanced Search query, e.g. @type:conn AND @fields.dest_port:"443"',
  example: '@type:conn AND @fields.dest_port:"443"',
});

const searchSize = param({
  name: 'size',
  type: 'integer',
  min: 1,
  max: 10_000,
  default: 50,
  description: 'hits to return (at most 10,000)',
});

const searchOffset = param({
  name: 'offset',
  type: 'integer',
  min: 0,
  default: 0,
  description: 'hits to skip',
});

/** An Advanced Search window from start/end (default the last hour). */
function searchInput(p: { query: string; start?: number; end?: number }): SearchQueryInput {
  const endtime = p.end ?? Date.now();
  return { search: p.query, starttime: p.start ?? endtime - 3_600_000, endtime };
}

export const advancedSearchCommands = [
  command({
    name: 'advanced-search',
    role: 'analyst',
    aliases: ['darktrace-advanced-search', 'search-advanced'],
    description: 'Run an Advanced Search query over a window (default the last hour)',
    params: [searchQuery, start, end, searchSize, searchOffset],
    output: '{total, took, hits: [{time, type, fields, message}]}',
    endpoints: ['advancedSearch.search'],
    validate: checkWindow,
    failure: 'Advanced search failed.',
    run: async (dt, p) => {
      const r = await dt.advancedSearchQuery({ ...searchInput(p), size: p.size, offset: p.offset });
      return {
        total: r.hits.total,
        took: r.took,
        hits: r.hits.hits.map((h) => {
          const src = (h._source ?? {}) as Record<string, unknown>;
          return {
            time: src['@timestamp'],
            type: src['@type'],
            fields: src['@fields'],
            message: src['@message'],
          };
        }),
      };
    },
  }),
  command({
    name: 'advanced-search-analyze',
    role: 'analyst',
    aliases: ['darktrace-run-advanced-search-analysis', 'advanced-search-analysis'],
    description: 'Analyze a field over an Advanced Search query: terms, mean, trend or score',
    params: [
      {
        name: 'field',
        type: 'string',
        required: true,
        description: 'the field to analyze',
        example: 'source_ip',
      },
      {
        name: 'operation',
        type: 'string',
        required: true,
        enum: ['terms', 'mean', 'trend', 'score'],
        description: 'terms (top values), mean, trend (change over the window) or score',
      },
      { ...searchQuery, required: false, default: '*' },
      start,
      end,
    ],
    output: '{field, operation, total, values: [{id, count, trend?}], mean?}',
    endpoints: ['advancedSearch.analyze'],
    validate: checkWindow,
    failure: 'Advanced search analysis failed.',
    run: async (dt, p) => {
      const r = await dt.advancedSearchAnalyze(p.field, p.operation, searchInput(p));
      const out: Record<string, unknown> = { field: p.field, operation: p.operation, total: r.hits.total };
      if (p.operation === 'mean')
        out.mean = (r.aggregations?.mean as { value?: number } | undefined)?.value ?? null;
      else out.values = r.hits.hits;
      return out;
    },
  }),
  command({
    name: 'advanced-search-graph',
    role: 'analyst',
    aliases: ['darktrace-advanced-search-graph'],
    description: 'A histogram of an Advanced Search query: count (or mean) per interval',
    params: [
      { ...searchQuery, required: false, default: '*' },
      {
        name: 'mode',
        type: 'string',
        enum: ['count', 'mean'],
        default: 'count',
        description: 'count or mean',
      },
      {
        name: 'interval',
        type: 'integer',
        min: 1000,
        default: 3_600_000,
        description: 'bucket width in milliseconds',
        example: 60_000,
      },
      start,
      end,
    ],
    output: '{total, buckets: [{time (ISO), count, mean?}]}',
    endpoints: ['advancedSearch.graph'],
    validate: checkWindow,
    failure: 'Advanced search graph failed.',
    run: async (dt, p) => {
      const r = await dt.advancedSearchGraph(p.mode, p.interval, searchInput(p));
      const buckets = (
        (r.aggregations?.graph as { buckets?: Record<string, any>[] } | undefined)?.buckets ?? []
      ).map((b) => ({
        time: b.key_as_string ?? iso(b.key),
        count: b.doc_count,
        ...(p.mode === 'mean' ? { mean: b.mean?.value ?? null } : {}),
      }));
      return { total: r.hits.total, buckets };
    },
  }),
];
