// Sinks and their offsets into the detection log. A sink's config is kept as listings show it: its
// credentials come from the config file or the command line at every start, never from here.
import type { Conn } from './conn.ts';
import { redactSecrets } from './redaction.ts';
import { int } from './values.ts';

export interface Sink {
  name: string;
  config: unknown;
  createdAt: number;
}

export interface SinkOffset {
  sink: string;
  /** The highest seq the destination accepted; 0 = nothing delivered yet. */
  seq: number;
  updatedAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
}

export interface Sinks {
  /** Creates or replaces the sink's config (its offset is kept). */
  set(name: string, config: unknown): Promise<Sink>;
  get(name: string): Promise<Sink | undefined>;
  list(): Promise<Sink[]>;
  /** Removes the sink and its offset. */
  remove(name: string): Promise<boolean>;
}

export interface SinkOffsets {
  /** 0 when the sink has delivered nothing yet. */
  get(sink: string): Promise<number>;
  /** After the destination accepted everything up to `seq`; also `reset offset` (replay). */
  set(sink: string, seq: number): Promise<void>;
  status(sink: string): Promise<SinkOffset | undefined>;
  list(): Promise<SinkOffset[]>;
  /** Remembers the last delivery failure; the offset does not move. */
  recordError(sink: string, error: string): Promise<void>;
}

export function sinks(conn: Conn): Sinks & { scrubStored(): Promise<void> } {
  const { k, x } = conn;
  const toSink = (r: { name: string; config: string; created_at: number }): Sink => ({
    name: r.name,
    config: JSON.parse(r.config),
    createdAt: r.created_at,
  });
  const repo = {
    set: async (name: string, config: unknown) => {
      const json = JSON.stringify(redactSecrets(config)) ?? 'null';
      await x.run(
        k
          .insertInto('sinks')
          .values({ name, config: json, created_at: Date.now() })
          .onConflict((oc) => oc.column('name').doUpdateSet({ config: json })),
      );
      return (await repo.get(name))!;
    },
    get: async (name: string) => {
      const r = await x.first(k.selectFrom('sinks').selectAll().where('name', '=', name));
      return r ? toSink(r) : undefined;
    },
    list: async () => (await x.all(k.selectFrom('sinks').selectAll().orderBy('name'))).map(toSink),
    remove: (name: string) =>
      x.transaction(async () => {
        await x.run(k.deleteFrom('sink_offsets').where('sink', '=', name));
        return (await x.run(k.deleteFrom('sinks').where('name', '=', name))).changes > 0;
      }),
    /** Configs stored by an older version, whose redaction missed some credentials, are redacted again. */
    scrubStored: async () => {
      for (const r of await x.all(k.selectFrom('sinks').select(['name', 'config']))) {
        const clean = JSON.stringify(redactSecrets(JSON.parse(r.config)));
        if (clean !== r.config)
          await conn.secure(() =>
            x.run(k.updateTable('sinks').set({ config: clean }).where('name', '=', r.name)),
          );
      }
    },
  };
  return repo;
}

const toOffset = (r: {
  sink: string;
  seq: number;
  updated_at: number;
  last_error: string | null;
  last_error_at: number | null;
}): SinkOffset => ({
  sink: r.sink,
  seq: Number(r.seq),
  updatedAt: r.updated_at,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
});

export function sinkOffsets({ k, x }: Conn): SinkOffsets {
  const status = async (sink: string) => {
    const r = await x.first(k.selectFrom('sink_offsets').selectAll().where('sink', '=', sink));
    return r ? toOffset(r) : undefined;
  };
  return {
    get: async (sink) => Number((await status(sink))?.seq ?? 0),
    set: async (sink, seq) => {
      const now = Date.now();
      const s = int(seq, 'sink offset');
      await x.run(
        k
          .insertInto('sink_offsets')
          .values({ sink, seq: s, updated_at: now })
          .onConflict((oc) => oc.column('sink').doUpdateSet({ seq: s, updated_at: now })),
      );
    },
    status,
    list: async () => (await x.all(k.selectFrom('sink_offsets').selectAll().orderBy('sink'))).map(toOffset),
    recordError: async (sink, error) => {
      const now = Date.now();
      // A sink that failed before its first delivery still gets a row (offset 0) so its status shows the error.
      await x.run(
        k
          .insertInto('sink_offsets')
          .values({ sink, seq: 0, updated_at: now, last_error: error, last_error_at: now })
          .onConflict((oc) => oc.column('sink').doUpdateSet({ last_error: error, last_error_at: now })),
      );
    },
  };
}
