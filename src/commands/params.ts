// Typed command parameters: one declaration gives the CLI flag, the HTTP body field, the coercion from
// text (CLI) or JSON (HTTP), the validation message, and the JSON Schema for OpenAPI.
import { parseTime } from '../util/time.ts';

export type ParamType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  /** A point in time: ISO 8601, epoch ms or a relative age (24h); becomes epoch ms. */
  | 'time'
  | 'string[]'
  | 'integer[]'
  /** Structured JSON (a list of objects); given as JSON text on the CLI. */
  | 'json';

export interface ParamSpec {
  /** camelCase; the CLI flag is its kebab-case form, the HTTP body field is this name. */
  name: string;
  type: ParamType;
  description: string;
  required?: boolean;
  default?: unknown;
  example?: unknown;
  enum?: readonly string[];
  min?: number;
  max?: number;
}

export class ParamError extends Error {
  override name = 'ParamError';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

export const flagName = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** The inverse of flagName: a ParamError's parameter as the JSON body and the MCP arguments spell it. */
export const paramName = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function list(v: unknown): unknown[] {
  if (Array.isArray(v)) return v.flatMap((x) => (typeof x === 'string' ? x.split(',') : [x]));
  if (typeof v === 'string') return v.split(',');
  return [v];
}

function coerceOne(spec: ParamSpec, v: unknown, now: number): unknown {
  const p = flagName(spec.name);
  switch (spec.type) {
    case 'string': {
      if (typeof v !== 'string' && typeof v !== 'number')
        throw new ParamError(p, `must be text, got ${JSON.stringify(v)}`);
      const s = String(v).trim();
      if (spec.required && s === '') throw new ParamError(p, 'must not be empty');
      if (spec.enum && !spec.enum.includes(s))
        throw new ParamError(p, `must be one of ${spec.enum.join(', ')}, got "${s}"`);
      return s;
    }
    case 'integer':
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
      if (!Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) {
        throw new ParamError(
          p,
          `must be ${spec.type === 'integer' ? 'a whole number' : 'a number'}, got ${JSON.stringify(v)}`,
        );
      }
      if (spec.min !== undefined && n < spec.min)
        throw new ParamError(p, `must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max)
        throw new ParamError(p, `must be at most ${spec.max}, got ${n}`);
      return n;
    }
    case 'boolean': {
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1' || v === 'yes') return true;
      if (v === 'false' || v === '0' || v === 'no') return false;
      throw new ParamError(p, `must be true or false, got ${JSON.stringify(v)}`);
    }
    case 'time':
      try {
        return parseTime(typeof v === 'number' ? v : String(v), now);
      } catch (err) {
        throw new ParamError(p, (err as Error).message);
      }
    case 'json': {
      let value = v;
      if (typeof v === 'string') {
        try {
          value = JSON.parse(v);
        } catch (err) {
          throw new ParamError(
            p,
            `must be JSON, e.g. ${JSON.stringify(spec.example)}: ${(err as Error).message}`,
          );
        }
      }
      return value;
    }
    default:
      return v;
  }
}

/**
 * Coerces and validates raw values (CLI text or HTTP JSON) against the specs. Unknown names are an
 * error (a typo must not silently drop a filter); missing optional ones take their default.
 */
export function coerceParams(
  specs: readonly ParamSpec[],
  raw: Record<string, unknown>,
  now: number = Date.now(),
): Record<string, unknown> {
  const known = new Map(specs.map((s) => [s.name, s]));
  for (const k of Object.keys(raw)) {
    if (!known.has(k) && raw[k] !== undefined) {
      const names = specs.map((s) => flagName(s.name)).join(', ') || 'none';
      throw new ParamError(flagName(k), `unknown parameter (this command takes: ${names})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const v = raw[spec.name];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0) || v === '') {
      if (spec.required) throw new ParamError(flagName(spec.name), `is required (${spec.description})`);
      if (spec.default !== undefined) out[spec.name] = spec.default;
      continue;
    }
    if (spec.type === 'string[]' || spec.type === 'integer[]') {
      const one: ParamSpec = {
        ...spec,
        type: spec.type === 'string[]' ? 'string' : 'integer',
        required: true,
      };
      const items = list(v)
        .map((x) => (typeof x === 'string' ? x.trim() : x))
        .filter((x) => x !== '');
      if (items.length === 0 && spec.required)
        throw new ParamError(flagName(spec.name), 'needs at least one value');
      out[spec.name] = items.map((x) => coerceOne(one, x, now));
    } else {
      out[spec.name] = coerceOne(spec, v, now);
    }
  }
  return out;
}

/** JSON Schema of a command's parameters, for `GET /api/commands` and the OpenAPI document. */
export function jsonSchema(specs: readonly ParamSpec[]): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const s of specs) {
    const base: Record<string, unknown> = { description: s.description };
    if (s.default !== undefined) base.default = s.default;
    if (s.example !== undefined) base.examples = [s.example];
    const scalar = (t: ParamType): Record<string, unknown> =>
      t === 'integer'
        ? {
            type: 'integer',
            ...(s.min !== undefined ? { minimum: s.min } : {}),
            ...(s.max !== undefined ? { maximum: s.max } : {}),
          }
        : t === 'number'
          ? {
              type: 'number',
              ...(s.min !== undefined ? { minimum: s.min } : {}),
              ...(s.max !== undefined ? { maximum: s.max } : {}),
            }
          : t === 'boolean'
            ? { type: 'boolean' }
            : t === 'time'
              ? {
                  oneOf: [
                    {
                      type: 'string',
                      description: 'ISO 8601 (UTC unless an offset is given) or an age such as 24h',
                    },
                    { type: 'integer', description: 'epoch ms' },
                  ],
                }
              : { type: 'string', ...(s.enum ? { enum: [...s.enum] } : {}) };
    if (s.type === 'string[]') props[s.name] = { ...base, type: 'array', items: scalar('string') };
    else if (s.type === 'integer[]') props[s.name] = { ...base, type: 'array', items: scalar('integer') };
    else if (s.type === 'json') props[s.name] = { ...base, type: 'array', items: { type: 'object' } };
    else props[s.name] = { ...base, ...scalar(s.type) };
  }
  const required = specs.filter((s) => s.required).map((s) => s.name);
  return {
    type: 'object',
    additionalProperties: false,
    properties: props,
    ...(required.length ? { required } : {}),
  };
}
