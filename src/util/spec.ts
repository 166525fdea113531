// What every component's config spec is made of: the zod pieces they share (names, http URLs), the
// one mark for a secret field, and what is derived from a spec (its secret field names, its options
// as a table). A spec is one zod object with defaults and descriptions; the config file, the CLI flags,
// the API's schemas, redaction and the README's tables are all read from it.
import { z } from 'zod';

export const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

export const name = () => z.string().regex(NAME, 'letters, digits, - and _ only, at most 63 characters');

export const httpUrl = () =>
  z.string().refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { message: 'must be an http(s) URL such as https://dt.example.com' },
  );

/** A number that may arrive as text (a URL's query): `"120"` is 120, `"soon"` fails as not a number. */
export const textNumber = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' ? (v.trim() === '' ? Number.NaN : Number(v)) : v), schema);

/** A switch that may arrive as text: true/1 and false/0. */
export const textBoolean = () =>
  z.preprocess(
    (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v),
    z.boolean({ error: 'must be true or false' }),
  );

/** The fields marked secret: never shown, never logged, stored encrypted or not at all. */
const SECRETS = z.registry<{ secret: true }>();

/**
 * Marks a field secret (the one redaction rule: see `secretKeys`). Give the description here: zod's
 * `.describe()` makes a new schema, which would not carry the mark.
 */
export function secret<T extends z.ZodType>(schema: T, description?: string): T {
  const s = description ? (schema.describe(description) as T) : schema;
  SECRETS.add(s, { secret: true });
  return s;
}

/** The schema under optional/default/nullable/pipe wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { def: Record<string, any> };
  for (;;) {
    const d = s.def;
    if (SECRETS.has(s)) return s;
    if (d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'prefault')
      s = d.innerType;
    else if (d.type === 'pipe') s = d.in.def.type === 'transform' ? d.out : d.in;
    else return s;
  }
}

export const isSecret = (schema: z.ZodType): boolean => SECRETS.has(unwrap(schema));

/** The names of the fields marked secret in an object spec, at any depth. */
export function secretKeys(schema: z.ZodType): string[] {
  const out = new Set<string>();
  const walk = (s: z.ZodType) => {
    const u = unwrap(s) as z.ZodType & { def: Record<string, any> };
    if (u.def.type === 'object')
      for (const [k, v] of Object.entries(u.def.shape as Record<string, z.ZodType>)) {
        if (isSecret(v)) out.add(k);
        walk(v);
      }
    else if (u.def.type === 'array') walk(u.def.element);
    else if (u.def.type === 'union') for (const o of u.def.options) walk(o);
  };
  walk(schema);
  return [...out];
}

/** One row of a spec's option table (README, `dtc sink types`, `--help`). */
export interface OptionRow {
  name: string;
  type: string;
  default?: string;
  description: string;
  secret: boolean;
}

function typeName(s: z.ZodType): string {
  const u = unwrap(s) as z.ZodType & { def: Record<string, any> };
  switch (u.def.type) {
    case 'enum':
      return Object.values(u.def.entries as Record<string, string>).join(' | ');
    case 'object':
      return 'object';
    case 'array':
      return `${typeName(u.def.element)}[]`;
    case 'record':
      return 'map';
    default:
      return u.def.type;
  }
}

function defaultOf(s: z.ZodType): unknown {
  let c = s as z.ZodType & { def: Record<string, any> };
  while (c.def.type === 'optional' || c.def.type === 'nullable' || c.def.type === 'pipe')
    c = c.def.type !== 'pipe' ? c.def.innerType : c.def.in.def.type === 'transform' ? c.def.out : c.def.in;
  return c.def.type === 'default' ? c.def.defaultValue : undefined;
}

/** The options of an object spec, one row each, in declaration order; nested objects as `tls.caFile`. */
export function optionRows(schema: z.ZodType, prefix = ''): OptionRow[] {
  const u = unwrap(schema) as z.ZodType & { def: Record<string, any> };
  if (u.def.type !== 'object') return [];
  return Object.entries(u.def.shape as Record<string, z.ZodType>).flatMap(([k, v]) => {
    if ((unwrap(v) as z.ZodType & { def: Record<string, any> }).def.type === 'object')
      return optionRows(v, `${prefix}${k}.`);
    const d = defaultOf(v);
    return [
      {
        name: `${prefix}${k}`,
        type: typeName(v),
        ...(d === undefined ? {} : { default: typeof d === 'object' ? JSON.stringify(d) : String(d) }),
        description: v.description ?? unwrap(v).description ?? '',
        secret: isSecret(v),
      },
    ];
  });
}

