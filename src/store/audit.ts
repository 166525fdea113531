// The command audit: who ran which command on which instance, with what outcome.
import type { Conn } from './conn.ts';
import { redactSecrets } from './redaction.ts';

export interface CommandRunInput {
  who: string;
  instance?: string | null;
  command: string;
  /** Stored as JSON; values under secret-looking keys (token, secret, password, ...) are redacted. */
  params?: Record<string, unknown>;
  outcome: string;
  summary?: string | null;
  at?: number;
}
export interface CommandRun {
  id: number;
  at: number;
  who: string;
  instance: string | null;
  command: string;
  params: Record<string, unknown>;
  outcome: string;
  summary: string | null;
}

export interface CommandRuns {
  add(r: CommandRunInput): Promise<number>;
  /** Newest first. */
  list(limit?: number, opts?: { instance?: string }): Promise<CommandRun[]>;
}

export function commandRuns({ k, x }: Conn): CommandRuns {
  return {
    add: async (r) =>
      (
        await x.run(
          k
            .insertInto('command_runs')
            .values({
              at: r.at ?? Date.now(),
              who: r.who,
              instance: r.instance ?? null,
              command: r.command,
              params: JSON.stringify(redactSecrets(r.params ?? {})),
              outcome: r.outcome,
              summary: r.summary ?? null,
            })
            .returning('id'),
        )
      ).lastInsertRowid,
    list: async (limit = 100, opts = {}) => {
      let q = k.selectFrom('command_runs').selectAll().orderBy('id', 'desc').limit(limit);
      if (opts.instance !== undefined) q = q.where('instance', '=', opts.instance);
      return (await x.all(q)).map((r) => ({ ...r, params: JSON.parse(r.params) as Record<string, unknown> }));
    },
  };
}
