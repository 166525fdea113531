// Command forms generated from each command's parameter schema, as GET /api/commands serves it (JSON
// Schema built from the catalog's own parameter list), and the request body built back from what was
// typed. Pure, so the generation and the conversions are unit-tested (web/test/command-form.test.ts).

export type FieldKind = 'text' | 'integer' | 'number' | 'boolean' | 'choice' | 'time' | 'list' | 'json';

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  /** For a choice: the allowed values. */
  options?: string[];
  /** For a list: of integers or of strings. */
  items?: 'integer' | 'string';
  min?: number;
  max?: number;
  /** What the form starts with (the schema's default), as typed text. */
  initial: string;
  /** An example value, as typed text (a placeholder). */
  example?: string;
}

type Schema = {
  type?: string;
  enum?: unknown[];
  oneOf?: unknown[];
  items?: { type?: string };
  description?: string;
  default?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
};

const asText = (v: unknown): string =>
  v === undefined
    ? ''
    : Array.isArray(v) && v.every((x) => typeof x !== 'object')
      ? v.join(', ')
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);

/** The form's fields from a command's parameter schema (an object schema), in the schema's order. */
export function fieldsOf(schema: { properties?: Record<string, unknown>; required?: string[] }): Field[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, raw]) => {
    const s = raw as Schema;
    const kind: FieldKind = s.oneOf
      ? 'time'
      : s.type === 'array'
        ? s.items?.type === 'object'
          ? 'json'
          : 'list'
        : s.enum
          ? 'choice'
          : s.type === 'integer' || s.type === 'number' || s.type === 'boolean'
            ? s.type
            : 'text';
    return {
      name,
      kind,
      required: required.has(name),
      description: s.description ?? '',
      ...(s.enum ? { options: s.enum.map(String) } : {}),
      ...(kind === 'list' ? { items: s.items?.type === 'integer' ? 'integer' : 'string' } : {}),
      ...(s.minimum !== undefined ? { min: s.minimum } : {}),
      ...(s.maximum !== undefined ? { max: s.maximum } : {}),
      initial: kind === 'boolean' ? (s.default === true ? 'true' : '') : asText(s.default),
      ...(s.examples?.length ? { example: asText(s.examples[0]) } : {}),
    };
  });
}

export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** One typed value as the API takes it; undefined when left empty. Throws FieldError when it cannot be. */
function value(f: Field, text: string): unknown {
  const t = text.trim();
  if (f.kind === 'boolean') return t === 'true' ? true : t === 'false' ? false : undefined;
  if (!t) {
    if (f.required) throw new FieldError(f.name, 'is required');
    return undefined;
  }
  const integer = (s: string) => {
    if (!/^-?\d+$/.test(s)) throw new FieldError(f.name, `"${s}" is not a whole number`);
    return Number(s);
  };
  switch (f.kind) {
    case 'integer':
      return integer(t);
    case 'number': {
      const n = Number(t);
      if (!Number.isFinite(n)) throw new FieldError(f.name, `"${t}" is not a number`);
      return n;
    }
    case 'time':
      // Epoch ms as a number; an ISO time or an age (24h) as the text the API reads.
      return /^\d+$/.test(t) ? Number(t) : t;
    case 'list': {
      const parts = t.split(/[\s,]+/).filter(Boolean);
      return f.items === 'integer' ? parts.map(integer) : parts;
    }
    case 'json':
      try {
        const v = JSON.parse(t);
        return Array.isArray(v) ? v : [v];
      } catch (err) {
        throw new FieldError(f.name, `is not valid JSON (${(err as Error).message})`);
      }
    default:
      return t;
  }
}

/** The request body from the typed values: empty optional fields left out, so the API's defaults apply. */
export function bodyOf(fields: readonly Field[], values: Record<string, string>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const v = value(f, values[f.name] ?? f.initial);
    if (v !== undefined) body[f.name] = v;
  }
  return body;
}

/** The outcome of a run, item by item, in words: `12: ok`, `13: failed: not found`. */
export function outcomeLines(result: {
  outcome: string;
  items?: { item?: unknown; ok?: boolean; error?: unknown; result?: unknown }[];
  error?: unknown;
}): { item: string; ok: boolean; text: string }[] {
  const words = (e: unknown) =>
    typeof e === 'string'
      ? e
      : e && typeof e === 'object' && 'message' in e
        ? String((e as { message: unknown }).message)
        : JSON.stringify(e);
  if (result.items?.length)
    return result.items.map((i) => ({
      item: asText(i.item),
      ok: i.ok !== false,
      text: i.ok === false ? `failed: ${words(i.error)}` : 'done',
    }));
  return [
    {
      item: '',
      ok: result.outcome !== 'Failed',
      text: result.outcome === 'Failed' ? `failed: ${words(result.error)}` : result.outcome.toLowerCase(),
    },
  ];
}
