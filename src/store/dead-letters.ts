// Dead letters: what could not be understood, with the reason, held to an age and a size budget.
import type { Conn } from './conn.ts';

export interface DeadLetterInput {
  /** Where it came from, e.g. `syslog:tcp 127.0.0.1`, `poll:demo`. */
  source: string;
  instance?: string | null;
  reason: string;
  payload: string;
  at?: number;
}
export interface DeadLetter extends Required<Omit<DeadLetterInput, 'instance'>> {
  id: number;
  instance: string | null;
}

export interface DeadLetterRetention {
  /** Dead letters older than this are deleted (ms; 0 = kept whatever their age). */
  maxAgeMs: number;
  /** The oldest are deleted while the table holds more than this (bytes, roughly; 0 = no limit). */
  maxBytes: number;
  /** The most of a rejected record kept (characters); the rest is cut, with its length noted. */
  excerptBytes: number;
}

export const DEAD_LETTER_DEFAULTS: DeadLetterRetention = {
  maxAgeMs: 30 * 86_400_000,
  maxBytes: 100 * 1024 * 1024,
  excerptBytes: 4096,
};

/** How often, at most, adding dead letters also deletes the expired ones. */
const AGE_PRUNE_EVERY_MS = 60_000;

export interface DeadLetters {
  add(d: DeadLetterInput): Promise<number>;
  /** Several in one transaction: a flood of bad lines costs one commit per batch, not one per line. */
  addAll(ds: DeadLetterInput[]): Promise<void>;
  /** Newest first. */
  list(limit?: number, offset?: number): Promise<DeadLetter[]>;
  count(): Promise<number>;
  /** The table's size as retention counts it (payload, reason, source and 64 bytes a row). */
  bytes(): Promise<number>;
  /** Deletes what is past the age and size limits now (adding also does, the age at most once a minute). */
  prune(now?: number): Promise<{ deleted: number }>;
}

export function deadLetters(
  { k, x }: Conn,
  retention: DeadLetterRetention = DEAD_LETTER_DEFAULTS,
): DeadLetters {
  /** The table's size (sum of `size`), read once, then kept up to date here. */
  let dlBytes: number | undefined;
  let prunedAt = 0;

  /** A transaction over dead letters: rolled back, the running size is read again next time. */
  const tx = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await x.transaction(fn);
    } catch (err) {
      dlBytes = undefined;
      throw err;
    }
  };

  const bytes = async (): Promise<number> => {
    dlBytes ??= Number(
      (await x.first(k.selectFrom('dead_letters').select((eb) => eb.fn.sum<number>('size').as('n'))))?.n ?? 0,
    );
    return dlBytes;
  };

  /**
   * Deletes dead letters past the age limit (at most once a minute unless `force`) and the oldest while
   * the table is over its size limit. The file does not shrink; its free pages are reused.
   */
  const prune = async (now: number, force: boolean): Promise<{ deleted: number }> => {
    const { maxAgeMs, maxBytes } = retention;
    let deleted = 0;
    if (maxAgeMs > 0 && (force || now - prunedAt >= AGE_PRUNE_EVERY_MS)) {
      prunedAt = now;
      dlBytes = undefined; // read the total again: another process may have added some
      const cutoff = now - maxAgeMs;
      const gone = await x.first(
        k
          .selectFrom('dead_letters')
          .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
          .where('at', '<', cutoff),
      );
      if (gone && Number(gone.n) > 0) {
        await x.run(k.deleteFrom('dead_letters').where('at', '<', cutoff));
        deleted += Number(gone.n);
        dlBytes = (await bytes()) - Number(gone.bytes ?? 0);
      }
    }
    if (maxBytes > 0 && (await bytes()) > maxBytes) {
      // Down to 90 % of the budget, oldest first, so that pruning does not run on every add.
      let excess = (await bytes()) - Math.floor(maxBytes * 0.9);
      let cutoffId = 0;
      let freed = 0;
      let n = 0;
      while (excess > 0) {
        const rows = await x.all(
          k
            .selectFrom('dead_letters')
            .select(['id', 'size'])
            .where('id', '>', cutoffId)
            .orderBy('id')
            .limit(1000),
        );
        if (!rows.length) break;
        for (const r of rows) {
          cutoffId = r.id;
          excess -= r.size;
          freed += r.size;
          n++;
          if (excess <= 0) break;
        }
      }
      await x.run(k.deleteFrom('dead_letters').where('id', '<=', cutoffId));
      deleted += n;
      dlBytes = (await bytes()) - freed;
    }
    return { deleted };
  };

  /** Inside a transaction: the rows (excerpts of their payloads), then what retention says to delete. */
  const addRows = async (ds: DeadLetterInput[]): Promise<number> => {
    const { excerptBytes } = retention;
    let id = 0;
    let added = 0;
    for (const d of ds) {
      const payload =
        excerptBytes > 0 && d.payload.length > excerptBytes
          ? `${d.payload.slice(0, excerptBytes)}… [${d.payload.length - excerptBytes} more characters not kept]`
          : d.payload;
      const reason = d.reason.length > 2000 ? `${d.reason.slice(0, 2000)}…` : d.reason;
      const size = payload.length + reason.length + d.source.length + 64;
      id = (
        await x.run(
          k
            .insertInto('dead_letters')
            .values({
              at: d.at ?? Date.now(),
              source: d.source,
              instance: d.instance ?? null,
              reason,
              payload,
              size,
            })
            .returning('id'),
        )
      ).lastInsertRowid;
      added += size;
    }
    dlBytes = (await bytes()) + added;
    await prune(Date.now(), false);
    return id;
  };

  return {
    add: (d) => tx(() => addRows([d])),
    addAll: async (ds) => {
      if (ds.length) await tx(() => addRows(ds));
    },
    list: (limit = 100, offset = 0) =>
      x.all(
        k
          .selectFrom('dead_letters')
          .select(['id', 'at', 'source', 'instance', 'reason', 'payload'])
          .orderBy('id', 'desc')
          .limit(limit)
          .offset(offset),
      ),
    count: async () =>
      Number((await x.first(k.selectFrom('dead_letters').select((eb) => eb.fn.countAll().as('n'))))?.n ?? 0),
    bytes,
    prune: (now = Date.now()) => tx(() => prune(now, true)),
  };
}
