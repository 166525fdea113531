// Counters that every process on the store shares (migration 0016): the API's request counts per key
// and window, so that replicas behind a load balancer allow the rate once between them, not once each,
// and the failed logins the login throttle counts (src/auth/).
import { type Kysely, sql } from 'kysely';
import type { Executor } from './conn.ts';
import type { DB } from './schema.ts';

export interface RateWindow {
  /** Hits counted in the key's current window, this one included. */
  count: number;
  /** When that window ends (ms); a hit after it starts a new one. */
  resetAt: number;
}

export interface RateLimits {
  /**
   * Counts one hit on `key` in one statement (an upsert, atomic on both databases). A key's window starts
   * at its first hit and lasts `windowMs`, as @fastify/rate-limit's in-memory store does; a hit after it
   * starts the next window at 1.
   */
  hit(key: string, windowMs: number, now?: number): Promise<RateWindow>;
  /** The key's count without counting a hit (0 once its window has ended). */
  read(key: string, windowMs: number, now?: number): Promise<RateWindow>;
  /** Deletes the counters whose window ended at or before `now` (windows of `windowMs`); how many. */
  prune(windowMs: number, now?: number): Promise<number>;
}

export function rateLimits(k: Kysely<DB>, x: Executor): RateLimits {
  return {
    async hit(key, windowMs, now = Date.now()) {
      // `rate_limits.window_start + windowMs > now`: the stored window still runs, so this hit joins it.
      const running = sql<boolean>`rate_limits.window_start + ${windowMs} > ${now}`;
      const r = await x.first(
        k
          .insertInto('rate_limits')
          .values({ key, window_start: now, count: 1 })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({
              count: sql`CASE WHEN ${running} THEN rate_limits.count + 1 ELSE 1 END`,
              window_start: sql`CASE WHEN ${running} THEN rate_limits.window_start ELSE ${now} END`,
            }),
          )
          .returning(['count', 'window_start']),
      );
      return { count: Number(r!.count), resetAt: Number(r!.window_start) + windowMs };
    },
    async read(key, windowMs, now = Date.now()) {
      const r = await x.first(
        k.selectFrom('rate_limits').select(['count', 'window_start']).where('key', '=', key),
      );
      if (!r || Number(r.window_start) + windowMs <= now) return { count: 0, resetAt: now };
      return { count: Number(r.count), resetAt: Number(r.window_start) + windowMs };
    },
    async prune(windowMs, now = Date.now()) {
      return (await x.run(k.deleteFrom('rate_limits').where('window_start', '<=', now - windowMs))).changes;
    },
  };
}

export interface LoginFailures {
  /**
   * Records a failed attempt against each subject and says, for each, how many failures it has since
   * `since`, this one included, and the oldest of them. Attempts on one subject are counted one after
   * another (each locks the subject's row in rate_limits first), so parallel attempts from several
   * replicas each see all those before theirs. The ids let a success take it back.
   */
  add(
    subjects: string[],
    at: number,
    since: number,
  ): Promise<{ ids: number[]; counts: { count: number; oldest: number }[] }>;
  /** Takes back failures by id (the attempt succeeded after all, or was refused before counting). */
  remove(ids: number[]): Promise<void>;
  /** Forgets every failure of a subject (a successful login for that user at that address). */
  clear(subject: string): Promise<void>;
  /** Deletes failures older than `before` (and the lock rows of subjects with none since); how many. */
  prune(before: number): Promise<number>;
}

export function loginFailures(k: Kysely<DB>, x: Executor): LoginFailures {
  return {
    add: (subjects, at, since) =>
      x.transaction(async () => {
        const ids: number[] = [];
        const counts = [];
        // Subjects in the caller's order (always the user's, then the address's), so two attempts never
        // wait on each other's rows in opposite orders.
        for (const subject of subjects) {
          await x.run(
            k
              .insertInto('rate_limits')
              .values({ key: `login:${subject}`, window_start: at, count: 1 })
              .onConflict((oc) =>
                oc.column('key').doUpdateSet({ count: sql`rate_limits.count + 1`, window_start: at }),
              ),
          );
          const id = (await x.first(k.insertInto('login_failures').values({ subject, at }).returning('id')))!
            .id;
          ids.push(Number(id));
          const r = await x.first(
            k
              .selectFrom('login_failures')
              .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min<number>('at').as('oldest')])
              .where('subject', '=', subject)
              .where('at', '>', since),
          );
          counts.push({ count: Number(r?.n ?? 0), oldest: Number(r?.oldest ?? at) });
        }
        return { ids, counts };
      }),
    async remove(ids) {
      if (ids.length) await x.run(k.deleteFrom('login_failures').where('id', 'in', ids));
    },
    async clear(subject) {
      await x.run(k.deleteFrom('login_failures').where('subject', '=', subject));
    },
    async prune(before) {
      // The subjects' lock rows too (`login:` up to, not including, `login;`: a range of the key).
      await x.run(
        k
          .deleteFrom('rate_limits')
          .where('key', '>=', 'login:')
          .where('key', '<', 'login;')
          .where('window_start', '<', before),
      );
      return (await x.run(k.deleteFrom('login_failures').where('at', '<', before))).changes;
    },
  };
}
