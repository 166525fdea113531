// The SOC command catalog and its runner; the CLI, the HTTP API and the console read it from here.
export { type CommandDef, commands, eventFields, findCommand, seenSinceValue } from './catalog.ts';
export { coerceParams, flagName, jsonSchema, ParamError, type ParamSpec, type ParamType } from './params.ts';
export {
  type CommandResult,
  exitCode,
  type ItemResult,
  type Outcome,
  prepareParams,
  runCommand,
} from './run.ts';
