// Leases: each resource (an instance's poller, a sink) is worked by exactly one replica at a time.
//
// A lease row holds its owner, an expiry on the database's clock and a fencing token that increases on
// every change of owner. The holder renews all its leases in one statement every `renewEveryMs`; a
// lease it fails to renew is dropped locally before the database could hand it to anyone else (the local
// deadline starts when the renewal was sent, so it always falls before the expiry the database set).
// A replica paused past that point (GC, SIGSTOP, a network split) may wake with work in flight: the token
// stops it, because every write the work makes checks it in the same transaction (`assertFence`).
import { performance } from 'node:perf_hooks';
import { type Kysely, sql, type Transaction } from 'kysely';
import { checkFence, FencedError } from '../store/fence.ts';
import { plan } from './balance.ts';
import type { ClusterTables } from './schema.ts';

export interface Lease {
  readonly resource: string;
  /** The fencing token: pass it with every write the work makes. */
  readonly token: number;
  /** Aborted when the lease is lost, given up, or the manager stops. */
  readonly signal: AbortSignal;
  /** False once the local deadline has passed: check before a side effect outside the database. */
  valid(): boolean;
}

export interface LeaseLog {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
}

export interface LeaseManagerOptions {
  db: Kysely<ClusterTables>;
  /** This replica's id, unique in the cluster (shown in `dtc cluster status` and in User-Agents). */
  replica: string;
  address?: string;
  version?: string;
  /** How long a lease lasts without renewal. */
  ttlMs?: number;
  /** How often leases are renewed and rebalanced; well under the TTL. */
  renewEveryMs?: number;
  /** Every resource that should be worked by some replica. */
  resources(): string[] | Promise<string[]>;
  /** Starts the work for a lease; the returned promise settles once the work has stopped after `signal`. */
  work(lease: Lease): Promise<void>;
  log?: LeaseLog;
  /** Told of each lease taken and each lease lost (not given up): for the replica's metrics. */
  onChange?(e: LeaseEvent): void;
}

export type LeaseEvent =
  | { type: 'acquired'; resource: string; token: number; reason: string; from: string | null }
  | { type: 'lost'; resource: string; why: string };

export { FencedError };

/**
 * Checks inside a write's transaction that `token` is still the lease's token, and holds the lease row
 * (FOR SHARE) until the transaction ends, so a takeover waits for this write instead of racing it. Store
 * writes made inside `underFence` (src/store/fence.ts) do this by themselves.
 */
export function assertFence(
  trx: Transaction<ClusterTables> | Kysely<ClusterTables>,
  resource: string,
  token: number,
): Promise<void> {
  return checkFence(trx, { resource, token });
}

interface Held {
  lease: Lease;
  abort: AbortController;
  deadline: number;
  timer: NodeJS.Timeout;
  done: Promise<void>;
}

const quiet: LeaseLog = { info() {}, warn() {} };

export class LeaseManager {
  readonly #o: Required<Omit<LeaseManagerOptions, 'address' | 'version' | 'onChange'>> & LeaseManagerOptions;
  readonly #held = new Map<string, Held>();
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> = Promise.resolve();
  #stopped = false;
  #rounds = 0;

