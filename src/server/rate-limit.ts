// The API's rate limit counted in the store (`store.rateLimits`), for @fastify/rate-limit's `store`
// option. Its own in-memory store counts per process: two replicas behind a load balancer would each
// allow the full rate. On PostgreSQL every replica increments the same row (one upsert per request);
// on SQLite one process owns the file, so the in-memory store stays (no write per request).
import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Store } from '../store/index.ts';

type Callback = (err: Error | null, res?: { current: number; ttl: number }) => void;

/** The store class the plugin instantiates (`new Store(options)`), counting in `store`'s rate_limits. */
export function sharedRateLimitStore(store: Store, namespace = 'api') {
  // Windows that ended are deleted now and then (at most once a window per process), off the request path.
  let prunedAt = 0;
  const prune = (windowMs: number, now: number) => {
    if (now - prunedAt < windowMs) return;
    prunedAt = now;
    store.rateLimits.prune(windowMs, now).catch(() => {});
  };

  return class SharedRateLimitStore implements FastifyRateLimitStore {
    readonly #prefix: string;

    constructor(options: FastifyRateLimitOptions & { routeInfo?: { method?: string; url?: string } }) {
      const route = options.routeInfo?.url ? `${options.routeInfo.method} ${options.routeInfo.url}:` : '';
      this.#prefix = `${namespace}:${route}`;
    }

    incr(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      store.rateLimits.hit(this.#prefix + key, timeWindow, now).then(
        (w) => {
          cb(null, { current: w.count, ttl: Math.max(0, w.resetAt - now) });
          prune(timeWindow, now);
        },
        (err: Error) => cb(err),
      );
    }

    read(key: string, cb: Callback, timeWindow: number): void {
      const now = Date.now();
      store.rateLimits.read(this.#prefix + key, timeWindow, now).then(
        (w) => cb(null, { current: w.count, ttl: Math.max(0, w.resetAt - now) }),
        (err: Error) => cb(err),
      );
    }

    /** A route with limits of its own counts under its own name. */
    child(routeOptions: FastifyRateLimitOptions & { routeInfo?: { method?: string; url?: string } }) {
      return new SharedRateLimitStore(routeOptions);
    }
  };
}
