import { describe, expect, it } from 'vitest';
import { endpoints } from '../../src/darktrace/endpoints.ts';
import { buildRequest } from '../../src/darktrace/request.ts';
import { decodeSearchHash, searchDocument, searchHash } from '../../src/darktrace/search.ts';
import { formatDtapiDate, parseDtapiDate, signature } from '../../src/darktrace/signing.ts';

const keys = { publicToken: 'PUBLIC-TOKEN-EXAMPLE-0001', privateToken: 'PRIVATE-TOKEN-EXAMPLE-0001' };

// API doc §3.7, byte for byte.
const vectors: [string, string, string][] = [
  ['/status', '20240115T093000', 'e30a6cb00c603662b99b86227e3af6037e06e57b'],
  [
    '/modelbreaches?starttime=1705305600000&endtime=1705309200000&includeacknowledged=true',
    '2024-01-15 09:30:00',
    'a0c2263d3843f7773f5c86d20eda7e293d63d6e4',
  ],
  [
    '/aianalyst/acknowledge?uuid=bc64f242-ce29-4f35-bc94-230991116564',
    '20240115T093000',
    'f76341282e93b602eeb846366b9c4dc707066dda',
  ],
  [
    '/modelbreaches/95/comments?{"message":"Investigating"}',
    '20240115T093000',
    '6acf05b1641bd1a93ee46d9b3678beca0068d993',
  ],
  [
    '/modelbreaches/95/comments?{"message": "Investigating"}',
    '20240115T093000',
    '46cbab8e1d77d64df2bb8664ecf5012a795d8fa0',
  ],
  [
    '/aianalyst/incidentevents?uuid=bc64f242-ce29-4f35-bc94-230991116564',
    '2024-01-15T09:30:00+00:00',
    '3171439ad7ebcba7dcfbcd60e62cf73d13026136',
  ],
];

describe('signing', () => {
  it.each(vectors)('signs %s as the API doc test vector', (target, date, expected) => {
    expect(signature({ ...keys, target, date })).toBe(expected);
  });

  it('builds the signed targets of the vectors from the catalog', () => {
    const get = buildRequest(endpoints.modelBreaches.list, {
      starttime: 1705305600000,
      endtime: 1705309200000,
      includeacknowledged: true,
    });
    expect(get.target).toBe(vectors[1][0]);
    expect(get.query).toBe('starttime=1705305600000&endtime=1705309200000&includeacknowledged=true');

    const form = buildRequest(endpoints.aiAnalyst.acknowledge, {
      uuid: 'bc64f242-ce29-4f35-bc94-230991116564',
    });
    expect(form.target).toBe(vectors[2][0]);
    expect(form.body).toBe('uuid=bc64f242-ce29-4f35-bc94-230991116564');
    expect(form.contentType).toMatch(/^application\/x-www-form-urlencoded/);

    const json = buildRequest(endpoints.modelBreaches.addComment, { pbid: 95, message: 'Investigating' });
    expect(json.path).toBe('/modelbreaches/95/comments');
    expect(json.target).toBe(vectors[3][0]);
    expect(json.body).toBe('{"message":"Investigating"}');

    expect(buildRequest(endpoints.system.status).target).toBe('/status');
    expect(
      buildRequest(endpoints.aiAnalyst.incidentEvents, { uuid: 'bc64f242-ce29-4f35-bc94-230991116564' })
        .target,
    ).toBe(vectors[5][0]);
  });

  it('sends query values encoded, signs them as the guide documents, keeps order, joins lists', () => {
    const r = buildRequest(endpoints.devices.search, { query: 'label:"web server"', count: 5 });
    expect(r.query).toBe('query=label:%22web%20server%22&count=5');
    expect(r.target).toBe('/devicesearch?query=label:"web server"&count=5');
    const l = buildRequest(endpoints.aiAnalyst.acknowledge, { uuid: ['a', 'b'] });
    expect(l.body).toBe('uuid=a,b');
    expect(() => buildRequest(endpoints.modelBreaches.get, {} as never)).toThrow(
      /missing path parameter "pbid"/,
    );
  });

  it('formats and parses the three DTAPI-Date forms', () => {
    const t = Date.UTC(2024, 0, 15, 9, 30, 0);
    expect(formatDtapiDate(new Date(t))).toBe('20240115T093000');
    expect(parseDtapiDate('20240115T093000')).toBe(t);
    expect(parseDtapiDate('2024-01-15 09:30:00')).toBe(t);
    expect(parseDtapiDate('2024-01-15T09:30:00.123456+00:00')).toBe(t + 123);
    expect(parseDtapiDate('2024-01-15T10:30:00+01:00')).toBe(t);
    expect(parseDtapiDate('2024-01-15T09:30:00')).toBe(t);
    expect(parseDtapiDate('2024-01-15T09:30:00Z')).toBe(t);
    expect(parseDtapiDate('yesterday')).toBeUndefined();
  });
});

