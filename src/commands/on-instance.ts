// Runs a catalog command on an instance stored in the data directory and records the run in the audit
// table: the one path the HTTP API and the MCP tools share, so a command behaves and is audited the same
// whichever face started it. (`dtc cmd` also takes --url and tokens with no store, so it runs
// prepareParams and runCommand itself.)

import { instanceRecord } from '../collect/instance.ts';
import { DarktraceClient, type Logger } from '../darktrace/index.ts';
import type { Store } from '../store/index.ts';
import type { CommandDef } from './catalog.ts';
import { type CommandResult, prepareParams, runCommand } from './run.ts';

/** No instance of that name is stored. */
export class UnknownInstanceError extends Error {
  override name = 'UnknownInstanceError';
  constructor(
    readonly instance: string,
    known: readonly string[],
  ) {
    super(`no instance named "${instance}" (instances: ${known.join(', ') || 'none'})`);
  }
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface RunOnInstance {
  instance: string;
  command: CommandDef;
  /** Parameters as the caller gave them (JSON); validated before any request. */
  raw: Record<string, unknown>;
  /** Who ran it, for the audit table: `alice`, `api:127.0.0.1`, `mcp:stdio:alice`. */
  who: string;
  logger?: Logger;
  /** Items one multi-item call may carry (default MAX_ITEMS, 500). */
  maxItems?: number;
  /** The instance's shared client (the collector's); absent, one is made for this run and closed after. */
  client?: DarktraceClient;
}

/**
 * Throws UnknownInstanceError or ParamError (naming the parameter) before any request; otherwise runs
 * the command, records it, and returns the result, failed or not.
 */
export async function runOnInstance(store: Store, o: RunOnInstance): Promise<CommandResult> {
  const rec = await instanceRecord(store, o.instance);
  if (!rec)
    throw new UnknownInstanceError(
      o.instance,
      (await store.instances.list()).map((i) => i.name),
    );
  const params = prepareParams(o.command, o.raw, Date.now(), { maxItems: o.maxItems });
  const client = o.client ?? new DarktraceClient({ ...rec, logger: o.logger ?? silent });
  try {
    const result = await runCommand(o.command, client, params);
    await store.commandRuns.add({
      who: o.who,
      instance: rec.name,
      command: o.command.name,
      params,
      outcome: result.outcome,
      summary: result.error?.message ?? result.items?.find((i) => !i.ok)?.error?.message ?? null,
    });
    return result;
  } finally {
    if (client !== o.client) await client.close();
  }
}
