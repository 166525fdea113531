// Writes made under a lease carry its fencing token. The cluster (src/cluster/) runs each lease's work
// inside `underFence`; the PostgreSQL executor then checks the token at the start of every transaction
// that work opens (and wraps each lone statement in one), in the same transaction as the write. A replica
// that was paused past its lease and wakes with work in flight is refused there, before anything lands.
// On SQLite there is one service per file and no lease: the fence is not consulted.
import { AsyncLocalStorage } from 'node:async_hooks';
import { CompiledQuery, type Kysely } from 'kysely';

export interface Fence {
  /** The leased resource: `instance:<name>` or `sink:<name>`. */
  readonly resource: string;
  /** The token the lease was granted with; it increases on every change of owner. */
  readonly token: number;
}

/** A write was refused because its lease changed hands: the work must stop, nothing it wrote landed. */
export class FencedError extends Error {
  constructor(
    readonly resource: string,
    readonly token: number,
    readonly current: number | undefined,
  ) {
    super(
      `lease on ${resource} was taken over (our token ${token}, now ${current ?? 'none'}): ` +
        'this replica stopped working on it and the write was not made',
    );
    this.name = 'FencedError';
  }
}

const current = new AsyncLocalStorage<Fence>();

/** Runs `fn` so that every store write it makes, awaited or not, is checked against `fence`. */
export function underFence<T>(fence: Fence, fn: () => T): T {
  return current.run(fence, fn);
}

/** The fence of the work this code runs for, if any. */
export function currentFence(): Fence | undefined {
  return current.getStore();
}

/**
 * The check, as SQL with the resource as $1. The lease row is read FOR SHARE, so a takeover waits until
 * the write's transaction ends instead of racing it.
 */
export const FENCE_SQL = 'select token from cluster_leases where resource = $1 for share';

/** Throws FencedError unless the token the check read is the fence's own. */
export function verifyFence(fence: Fence, rows: { token: number | string }[]): void {
  const now = rows[0] ? Number(rows[0].token) : undefined;
  if (now !== fence.token) throw new FencedError(fence.resource, fence.token, now);
}

/** Throws FencedError unless `fence` still holds; call inside the write's transaction. */
export async function checkFence(db: Kysely<any>, fence: Fence): Promise<void> {
  const r = await db.executeQuery<{ token: string }>(CompiledQuery.raw(FENCE_SQL, [fence.resource]));
  verifyFence(fence, r.rows);
}
