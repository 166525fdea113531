// The MCP tools, derived at run time from the command catalog (one tool a command: its name, its
// description and output in words, its parameters' JSON Schema plus the `instance` to run it on, and
// hints from what it does to the appliance) and two tools over the hub's own store: detection search and
// detail. Calls go through the code the HTTP API uses (runOnInstance, detectionQuery, searchDetections),
// so validation, results and the audit trail are the same on every face.
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { type Role, roleAtLeast } from '../auth/roles.ts';
import {
  type CommandDef,
  type CommandResult,
  coerceParams,
  commandEffect,
  commandResultSchema,
  commands,
  jsonSchema,
  ParamError,
  paramName,
  runOnInstance,
  UnknownInstanceError,
} from '../commands/index.ts';
import type { DarktraceClient, Logger } from '../darktrace/index.ts';
import {
  detectionDetailParams,
  detectionFilters,
  detectionQuery,
  findDetection,
  searchDetections,
} from '../server/detections.ts';
import type { Store } from '../store/index.ts';

export const SEARCH_DETECTIONS = 'search-detections';
export const GET_DETECTION = 'get-detection';
/** The argument every command tool adds to the catalog's parameters. */
export const INSTANCE_ARG = 'instance';

type ObjectSchema = Tool['inputSchema'];

export interface ToolContext {
  store: Store;
  /** Who is calling, for the audit trail (`mcp:stdio:alice`, `mcp:http:127.0.0.1`). */
  who: () => string;
  /** Where the SDK's warnings go (clock skew and the like). */
  logger?: Logger;
  /** The caller's role over HTTP; stdio (the data directory's owner) has none and may call every tool. */
  role?: Role;
  /** Items one multi-item command call may carry. */
  maxItems?: number;
  /** The instance's shared SDK client (the collector's), when the service runs one. */
  client?: (instance: string) => DarktraceClient | undefined;
}

const asObjectSchema = (s: Record<string, unknown>) => s as ObjectSchema;

function commandTool(c: CommandDef, instances: string[]): Tool {
  const params = jsonSchema(c.params) as { properties: Record<string, object>; required?: string[] };
  if (INSTANCE_ARG in params.properties)
    throw new Error(`command "${c.name}" has a parameter named "${INSTANCE_ARG}", which its MCP tool needs`);
  const effect = commandEffect(c);
  const aliases = c.aliases.length ? ` Also known as ${c.aliases.join(', ')}.` : '';
  return {
    name: c.name,
    description: `${c.description}. Returns: ${c.output}.${aliases}`,
    inputSchema: asObjectSchema({
      ...params,
      properties: {
        [INSTANCE_ARG]: {
          type: 'string',
          description: `the Darktrace instance to run it on, by name (stored now: ${instances.join(', ') || 'none'})`,
        },
        ...params.properties,
      },
      required: [INSTANCE_ARG, ...(params.required ?? [])],
    }),
    outputSchema: asObjectSchema(commandResultSchema()),
    annotations: {
      readOnlyHint: effect === 'read',
      destructiveHint: effect === 'destructive',
      // It talks to a Darktrace appliance, outside this hub.
      openWorldHint: true,
    },
  };
}

const detectionTools = (): Tool[] => [
  {
    name: SEARCH_DETECTIONS,
    description:
      'Search the detections this hub has collected (model breaches, AI Analyst events, system status and ' +
      'audit records), latest version of each, newest first, with the filters of GET /api/detections. ' +
      'Returns {items, total}.',
    inputSchema: asObjectSchema(jsonSchema(detectionFilters)),
    outputSchema: asObjectSchema({
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object' } }, total: { type: 'integer' } },
      required: ['items', 'total'],
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
  },
  {
    name: GET_DETECTION,
    description:
      'One detection this hub has collected, by key (instance/family/id) or sequence number, with every ' +
      'stored version (how its acknowledgement, comments and scores changed).',
    inputSchema: asObjectSchema(jsonSchema(detectionDetailParams)),
    annotations: { readOnlyHint: true, destructiveHint: false, openWorldHint: false },
  },
];

/** Every tool the role may call, from the catalog as it is now (all of them without a role: stdio). */
export async function listTools(store: Store, role?: Role): Promise<Tool[]> {
  const instances = (await store.instances.list()).map((i) => i.name);
  const allowed = commands.filter((c) => !role || roleAtLeast(role, c.role));
  const tools = [...allowed.map((c) => commandTool(c, instances)), ...detectionTools()];
  const seen = new Set<string>();
  for (const t of tools) {
    if (seen.has(t.name)) throw new Error(`two MCP tools are named "${t.name}"`);
    seen.add(t.name);
  }
  return tools;
}

/** An error result the assistant can act on: which argument, and the rule it broke. */
function invalid(argument: string, rule: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `Invalid argument "${argument}": ${rule}` }] };
}

