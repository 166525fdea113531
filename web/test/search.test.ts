// The search kept in the URL: one canonical link per search, lenient reading of hand-edited links, and
// the API query built from it.
import { describe, expect, it } from 'vitest';
import { detectionFilters } from '../../src/server/detections.ts';
import {
  detectionPath,
  keyFromPath,
  parseSearch,
  searchToApi,
  searchToUrl,
  withFilter,
} from '../src/lib/search.ts';

describe('the search in the URL', () => {
  it('writes filters in one order whatever order they were set in, and leaves empty ones out', () => {
    const a = withFilter(withFilter(withFilter({}, 'family', 'model_breach'), 'severity', 4), 'q', 'ransom');
    const b = withFilter(withFilter(withFilter({}, 'q', 'ransom'), 'severity', 4), 'family', 'model_breach');
    expect(searchToUrl(a)).toBe('?q=ransom&severity=4&family=model_breach');
    expect(searchToUrl(b)).toBe(searchToUrl(a));
    expect(searchToUrl({})).toBe('');
    expect(searchToUrl(withFilter(a, 'severity', ''))).toBe('?q=ransom&family=model_breach');
  });

  it('reads back what it wrote, spaces and symbols included', () => {
    const s = {
      q: 'smb 10.0.0.5 "exfil"',
      severity: 0,
      instance: 'prod-eu',
      acknowledged: false,
      from: '24h',
    };
    expect(parseSearch(searchToUrl(s))).toEqual(s);
    expect(searchToUrl(s)).toBe(
      '?q=smb+10.0.0.5+%22exfil%22&severity=0&instance=prod-eu&acknowledged=false&from=24h',
    );
  });

  it('drops what the API would refuse from a hand-edited link instead of failing the page', () => {
    expect(parseSearch('?severity=9&family=nope&acknowledged=maybe&q=%20%20&instance=')).toEqual({});
    expect(parseSearch('?severity=3&family=ai_analyst&acknowledged=true')).toEqual({
      severity: 3,
      family: 'ai_analyst',
      acknowledged: true,
    });
  });

  it('asks the API with the same names it declares, plus the page', () => {
    const url = searchToApi({ q: 'beacon', severity: 4, acknowledged: false }, { limit: 200, offset: 400 });
    expect(url).toBe('/api/detections?q=beacon&severity=4&acknowledged=false&limit=200&offset=400');
    const declared = new Set(detectionFilters.map((f) => f.name));
    for (const name of new URL(url, 'http://x').searchParams.keys()) expect(declared).toContain(name);
  });

  it('puts a detection key in one path segment and reads it back', () => {
    const key = 'prod eu/model_breach/95';
    expect(detectionPath(key)).toBe('/detections/prod%20eu%2Fmodel_breach%2F95');
    expect(keyFromPath(detectionPath(key))).toBe(key);
    expect(keyFromPath('/detections')).toBeUndefined();
    expect(keyFromPath('/detections/%E0%A4%A')).toBeUndefined();
  });
});
