// The typed helper every command is declared with. Its parameter specs (params.ts) give the handler's
// parameter object its real type: `integer[]` is number[], a `time` is epoch ms, an `enum` is the
// union of its values, and a parameter is optional unless it is required or has a default. A
// multi-item command's handler gets one element of the list it runs over. The endpoints a command
// calls are catalog names (`modelBreaches.acknowledge`), checked when it compiles.
import type { Role } from '../auth/roles.ts';
import type { DarktraceClient, EndpointName } from '../darktrace/index.ts';
import type { ParamSpec } from './params.ts';

/** Parameters after coercion (coerceParams), as the runtime and the transports see them. */
export type Params = Record<string, unknown>;

/** A command as the runner, the CLI, the HTTP API and the MCP tools read it. */
export interface CommandDef {
  /** kebab-case. */
  name: string;
  /**
   * The weakest role that may run it (src/auth/roles.ts): analyst for look-ups, acknowledgements,
   * comments and tags; responder for RESPOND actions, PCAPs and what changes the appliance's response.
   */
  role: Role;
  /** Other names that run it (the `darktrace-…` names SOAR users know). */
  aliases: string[];
  description: string;
  params: readonly ParamSpec[];
  /** What the command returns, in words, for `dtc cmd help` and the OpenAPI document. */
  output: string;
  /** The endpoint catalog entries it calls (the coverage report, its effect, the recording test). */
  endpoints: readonly EndpointName[];
  /** Cross-parameter rules, checked before any request. Throw ParamError. */
  validate?: (p: Params) => void;
  /** A multi-item command runs `run` once per item of `param` and reports each result. */
  each?: {
    param: string;
    failure: string;
    run: (dt: DarktraceClient, item: unknown, p: Params) => Promise<unknown>;
  };
  /** A single command. */
  run?: (dt: DarktraceClient, p: Params) => Promise<unknown>;
  /** The failure indicator of a single command (`Get status failed.`). */
  failure?: string;
}

type Flat<T> = { [K in keyof T]: T[K] };
type ValueOf<S extends ParamSpec> = S['type'] extends 'string'
  ? S extends { enum: readonly (infer E)[] }
    ? E
    : string
  : S['type'] extends 'integer' | 'number' | 'time'
    ? number
    : S['type'] extends 'boolean'
      ? boolean
      : S['type'] extends 'string[]'
        ? string[]
        : S['type'] extends 'integer[]'
          ? number[]
          : unknown;
type Always<S> = S extends { required: true }
  ? true
  : S extends { default: NonNullable<unknown> }
    ? true
    : false;

/** The coerced parameter object of a list of specs. */
export type ParamValues<P extends readonly ParamSpec[]> = Flat<
  { [S in P[number] as Always<S> extends true ? S['name'] : never]: ValueOf<S> } & {
    [S in P[number] as Always<S> extends true ? never : S['name']]?: ValueOf<S>;
  }
>;
/** Names of the list parameters a multi-item command can run over. */
type ListParam<P extends readonly ParamSpec[]> = Extract<
  P[number],
  { type: 'string[]' | 'integer[]' }
>['name'];
type ItemOf<P extends readonly ParamSpec[], N> =
  Extract<P[number], { name: N }> extends {
    type: 'integer[]';
  }
    ? number
    : string;

interface Declared<P extends readonly ParamSpec[]> {
  name: string;
  role: Role;
  aliases: string[];
  description: string;
  params: P;
  output: string;
  endpoints: EndpointName[];
  validate?: (p: ParamValues<P>) => void;
}
interface Single<P extends readonly ParamSpec[]> extends Declared<P> {
  run: (dt: DarktraceClient, p: ParamValues<P>) => Promise<unknown>;
  failure?: string;
}
interface PerItem<P extends readonly ParamSpec[], N extends ListParam<P>> extends Declared<P> {
  each: {
    param: N;
    failure: string;
    run: (dt: DarktraceClient, item: ItemOf<P, N>, p: ParamValues<P>) => Promise<unknown>;
  };
}

/** Declares a command; the handler's parameters are typed from `params`. */
export function command<const P extends readonly ParamSpec[]>(def: Single<P>): CommandDef;
export function command<const P extends readonly ParamSpec[], const N extends ListParam<P>>(
  def: PerItem<P, N>,
): CommandDef;
export function command(def: object): CommandDef {
  // The typed handlers take the coerced values their specs promise; the runner coerces before calling.
  return def as unknown as CommandDef;
}

/** Declares a parameter shared by several commands, keeping its literal type for `command`. */
export const param = <const S extends ParamSpec>(spec: S): S => spec;
