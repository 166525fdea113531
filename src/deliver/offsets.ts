// Where a sink starts again when it is replayed ("reset to a time"): shared by `dtc sink reset` and
// POST /api/sinks/:name/reset, so both read `--to` the same way.
import type { Store } from '../store/index.ts';
import { parseTime } from '../util/time.ts';

/**
 * The offset that replays everything stored at or after `t`: the smallest x whose next row was stored
 * at or after t (the log is in commit order, so createdAt grows with seq). Binary search, O(log n) reads.
 */
export async function offsetForTime(store: Pick<Store, 'readLog' | 'maxSeq'>, t: number): Promise<number> {
  let lo = 0;
  let hi = await store.maxSeq();
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = (await store.readLog(mid, 1, { content: false }))[0];
    if (!row || row.createdAt >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A replay target as people type it: a sequence number (up to 10 digits: the next delivery starts
 * after it), or a time (ISO 8601, epoch milliseconds, or an age such as 24h) turned into the offset that
 * replays what was stored from then on. Throws a RangeError in words for anything else.
 */
export async function offsetFor(
  store: Pick<Store, 'readLog' | 'maxSeq'>,
  to: string,
  now = Date.now(),
): Promise<number> {
  const t = to.trim();
  return /^\d{1,10}$/.test(t) ? Number(t) : offsetForTime(store, parseTime(t, now));
}
