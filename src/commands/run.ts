// Runs a catalog command: coerce and validate the parameters before any request, then call the SDK once
// (or once per item) and report the outcome: Successful, Partially Successful or Failed, each failure
// with its indicator, HTTP status and Darktrace's own message.
import { type DarktraceClient, DarktraceError } from '../darktrace/index.ts';
import type { CommandDef } from './catalog.ts';
import { coerceParams, ParamError } from './params.ts';

export type Outcome = 'Successful' | 'Partially Successful' | 'Failed';

export interface CommandFailure {
  /** What failed, as a SOAR playbook matches it: `Acknowledge failed.` */
  indicator: string;
  /** HTTP status from the appliance (0 when none came back). */
  status: number;
  message: string;
  darktraceMessage?: string;
}

export interface ItemResult {
  item: string | number;
  ok: boolean;
  result?: unknown;
  error?: CommandFailure;
}

export interface CommandResult {
  command: string;
  outcome: Outcome;
  /** The result of a single command. */
  data?: unknown;
  /** The per-item results of a multi-item command. */
  items?: ItemResult[];
  error?: CommandFailure;
}

/** JSON Schema of a CommandFailure. */
export const failureSchema = {
  type: 'object',
  properties: {
    indicator: { type: 'string' },
    status: { type: 'integer' },
    message: { type: 'string' },
    darktraceMessage: { type: 'string' },
  },
} as const;

/**
 * JSON Schema of a CommandResult, for the OpenAPI document (which passes a `$ref` to its Failure
 * component) and the MCP tools' output schema (which inline it).
 */
export function commandResultSchema(failure: Record<string, unknown> = failureSchema) {
  return {
    type: 'object',
    properties: {
      command: { type: 'string' },
      outcome: { type: 'string', enum: ['Successful', 'Partially Successful', 'Failed'] },
      data: {},
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: { item: {}, ok: { type: 'boolean' }, result: {}, error: failure },
        },
      },
      error: failure,
    },
    required: ['command', 'outcome'],
  };
}

/** Coerces and validates; throws ParamError naming the parameter and the rule. */
/** Items one multi-item call may carry: each is an appliance request, so 2,000 IDs would be 2,000 calls. */
export const MAX_ITEMS = 500;

export function prepareParams(
  def: CommandDef,
  raw: Record<string, unknown>,
  now = Date.now(),
  o: { maxItems?: number } = {},
): Record<string, unknown> {
  const p = coerceParams(def.params, raw, now);
  const max = o.maxItems ?? MAX_ITEMS;
  const items = def.each ? p[def.each.param] : undefined;
  if (Array.isArray(items) && items.length > max)
    throw new ParamError(
      def.each!.param,
      `at most ${max} items per call, got ${items.length}: split them over several calls`,
    );
  def.validate?.(p);
  return p;
}

function failure(indicator: string, err: unknown): CommandFailure {
  if (err instanceof DarktraceError) {
    return { indicator, status: err.status, message: err.message, darktraceMessage: err.darktraceMessage };
  }
  const e = err as Error & { status?: number };
  return { indicator, status: e?.status ?? 0, message: e?.message ?? String(err) };
}

/** Runs with already prepared parameters (see prepareParams). */
export async function runCommand(
  def: CommandDef,
  client: DarktraceClient,
  params: Record<string, unknown>,
): Promise<CommandResult> {
  if (def.each) {
    const items = params[def.each.param] as (string | number)[];
    const results: ItemResult[] = [];
    for (const item of items) {
      try {
        results.push({ item, ok: true, result: await def.each.run(client, item, params) });
      } catch (err) {
        results.push({ item, ok: false, error: failure(def.each.failure, err) });
      }
    }
    const ok = results.filter((r) => r.ok).length;
    const outcome: Outcome =
      ok === results.length ? 'Successful' : ok === 0 ? 'Failed' : 'Partially Successful';
    return { command: def.name, outcome, items: results };
  }
  try {
    return { command: def.name, outcome: 'Successful', data: await def.run!(client, params) };
  } catch (err) {
    return {
      command: def.name,
      outcome: 'Failed',
      error: failure(def.failure ?? `${def.name} failed.`, err),
    };
  }
}

/** Process exit code for an outcome: 0 successful, 1 failed, 2 partially successful. */
export const exitCode = (o: Outcome) => (o === 'Successful' ? 0 : o === 'Failed' ? 1 : 2);

export { ParamError };