function paramError(err: ParamError): CallToolResult {
  const prefix = `${err.param}: `;
  return invalid(
    paramName(err.param),
    err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message,
  );
}

const json = (v: unknown) => ({ type: 'text' as const, text: JSON.stringify(v) });

function summary(instance: string, r: CommandResult): string {
  const lines = [`${r.command} on ${instance}: ${r.outcome}`];
  const why = (e: NonNullable<CommandResult['error']>) =>
    `${e.indicator}${e.status ? ` (HTTP ${e.status})` : ''} ${e.message}`;
  if (r.error) lines.push(why(r.error));
  for (const it of r.items ?? [])
    lines.push(it.ok ? `  ok ${it.item}` : `  failed ${it.item}: ${why(it.error!)}`);
  return lines.join('\n');
}

async function callCommand(
  ctx: ToolContext,
  def: CommandDef,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const { [INSTANCE_ARG]: instance, ...raw } = args;
  if (typeof instance !== 'string' || instance.trim() === '')
    return invalid(INSTANCE_ARG, 'is required: the name of a stored instance to run the command on');
  let result: CommandResult;
  try {
    result = await runOnInstance(ctx.store, {
      instance,
      command: def,
      raw,
      who: ctx.who(),
      logger: ctx.logger,
      maxItems: ctx.maxItems,
      client: ctx.client?.(instance),
    });
  } catch (err) {
    if (err instanceof UnknownInstanceError) return invalid(INSTANCE_ARG, err.message);
    if (err instanceof ParamError) return paramError(err);
    throw err;
  }
  return {
    // A command the appliance refused is a failed tool call; partial success is reported item by item.
    isError: result.outcome === 'Failed',
    content: [{ type: 'text', text: summary(instance, result) }, json(result)],
    structuredContent: result as unknown as Record<string, unknown>,
  };
}

/** Runs a tool; an unknown name returns undefined (the caller answers with a protocol error). */
export async function callTool(
  ctx: ToolContext,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult | undefined> {
  try {
    if (name === SEARCH_DETECTIONS) {
      const query = detectionQuery(args);
      const found = await searchDetections(ctx.store, query);
      const text = `${found.total}${found.totalCapped ? ' or more' : ''} detection(s) match; ${found.items.length} from offset ${query.offset ?? 0}`;
      return { content: [{ type: 'text', text }, json(found)], structuredContent: found };
    }
    if (name === GET_DETECTION) {
      const { key } = coerceParams(detectionDetailParams, args) as { key: string };
      const d = await findDetection(ctx.store, key);
      if (!d) return { isError: true, content: [{ type: 'text', text: `No detection "${key}" is stored` }] };
      return { content: [json(d)], structuredContent: d as unknown as Record<string, unknown> };
    }
  } catch (err) {
    if (err instanceof ParamError) return paramError(err);
    throw err;
  }
  // Exact catalog names only: the tool list is the contract, aliases are for SOAR playbooks.
  const def = commands.find((c) => c.name === name);
  if (def && ctx.role && !roleAtLeast(ctx.role, def.role))
    return {
      isError: true,
      content: [{ type: 'text', text: `${name} needs the ${def.role} role; this caller is ${ctx.role}` }],
    };
  return def ? callCommand(ctx, def, args) : undefined;
}
