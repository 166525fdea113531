// Poll cursors: how far each instance's stream has been read, as JSON the poller defines.
import type { Conn } from './conn.ts';

export interface Cursors {
  get(instance: string, stream: string): unknown | undefined;
  set(instance: string, stream: string, state: unknown): void;
  list(instance?: string): { instance: string; stream: string; state: unknown; updatedAt: number }[];
}

export function cursors({ k, x }: Conn): Cursors {
  return {
    get: (instance, stream) => {
      const r = x.first(
        k.selectFrom('cursors').select('state').where('instance', '=', instance).where('stream', '=', stream),
      );
      return r ? JSON.parse(r.state) : undefined;
    },
    set: (instance, stream, state) => {
      const now = Date.now();
      const json = JSON.stringify(state) ?? 'null';
      x.run(
        k
          .insertInto('cursors')
          .values({ instance, stream, state: json, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['instance', 'stream']).doUpdateSet({ state: json, updated_at: now }),
          ),
      );
    },
    list: (instance) => {
      let q = k.selectFrom('cursors').selectAll().orderBy('instance').orderBy('stream');
      if (instance !== undefined) q = q.where('instance', '=', instance);
      return x.all(q).map((r) => ({
        instance: r.instance,
        stream: r.stream,
        state: JSON.parse(r.state),
        updatedAt: r.updated_at,
      }));
    },
  };
}
