// Imported on its own (not through index.ts): it loads the simulator's route table.
// The coverage report behind `dtc endpoints`: for every endpoint of the API reference, the SDK method
// that calls it (with the other base paths it answers on), whether the simulator serves it, which
// commands use it, and, when the catalog leaves it out, the reason written next to it in
// src/darktrace/reference.ts. Catalog entries the reference does not list are reported too.
import { type EndpointSpec, listEndpoints } from '../darktrace/endpoints.ts';
import { referenceEndpoints } from '../darktrace/reference.ts';
import { handlers } from '../simulator/routes.ts';
import { commands } from './catalog.ts';

export interface CoverageRow {
  /** The catalog entry (`family.operation`), or null when the catalog leaves the endpoint out. */
  name: string | null;
  method: string;
  path: string;
  /** Other paths the same call answers on (the second /EMAIL base). */
  altPaths: string[];
  body: EndpointSpec['body'] | null;
  doc: string;
  summary: string | null;
  sdk: string | null;
  simulator: boolean;
  commands: string[];
  /** Why the catalog leaves it out. */
  reason: string | null;
  /** Whether the API reference lists it. */
  inReference: boolean;
}

/** `GET /tags/{tid}` and `GET /tags/{x}` are the same route. */
export const routeKey = (method: string, path: string) => `${method} ${path.replace(/\{\w+\}/g, '{}')}`;

export function endpointCoverage(): CoverageRow[] {
  const catalog = listEndpoints();
  const byRoute = new Map<string, (typeof catalog)[number]>();
  for (const e of catalog)
    for (const p of [e.spec.path, ...(e.spec.altPaths ?? [])]) byRoute.set(routeKey(e.spec.method, p), e);
  const served = (family: string, operation: string) =>
    typeof (handlers as Record<string, Record<string, unknown>>)[family]?.[operation] === 'function';
  const row = (e: (typeof catalog)[number], doc: string, inReference: boolean): CoverageRow => ({
    name: e.name,
    method: e.spec.method,
    path: e.spec.path,
    altPaths: [...(e.spec.altPaths ?? [])],
    body: e.spec.body,
    doc,
    summary: e.spec.summary,
    sdk: `client.${e.family}.${e.operation}()`,
    simulator: served(e.family, e.operation),
    commands: commands.filter((c) => c.endpoints.includes(e.name)).map((c) => c.name),
    reason: null,
    inReference,
  });
  const rows: CoverageRow[] = [];
  const seen = new Set<string>();
  for (const r of referenceEndpoints) {
    const e = byRoute.get(routeKey(r.method, r.path));
    if (e) {
      seen.add(e.name);
      rows.push({ ...row(e, r.doc, true), reason: r.reason ?? null });
    } else {
      rows.push({
        name: null,
        method: r.method,
        path: r.path,
        altPaths: [],
        body: null,
        doc: r.doc,
        summary: null,
        sdk: null,
        simulator: false,
        commands: [],
        reason: r.reason ?? null,
        inReference: true,
      });
    }
  }
  for (const e of catalog) if (!seen.has(e.name)) rows.push(row(e, e.spec.doc, false));
  return rows;
}

/** Rows that break the rule: listed in the reference but neither implemented nor given a reason. */
export function uncoveredEndpoints(rows = endpointCoverage()): CoverageRow[] {
  return rows.filter((r) => r.inReference && (!r.sdk || !r.simulator) && !r.reason);
}