describe('Advanced Search signing (API doc §3.2, §14)', () => {
  const doc = searchDocument({
    search: '@type:conn AND @fields.dest_port:"443"',
    starttime: Date.UTC(2024, 0, 15, 9, 0),
    endtime: Date.UTC(2024, 0, 15, 9, 30),
    size: 20,
  });

  it('builds the query document with fields present and empty and a custom window', () => {
    expect(doc).toEqual({
      search: '@type:conn AND @fields.dest_port:"443"',
      fields: [],
      offset: 0,
      timeframe: 'custom',
      time: { from: '2024-01-15T09:00:00.000Z', to: '2024-01-15T09:30:00.000Z', user_interval: '0' },
      size: 20,
    });
    expect(searchDocument({ search: 'x' })).toMatchObject({ timeframe: '3600', size: 50 });
    expect(() => searchDocument({ search: 'x', size: 10_001 })).toThrow(/size must be 1 to 10000/);
  });

  it('a path hash is URL-safe base64 without padding: the path sent is the path signed', () => {
    const hash = searchHash(doc, 'path');
    expect(hash).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeSearchHash(hash)).toEqual(doc);
    for (const [spec, params, path] of [
      [endpoints.advancedSearch.searchGet, { hash }, `/advancedsearch/api/search/${hash}`],
      [
        endpoints.advancedSearch.analyze,
        { field: 'source_ip', operation: 'terms', hash },
        `/advancedsearch/api/analyze/source_ip/terms/${hash}`,
      ],
      [
        endpoints.advancedSearch.graph,
        { mode: 'count', interval: 60_000, hash },
        `/advancedsearch/api/graph/count/60000/${hash}`,
      ],
    ] as const) {
      const w = buildRequest(spec, params);
      expect(w.path).toBe(path);
      expect(w.query).toBe('');
      expect(w.target).toBe(path);
    }
  });

  it('a standard base64 hash in a path is signed percent-encoded, exactly as transmitted', () => {
    // A document whose standard base64 has "+", "/" and "=" in it.
    const std = Buffer.from('{"search":"a>?~","fields":[]}').toString('base64');
    expect(std).toMatch(/[+/=]/);
    const w = buildRequest(endpoints.advancedSearch.searchGet, { hash: std });
    expect(w.path).toBe(`/advancedsearch/api/search/${encodeURIComponent(std)}`);
    expect(w.path.slice('/advancedsearch/api/search/'.length)).not.toMatch(/[+/=]/);
    expect(w.target).toBe(w.path);
  });

  it('the POST form signs path?{"hash":…}, the exact JSON body, and carries standard base64', () => {
    const hash = searchHash(doc, 'body');
    expect(Buffer.from(hash, 'base64').toString()).toBe(JSON.stringify(doc));
    const w = buildRequest(endpoints.advancedSearch.search, { hash });
    expect(w.body).toBe(JSON.stringify({ hash }));
    expect(w.target).toBe(`/advancedsearch/api/search?${w.body}`);
    expect(w.contentType).toBe('application/json');
    expect(signature({ ...keys, target: w.target, date: '20240115T093000' })).toMatch(/^[0-9a-f]{40}$/);
  });
});
