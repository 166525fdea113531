// Independent checks of what we emit: ECS documents against Elastic's ECS 8.11 field definitions and
// OCSF documents against the OCSF 1.3.0 class and object definitions (test/fixtures/schemas, origin in
// its SOURCES.md), and a LEEF 2.0 reader written from the spec. Each check returns the problems it
// found as `path: what is wrong`, so a failing test names the field.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { fixturesDir } from './helpers.ts';

interface EcsField {
  type: string;
  array?: boolean;
  pattern?: string;
  allowed?: string[];
  expected_event_types?: Record<string, string[]>;
}

const ecs = JSON.parse(readFileSync(path.join(fixturesDir, 'schemas', 'ecs-8.11-fields.json'), 'utf8')) as {
  ecs_version: string;
  fields: Record<string, EcsField>;
};
export const ECS_SCHEMA_VERSION = ecs.ecs_version;

/** Custom namespaces ECS leaves to the producer (ours is `darktrace.*`). */
const CUSTOM = new Set(['darktrace']);

function ecsValue(p: string, f: EcsField, v: unknown, out: string[]): void {
  const bad = (why: string): void => {
    out.push(`${p}: ${why} (${JSON.stringify(v)?.slice(0, 60)})`);
  };
  switch (f.type) {
    case 'keyword':
    case 'wildcard':
    case 'constant_keyword':
    case 'match_only_text':
      if (typeof v !== 'string') {
        bad(`${f.type} wants a string`);
        return;
      }
      break;
    case 'long':
      if (!Number.isInteger(v)) {
        bad('long wants an integer');
        return;
      }
      break;
    case 'float':
    case 'scaled_float':
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        bad(`${f.type} wants a number`);
        return;
      }
      break;
    case 'date':
      if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) {
        bad('date wants an ISO 8601 string');
        return;
      }
      break;
    case 'ip':
      if (typeof v !== 'string' || isIP(v) === 0) {
        bad('ip wants an IP address');
        return;
      }
      break;
    case 'boolean':
      if (typeof v !== 'boolean') {
        bad('boolean wants true/false');
        return;
      }
      break;
    default:
      break;
  }
  if (f.pattern && typeof v === 'string' && !new RegExp(f.pattern).test(v))
    bad(`does not match ${f.pattern}`);
  if (f.allowed && typeof v === 'string' && !f.allowed.includes(v)) bad(`not one of ${f.allowed.join(', ')}`);
}

function ecsWalk(o: Record<string, unknown>, prefix: string, out: string[]): void {
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const p = prefix ? `${prefix}.${k}` : k;
    if (!prefix && CUSTOM.has(k)) continue;
    const f = ecs.fields[p];
    if (f && (f.type === 'object' || f.type === 'flattened')) continue;
    if (f?.type === 'nested') {
      for (const e of Array.isArray(v) ? v : [v]) {
        if (e === null || typeof e !== 'object' || Array.isArray(e)) out.push(`${p}: nested wants objects`);
        else ecsWalk(e as Record<string, unknown>, p, out);
      }
      continue;
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if (f) out.push(`${p}: ECS ${f.type} field given an object`);
      else ecsWalk(v as Record<string, unknown>, p, out);
      continue;
    }
    if (!f) {
      out.push(`${p}: not an ECS ${ecs.ecs_version} field`);
      continue;
    }
    if (f.array && !Array.isArray(v)) out.push(`${p}: ECS expects an array`);
    for (const e of Array.isArray(v) ? v : [v]) ecsValue(p, f, e, out);
  }
}

/** Problems of an ECS document: unknown fields, wrong types, bad allowed values, category/type pairs. */
export function checkEcs(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  ecsWalk(doc, '', out);
  if (doc['@timestamp'] === undefined) out.push('@timestamp: required by ECS');
  const ev = doc.event as { category?: string[]; type?: string[] } | undefined;
  const expected = ecs.fields['event.category'].expected_event_types ?? {};
  for (const ty of ev?.type ?? [])
    if (!(ev?.category ?? []).some((c) => expected[c]?.includes(ty)))
      out.push(`event.type: ${ty} is expected with none of the categories ${ev?.category?.join(', ')}`);
  return out;
}

interface OcsfAttr {
  type: string;
  requirement?: string;
  array?: boolean;
  enum?: number[];
}

interface OcsfSubset {
  ocsf_version: string;
  base_event: Record<string, OcsfAttr>;
  profiles: Record<string, Record<string, OcsfAttr>>;
  classes: Record<
    string,
    {
      caption: string;
      uid: number;
      category_uid: number;
      profiles: string[];
      attributes: Record<string, OcsfAttr>;
    }
  >;
  objects: Record<string, Record<string, OcsfAttr>>;
  /** Object constraints of the schema: at least one of the listed attributes must be present. */
  constraints: Record<string, { at_least_one: string[] }>;
}

const ocsf = JSON.parse(
  readFileSync(path.join(fixturesDir, 'schemas', 'ocsf-1.3.0-subset.json'), 'utf8'),
) as OcsfSubset;
export const OCSF_SCHEMA_VERSION = ocsf.ocsf_version;

const MAC = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