/** A zod path as the config file spells it: `sinks[0].options.ack`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.length
    ? path
        .map((p, i) =>
          typeof p === 'number' || /^\d+$/.test(String(p)) ? `[${String(p)}]` : `${i ? '.' : ''}${String(p)}`,
        )
        .join('')
    : '(top level)';
}

/** One line per issue, naming the field (`sinks[0].options: unknown key "acks"`). */
export function issueLines(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): string[] {
  return issues.map((issue) => {
    const where = fieldPath([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys')
      return `${where === '(top level)' ? '' : `${where}: `}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${where}: is required`;
    return `${where}: ${issue.message}`;
  });
}

/** How a field is given on the command line, when the kebab-case of its name is not the flag. */
export interface FlagSpec {
  flag?: string;
  /** The value's placeholder in `--help` (`<seconds>`); none for a switch. */
  arg?: string;
  /** From the flag's text to the field's value (default: a number for numbers, the text otherwise). */
  parse?: (text: string) => unknown;
}
const FLAGS = z.registry<FlagSpec>();

/** Declares the command-line form of a field. */
export function flag<T extends z.ZodType>(schema: T, f: FlagSpec): T {
  FLAGS.add(schema, f);
  return schema;
}

/** A PEM key and certificate pair (`--tls-key`, `--tls-cert` on the command line), for `what`. */
export const tlsFiles = (what: string) =>
  z.strictObject({
    keyFile: flag(z.string(), { flag: 'tls-key', arg: '<file>' }).describe(`PEM private key file: ${what}`),
    certFile: flag(z.string(), { flag: 'tls-cert', arg: '<file>' }).describe(`PEM certificate file: ${what}`),
  });

/** One command-line flag derived from a spec field (nested fields are flattened: `tls.caFile` → `--ca-file`). */
export interface DerivedFlag {
  path: string[];
  flag: string;
  arg?: string;
  description: string;
  default?: string;
  secret: boolean;
  /** The field's own schema: what a parsed value is checked against. */
  schema: z.ZodType;
  parse(text: string): unknown;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flags of an object spec: every leaf field, with its description and default from the spec. */
export function flagsOf(schema: z.ZodType, prefix: string[] = []): DerivedFlag[] {
  const u = unwrap(schema) as z.ZodType & { def: Record<string, any> };
  if (u.def.type !== 'object') return [];
  return Object.entries(u.def.shape as Record<string, z.ZodType>).flatMap(([k, v]) => {
    const leaf = unwrap(v) as z.ZodType & { def: Record<string, any> };
    if (leaf.def.type === 'object' && !FLAGS.has(v)) return flagsOf(v, [...prefix, k]);
    const f = FLAGS.get(v) ?? {};
    const kind = leaf.def.type;
    const row = optionRows(z.object({ [k]: v }))[0];
    const number = (t: string) => {
      const n = Number(t);
      if (t.trim() === '' || !Number.isFinite(n)) throw new Error(`must be a number, got "${t}"`);
      return n;
    };
    return [
      {
        path: [...prefix, k],
        flag: `--${f.flag ?? kebab(k)}`,
        arg: f.arg ?? (kind === 'boolean' ? undefined : `<${kind === 'number' ? 'n' : 'value'}>`),
        description: row.description,
        ...(row.default === undefined ? {} : { default: row.default }),
        secret: row.secret,
        schema: v,
        parse: f.parse ?? (kind === 'number' ? number : kind === 'boolean' ? () => true : (t: string) => t),
      },
    ];
  });
}

/** commander's attribute for a flag: `--poll-interval` → `pollInterval`. */
export const flagAttribute = (flag: string) =>
  flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The fields the given flags set, in the spec's shape (nested by path), each value parsed as its field
 * says. A value that does not parse, or (with `check`) that its field's schema refuses, is refused
 * naming the flag.
 */
export function valuesFromFlags(
  flags: readonly DerivedFlag[],
  given: Record<string, unknown>,
  o: { check?: boolean } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of flags) {
    const text = given[flagAttribute(f.flag)];
    if (text === undefined) continue;
    let value: unknown;
    try {
      value = f.parse(String(text));
    } catch (err) {
      throw new Error(`${f.flag}: ${(err as Error).message}`);
    }
    if (o.check) {
      const r = f.schema.safeParse(value);
      if (!r.success)
        throw new Error(
          `${f.flag}: ${issueLines(r.error.issues)
            .join('; ')
            .replace(/^\(top level\): /, '')}`,
        );
      value = r.data;
    }
    let at = out;
    for (const k of f.path.slice(0, -1)) {
      at[k] ??= {};
      at = at[k] as Record<string, unknown>;
    }
    at[f.path[f.path.length - 1]] = value;
  }
  return out;
}
