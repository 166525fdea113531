// The SOC command catalog and its runner; the CLI, the HTTP API, the MCP tools and the console read it from here.
export {
  type CommandDef,
  commands,
  describeCommand,
  eventFields,
  findCommand,
  seenSinceValue,
} from './catalog.ts';
export { command, type ParamValues, param } from './define.ts';
export { type CommandEffect, commandEffect } from './effect.ts';
export { type RunOnInstance, runOnInstance, UnknownInstanceError } from './on-instance.ts';
export {
  coerceParams,
  flagName,
  jsonSchema,
  ParamError,
  type ParamSpec,
  type ParamType,
  paramName,
} from './params.ts';
export {
  type CommandFailure,
  type CommandResult,
  commandResultSchema,
  exitCode,
  failureSchema,
  type ItemResult,
  type Outcome,
  prepareParams,
  runCommand,
} from './run.ts';