function ocsfValue(p: string, a: OcsfAttr, v: unknown, out: string[]): void {
  const bad = (why: string): void => {
    out.push(`${p}: ${why} (${JSON.stringify(v)?.slice(0, 60)})`);
  };
  if (a.type.startsWith('object:')) {
    const name = a.type.slice(7);
    const def = ocsf.objects[name];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      bad(`wants a ${name} object`);
      return;
    }
    if (!def) {
      bad(`object ${name} is not in the subset: add it to the fixture before emitting it`);
      return;
    }
    ocsfObject(`${p}.`, def, v as Record<string, unknown>, out);
    const one = ocsf.constraints[name]?.at_least_one;
    if (one && !one.some((k) => (v as Record<string, unknown>)[k] !== undefined))
      out.push(`${p}: ${name} wants at least one of ${one.join(', ')}`);
    return;
  }
  switch (a.type) {
    case 'string_t':
    case 'hostname_t':
    case 'subnet_t':
      if (typeof v !== 'string') {
        bad('wants a string');
        return;
      }
      break;
    case 'url_t':
      if (typeof v !== 'string' || !URL.canParse(v)) {
        bad('wants a URL');
        return;
      }
      break;
    case 'email_t':
      if (typeof v !== 'string' || !EMAIL.test(v)) {
        bad('wants an e-mail address');
        return;
      }
      break;
    case 'ip_t':
      if (typeof v !== 'string' || isIP(v) === 0) {
        bad('wants an IP address');
        return;
      }
      break;
    case 'mac_t':
      if (typeof v !== 'string' || !MAC.test(v)) {
        bad('wants a MAC address');
        return;
      }
      break;
    case 'port_t':
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 65535) {
        bad('wants a port number (0-65535)');
        return;
      }
      break;
    case 'integer_t':
    case 'long_t':
    case 'timestamp_t':
      if (!Number.isInteger(v)) {
        bad(`${a.type} wants an integer`);
        return;
      }
      break;
    case 'float_t':
      if (typeof v !== 'number') {
        bad('wants a number');
        return;
      }
      break;
    case 'boolean_t':
      if (typeof v !== 'boolean') {
        bad('wants a boolean');
        return;
      }
      break;
    case 'json_t':
      return;
    default: {
      bad(`unknown type ${a.type}`);
      return;
    }
  }
  if (a.enum && !a.enum.includes(v as number)) bad(`not one of ${a.enum.join(', ')}`);
}

function ocsfObject(
  prefix: string,
  attrs: Record<string, OcsfAttr>,
  o: Record<string, unknown>,
  out: string[],
): void {
  for (const [k, a] of Object.entries(attrs))
    if (a.requirement === 'required' && o[k] === undefined) out.push(`${prefix}${k}: required`);
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const p = `${prefix}${k}`;
    const a = attrs[k];
    if (!a) {
      out.push(`${p}: not an attribute here in OCSF ${ocsf.ocsf_version}`);
      continue;
    }
    if (a.array) {
      if (!Array.isArray(v)) out.push(`${p}: wants an array`);
      else for (let i = 0; i < v.length; i++) ocsfValue(`${p}[${i}]`, a, v[i], out);
    } else if (Array.isArray(v)) out.push(`${p}: wants one value, not an array`);
    else ocsfValue(p, a, v, out);
  }
}

/** Problems of an OCSF event of one of the subset's classes (picked by `class_uid`). */
export function checkOcsf(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  const entry = Object.entries(ocsf.classes).find(([, c]) => c.category_uid * 1000 + c.uid === doc.class_uid);
  if (!entry) return [`class_uid ${doc.class_uid}: not a class in the subset`];
  const [, cls] = entry;
  const attrs: Record<string, OcsfAttr> = { ...ocsf.base_event };
  for (const pr of cls.profiles) Object.assign(attrs, ocsf.profiles[pr]);
  Object.assign(attrs, cls.attributes);
  ocsfObject('', attrs, doc, out);
  if (doc.category_uid !== cls.category_uid)
    out.push(`category_uid: ${cls.caption} is in category ${cls.category_uid}`);
  if (doc.type_uid !== (doc.class_uid as number) * 100 + (doc.activity_id as number))
    out.push('type_uid: must be class_uid × 100 + activity_id');
  if (doc.class_name !== undefined && doc.class_name !== cls.caption)
    out.push(`class_name: must be ${cls.caption}`);
  return out;
}

/** A LEEF 2.0 reader written from the spec: header on unescaped pipes, pairs on the declared delimiter. */
export function readLeef(line: string): { header: string[]; attrs: Record<string, string> } {
  const header: string[] = [];
  let cur = '';
  let i = 0;
  for (; i < line.length && header.length < 6; i++) {
    const c = line[i];
    if (c === '\\') cur += line[++i];
    else if (c === '|') {
      header.push(cur);
      cur = '';
    } else cur += c;
  }
  const delim = header[5];
  const attrs: Record<string, string> = {};
  const pairs: string[] = [];
  cur = '';
  for (; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') {
      const n = line[++i];
      cur += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n;
    } else if (c === delim) {
      pairs.push(cur);
      cur = '';
    } else cur += c;
  }
  pairs.push(cur);
  for (const p of pairs) {
    const eq = p.indexOf('=');
    attrs[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return { header, attrs };
}
