// Poll cursors: how far each instance's stream has been read, as JSON the poller defines.
import type { Conn } from './conn.ts';

export interface Cursors {
  get(instance: string, stream: string): Promise<unknown | undefined>;
  set(instance: string, stream: string, state: unknown): Promise<void>;
  list(instance?: string): Promise<{ instance: string; stream: string; state: unknown; updatedAt: number }[]>;
}

export function cursors({ k, x }: Conn): Cursors {
  return {
    get: async (instance, stream) => {
      const r = await x.first(
        k.selectFrom('cursors').select('state').where('instance', '=', instance).where('stream', '=', stream),
      );
      return r ? JSON.parse(r.state) : undefined;
    },
    set: async (instance, stream, state) => {
      const now = Date.now();
      const json = JSON.stringify(state) ?? 'null';
      await x.run(
        k
          .insertInto('cursors')
          .values({ instance, stream, state: json, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['instance', 'stream']).doUpdateSet({ state: json, updated_at: now }),
          ),
      );
    },
    list: async (instance) => {
      let q = k.selectFrom('cursors').selectAll().orderBy('instance').orderBy('stream');
      if (instance !== undefined) q = q.where('instance', '=', instance);
      return (await x.all(q)).map((r) => ({
        instance: r.instance,
        stream: r.stream,
        state: JSON.parse(r.state),
        updatedAt: r.updated_at,
      }));
    },
  };
}
