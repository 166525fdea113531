import { describe, expect, it } from 'vitest';
import { parseDuration, parseTime } from '../../src/util/time.ts';

describe('time inputs', () => {
  const now = Date.UTC(2024, 0, 15, 12, 0, 0);
  it('reads ISO 8601 as UTC unless an offset is given', () => {
    expect(parseTime('2024-01-15T09:30:00Z', now)).toBe(Date.UTC(2024, 0, 15, 9, 30));
    expect(parseTime('2024-01-15T09:30:00', now)).toBe(Date.UTC(2024, 0, 15, 9, 30));
    expect(parseTime('2024-01-15 09:30:00', now)).toBe(Date.UTC(2024, 0, 15, 9, 30));
    expect(parseTime('2024-01-15T10:30:00+01:00', now)).toBe(Date.UTC(2024, 0, 15, 9, 30));
    expect(parseTime('2024-01-15', now)).toBe(Date.UTC(2024, 0, 15));
  });
  it('reads epoch milliseconds and relative ages', () => {
    expect(parseTime('1705311000000', now)).toBe(1705311000000);
    expect(parseTime(1705311000000, now)).toBe(1705311000000);
    expect(parseTime('24h', now)).toBe(now - 86_400_000);
    expect(parseTime('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('30')).toBe(30_000);
  });
  it('names the accepted forms when it cannot read a time', () => {
    expect(() => parseTime('yesterday', now)).toThrow(/ISO 8601.*epoch milliseconds.*24h/);
    expect(() => parseDuration('3 fortnights')).toThrow(/e\.g\. 90s/);
  });
});
