// What running a command does to the appliance, derived from the endpoints it calls (never declared by
// hand, so a new command is classified the day it joins the catalog): `read` when every call is a GET,
// `destructive` when it deletes something or changes a RESPOND action (blocking a device, clearing a
// block), `write` otherwise (acknowledgements, comments, tags, packet captures: additive changes).
// The MCP tools turn it into their readOnly/destructive hints; the access-control roles can use it too.
import { type EndpointSpec, listEndpoints } from '../darktrace/index.ts';
import type { CommandDef } from './catalog.ts';

export type CommandEffect = 'read' | 'write' | 'destructive';

/** The endpoint family whose calls act on the network (Darktrace RESPOND, formerly Antigena). */
const RESPOND_FAMILY = 'antigena';

let byName: Map<string, { family: string; spec: EndpointSpec }> | undefined;

export function commandEffect(def: CommandDef): CommandEffect {
  byName ??= new Map(listEndpoints().map((e) => [e.name, { family: e.family, spec: e.spec }]));
  let effect: CommandEffect = 'read';
  for (const name of def.endpoints) {
    const e = byName.get(name);
    // An endpoint the catalog does not know is assumed the worst.
    if (!e) return 'destructive';
    if (e.spec.method === 'GET') continue;
    if (e.spec.method === 'DELETE' || e.family === RESPOND_FAMILY) return 'destructive';
    effect = 'write';
  }
  return effect;
}
