// Endpoint parameter schemas. One declaration per endpoint gives both the TypeScript type of its
// parameters and the runtime list of names the request builder accepts, so the two cannot drift.

declare const VALUE: unique symbol;
declare const ANSWER: unique symbol;

/** One parameter: whether it is required, and (in the type only) the value it holds. */
export interface Param<T = unknown, Required extends boolean = boolean> {
  readonly required: Required;
  readonly [VALUE]?: T;
}
export type ParamShape = { readonly [name: string]: Param };

export const optional = <T>(): Param<T, false> => ({ required: false });
export const required = <T>(): Param<T, true> => ({ required: true });

type ValueOf<P> = P extends Param<infer T, boolean> ? T : never;
type RequiredKeys<S> = { [K in keyof S]: S[K] extends Param<unknown, true> ? K : never }[keyof S];
type Flat<T> = { [K in keyof T]: T[K] };

/** The parameter object a schema describes: required names as they are, the others optional. */
export type ParamsOf<S extends ParamShape> = Flat<
  { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
    [K in Exclude<keyof S, RequiredKeys<S>>]?: ValueOf<S[K]>;
  }
>;

/** What an endpoint answers: parsed JSON of type R, or the raw bytes of a download. */
export type Answer<R = unknown> = ('json' | 'binary') & { readonly [ANSWER]?: R };
export const json = <R>() => 'json' as Answer<R>;
export const binary = () => 'binary' as Answer<Uint8Array>;
export type AnswerOf<A> = A extends Answer<infer R> ? R : never;

/** A parameter the endpoint does not declare, named, with the ones it does. */
export class UnknownParamError extends TypeError {
  override name = 'UnknownParamError';
  constructor(
    readonly param: string,
    readonly endpoint: string,
    readonly allowed: readonly string[],
  ) {
    super(
      `unknown parameter "${param}" for ${endpoint}: use one of ${allowed.length ? allowed.join(', ') : '(none)'}`,
    );
  }
}