  constructor(o: LeaseManagerOptions) {
    const ttlMs = o.ttlMs ?? 15_000;
    this.#o = { log: quiet, ...o, ttlMs, renewEveryMs: o.renewEveryMs ?? Math.floor(ttlMs / 3) };
    if (this.#o.renewEveryMs * 2 >= ttlMs)
      throw new Error(`renewEveryMs (${this.#o.renewEveryMs}) must be under half of ttlMs (${ttlMs})`);
  }

  get replica(): string {
    return this.#o.replica;
  }

  /** The leases this replica holds now. */
  held(): Lease[] {
    return [...this.#held.values()].map((h) => h.lease);
  }

  start(): void {
    this.#stopped = false;
    const loop = () => {
      this.#round = this.round()
        .catch((err) => this.#o.log.warn(`cluster: lease round failed: ${(err as Error).message}`))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#o.renewEveryMs);
        });
    };
    loop();
  }

  /** Stops all work and gives every lease up, so others take over at once instead of after the TTL. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
    await Promise.all([...this.#held.keys()].map((r) => this.#release(r)));
    await this.#o.db
      .deleteFrom('cluster_replicas')
      .where('id', '=', this.#o.replica)
      .execute()
      .catch(() => {});
  }

  /** One renewal and rebalancing round (exported for tests, which drive rounds by hand). */
  async round(): Promise<void> {
    const { db, replica, ttlMs } = this.#o;
    const sentAt = performance.now();
    const ttl = sql`${ttlMs} * interval '1 millisecond'`;
    await db
      .insertInto('cluster_replicas')
      .values({
        id: replica,
        address: this.#o.address ?? null,
        version: this.#o.version ?? null,
        started_at: sql`now()`,
        heartbeat_at: sql`now()`,
        lease_ms: ttlMs,
      })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: sql`now()`, lease_ms: ttlMs }))
      .execute();

    if (this.#held.size) {
      const renewed = await this.#bounded((trx) =>
        trx
          .updateTable('cluster_leases')
          .set({ expires_at: sql`now() + ${ttl}` })
          .where('owner', '=', replica)
          .where('resource', 'in', [...this.#held.keys()])
          .returning(['resource', 'token'])
          .execute(),
      );
      const tokens = new Map(renewed.map((r) => [r.resource, Number(r.token)]));
      for (const [resource, h] of this.#held) {
        if (tokens.get(resource) === h.lease.token) this.#extend(h, sentAt);
        else this.#lose(resource, 'its lease was taken over');
      }
    }
    // The first round only announces this replica: replicas starting together then see each other before
    // taking anything, instead of one taking all and shedding them one by one.
    if (this.#stopped || this.#rounds++ === 0) return;

    const resources = [...new Set(await this.#o.resources())].sort();
    for (const r of this.#held.keys()) if (!resources.includes(r)) await this.#release(r);
    if (resources.length)
      await sql`insert into cluster_leases (resource) select unnest(${resources}::text[])
                on conflict (resource) do nothing`.execute(db);
    const live = await db
      .selectFrom('cluster_replicas')
      .select('id')
      .where('heartbeat_at', '>', sql<Date>`now() - ${ttl}`)
      .execute();
    const owned = resources.length
      ? await db
          .selectFrom('cluster_leases')
          .select(['resource', 'owner'])
          .where('resource', 'in', resources)
          .where('owner', 'is not', null)
          .where('expires_at', '>', sql<Date>`now()`)
          .execute()
      : [];
    const owners = new Map(owned.map((o) => [o.resource, o.owner as string]));
    // A lease the database says is ours but we no longer track (a restart with the same id): leave it to
    // expire rather than resume work whose state we lost.
    const p = plan({ me: replica, live: live.map((l) => l.id), resources, owners });
    for (const r of p.shed) await this.#release(r);
    let want = p.want;
    for (const r of p.candidates) {
      if (want <= 0 || this.#stopped) break;
      if (await this.#acquire(r)) want--;
    }
  }

  async #acquire(resource: string): Promise<boolean> {
    const { replica, ttlMs } = this.#o;
    const sentAt = performance.now();
    const got = await this.#bounded(async (trx) => {
      // SKIP LOCKED: a row locked by a write in flight (its holder's fence) is not taken this round; the
      // holder's transaction ends first, or the server ends it (idle_in_transaction_session_timeout).
      const r = await sql<{ token: string; from_owner: string | null; reason: string }>`
        with prev as (
          select resource, owner, last_owner, token, expires_at from cluster_leases
          where resource = ${resource} for update skip locked
        )
        update cluster_leases l
           set owner = ${replica}, last_owner = null, token = prev.token + 1,
               expires_at = now() + ${ttlMs} * interval '1 millisecond', acquired_at = now()
          from prev
         where l.resource = prev.resource and (prev.owner is null or prev.expires_at <= now())
        returning l.token,
                  coalesce(prev.owner, prev.last_owner) as from_owner,
                  case when prev.owner is not null then 'expired'
                       when prev.token = 0 then 'new' else 'released' end as reason`.execute(trx);
      const row = r.rows[0];
      if (!row) return undefined;
      await trx
        .insertInto('cluster_takeovers')
        .values({
          resource,
          from_owner: row.from_owner,
          to_owner: replica,
          token: row.token,
          reason: row.reason,
          at: sql`now()`,
        })
        .execute();
      return row;
    });
    if (!got) return false;
    const abort = new AbortController();
    const token = Number(got.token);
    const h: Held = {
      abort,
      deadline: 0,
      timer: setTimeout(() => {}, 0),
      done: Promise.resolve(),
      lease: {
        resource,
        token,
        signal: abort.signal,
        valid: () => !abort.signal.aborted && performance.now() < h.deadline,
      },
    };
    this.#extend(h, sentAt);
    this.#held.set(resource, h);
    this.#o.log.info(`cluster: took ${resource} (token ${token}, ${got.reason})`, {
      resource,
      token,
      from: got.from_owner,
    });
    this.#o.onChange?.({ type: 'acquired', resource, token, reason: got.reason, from: got.from_owner });
    h.done = Promise.resolve()
      .then(() => this.#o.work(h.lease))
      .then(
        () => {
          // Work that ends on its own (not because we aborted it) hands the lease back for another try.
          if (this.#held.get(resource) !== h) return;
          this.#drop(h, 'its work ended');
          return this.#handBack(h);
        },
        (err) => {
          this.#o.log.warn(`cluster: work on ${resource} stopped: ${(err as Error).message}`);
          if (this.#held.get(resource) !== h) return;
          // Fenced: someone else holds it, nothing to hand back. Failed: hand it back for a retry.
          this.#drop(h, (err as Error).message);
          if (err instanceof FencedError)
            this.#o.onChange?.({ type: 'lost', resource, why: (err as Error).message });
          else return this.#handBack(h);
        },
      );
    return true;
  }

  /** The lease is good until `sentAt + ttl`, less a margin for the two clocks running at different rates. */
  #extend(h: Held, sentAt: number): void {
    const { ttlMs } = this.#o;
    h.deadline = sentAt + ttlMs - Math.max(250, ttlMs * 0.1);
    clearTimeout(h.timer);
    h.timer = setTimeout(
      () => this.#lose(h.lease.resource, 'it could not be renewed in time'),
      h.deadline - performance.now(),
    );
    h.timer.unref();
  }

  /** Stop work on a lease we no longer hold (or can no longer prove we hold). */
  #lose(resource: string, why: string): void {
    const h = this.#held.get(resource);
    if (!h) return;
    this.#drop(h, why);
    this.#o.log.warn(`cluster: lost ${resource} (token ${h.lease.token}): ${why}`, { resource });
    this.#o.onChange?.({ type: 'lost', resource, why });
  }

  /** Forget a lease locally and abort its work. */
  #drop(h: Held, why: string): void {
    this.#held.delete(h.lease.resource);
    clearTimeout(h.timer);
    h.abort.abort(new Error(`lease on ${h.lease.resource} ended: ${why}`));
  }

  /** Stop the work, wait for it, then hand the lease back so another replica can take it at once. */
  async #release(resource: string): Promise<void> {
    const h = this.#held.get(resource);
    if (!h) return;
    this.#drop(h, 'released');
    await h.done;
    await this.#handBack(h);
  }

  /**
   * A transaction that gives up on a lock after one renewal period: no lock held by someone else (a
   * paused replica's open transaction) can stall the rounds that keep our other leases alive.
   */
  #bounded<T>(fn: (trx: Transaction<ClusterTables>) => Promise<T>): Promise<T> {
    return this.#o.db.transaction().execute(async (trx) => {
      await sql`select set_config('lock_timeout', ${`${this.#o.renewEveryMs}ms`}, true)`.execute(trx);
      return fn(trx);
    });
  }

  async #handBack(h: Held): Promise<void> {
    const { resource, token } = h.lease;
    await this.#bounded((trx) =>
      trx
        .updateTable('cluster_leases')
        .set({ owner: null, last_owner: this.#o.replica, expires_at: sql`now()` })
        .where('resource', '=', resource)
        .where('owner', '=', this.#o.replica)
        .where('token', '=', String(token))
        .execute(),
    ).then(
      () => this.#o.log.info(`cluster: released ${resource} (token ${token})`, { resource }),
      (err) => this.#o.log.warn(`cluster: could not release ${resource}: ${(err as Error).message}`),
    );
  }
}
