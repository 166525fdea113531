import { describe, expect, it } from 'vitest';
import {
  covered,
  emptyCursor,
  gaps,
  highWater,
  markFinished,
  parseCursor,
  split,
} from '../../src/collect/cursor.ts';

describe('cursor: finished windows', () => {
  it('merges touching and overlapping windows, in any order', () => {
    let s = emptyCursor();
    s = markFinished(s, { start: 30, end: 40 });
    s = markFinished(s, { start: 0, end: 10 });
    s = markFinished(s, { start: 10, end: 20 });
    expect(s.windows).toEqual([
      { start: 0, end: 20 },
      { start: 30, end: 40 },
    ]);
    s = markFinished(s, { start: 15, end: 35 });
    expect(s.windows).toEqual([{ start: 0, end: 40 }]);
    expect(markFinished(s, { start: 5, end: 5 })).toBe(s);
  });

  it('lists the gaps left to fetch and the progress made', () => {
    let s = markFinished(emptyCursor(), { start: 10, end: 20 });
    s = markFinished(s, { start: 40, end: 50 });
    expect(gaps(s, 0, 60)).toEqual([
      { start: 0, end: 10 },
      { start: 20, end: 40 },
      { start: 50, end: 60 },
    ]);
    expect(gaps(s, 12, 18)).toEqual([]);
    expect(gaps(s, 15, 45)).toEqual([{ start: 20, end: 40 }]);
    expect(covered(s, 0, 60)).toBe(20);
    expect(covered(s, 15, 45)).toBe(10);
  });

  it('splits windows so no response is unbounded', () => {
    expect(split([{ start: 0, end: 25 }], 10)).toEqual([
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 20, end: 25 },
    ]);
  });

  it('finds the high-water mark of the stretch reaching back to the start', () => {
    const s = markFinished(markFinished(emptyCursor(), { start: 0, end: 100 }), { start: 200, end: 300 });
    expect(highWater(s, 0)).toBe(100);
    expect(highWater(s, 150)).toBe(150);
    expect(highWater(s, 250)).toBe(300);
  });

  it('treats a malformed stored cursor as nothing finished, and normalises a valid one', () => {
    expect(parseCursor(undefined)).toEqual(emptyCursor());
    expect(parseCursor({ windows: 'x' })).toEqual(emptyCursor());
    expect(
      parseCursor({
        windows: [
          { start: 5, end: 9 },
          { start: 0, end: 5 },
          { start: 'a', end: 3 },
          { start: 9, end: 1 },
        ],
      }),
    ).toEqual({ windows: [{ start: 0, end: 9 }] });
  });
});
