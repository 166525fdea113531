// Checks on values the repositories share.
import { StoreError } from './errors.ts';

export const int = (v: unknown, what: string, min = 0): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new StoreError('invalid', `${what} must be an integer ≥ ${min} (got ${JSON.stringify(v)})`);
  }
  return v;
};

/** Values from a query string may be NaN; treat those as not given. */
export const finite = (v: number | undefined, otherwise: number) =>
  Number.isFinite(v) ? (v as number) : otherwise;
