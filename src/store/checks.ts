// Connection checks: each "test connection" of an instance, for its status at a glance.
import type { Conn } from './conn.ts';

export interface ConnectionCheckInput {
  instance: string;
  ok: boolean;
  latencyMs?: number | null;
  error?: string | null;
  at?: number;
}
export interface ConnectionCheck {
  id: number;
  instance: string;
  at: number;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

export interface ConnectionChecks {
  add(c: ConnectionCheckInput): Promise<number>;
  /** Newest first. */
  list(instance: string, limit?: number): Promise<ConnectionCheck[]>;
}

export function connectionChecks({ k, x }: Conn): ConnectionChecks {
  return {
    add: async (c) =>
      (
        await x.run(
          k
            .insertInto('connection_checks')
            .values({
              instance: c.instance,
              at: c.at ?? Date.now(),
              ok: c.ok ? 1 : 0,
              latency_ms: c.latencyMs ?? null,
              error: c.error ?? null,
            })
            .returning('id'),
        )
      ).lastInsertRowid,
    list: async (instance, limit = 20) =>
      (
        await x.all(
          k
            .selectFrom('connection_checks')
            .selectAll()
            .where('instance', '=', instance)
            .orderBy('at', 'desc')
            .orderBy('id', 'desc')
            .limit(limit),
        )
      ).map((r) => ({
        id: r.id,
        instance: r.instance,
        at: r.at,
        ok: r.ok === 1,
        latencyMs: r.latency_ms,
        error: r.error,
      })),
  };
}
