// Each instance's live status (state, last poll, errors, streams, totals), written by the replica that
// polls it so the other replicas' APIs answer the same. Only replicas sharing a PostgreSQL store write
// it; the writer does so under its lease's fence, so a replica that lost the instance cannot overwrite
// its new holder's status. The status is the collector's JSON, kept as the collector shaped it.
import type { Conn } from './conn.ts';

export interface StoredInstanceStatus {
  instance: string;
  /** The replica that wrote it (the one polling the instance then). */
  replica: string;
  status: Record<string, unknown>;
  updatedAt: number;
}

export interface InstanceStatuses {
  put(instance: string, replica: string, status: object, at?: number): Promise<void>;
  get(instance: string): Promise<StoredInstanceStatus | undefined>;
  /** By instance name. */
  list(): Promise<StoredInstanceStatus[]>;
}

const fromRow = (r: { instance: string; replica: string; status: string; updated_at: number | string }) => ({
  instance: r.instance,
  replica: r.replica,
  status: JSON.parse(r.status) as Record<string, unknown>,
  updatedAt: Number(r.updated_at),
});

export function instanceStatuses({ k, x }: Conn): InstanceStatuses {
  return {
    put: async (instance, replica, status, at = Date.now()) => {
      const json = JSON.stringify(status);
      await x.run(
        k
          .insertInto('instance_status')
          .values({ instance, replica, status: json, updated_at: at })
          .onConflict((oc) => oc.column('instance').doUpdateSet({ replica, status: json, updated_at: at })),
      );
    },
    get: async (instance) => {
      const r = await x.first(k.selectFrom('instance_status').selectAll().where('instance', '=', instance));
      return r ? fromRow(r) : undefined;
    },
    list: async () =>
      (await x.all(k.selectFrom('instance_status').selectAll().orderBy('instance'))).map(fromRow),
  };
}
