// The command catalog: every Darktrace action a SOC runs, declared once, in one table composed of one
// file per endpoint family (families/). The CLI (`dtc cmd`), the HTTP API (`/api/commands`, OpenAPI),
// the MCP tools and the console all read this table. Handlers make SDK calls only.

import type { CommandDef } from './define.ts';
import { advancedSearchCommands } from './families/advanced-search.ts';
import { aiAnalystCommands } from './families/ai-analyst.ts';
import { applianceCommands } from './families/appliance.ts';
import { breachesCommands } from './families/breaches.ts';
import { devicesCommands } from './families/devices.ts';
import { emailCommands } from './families/email.ts';
import { intelFeedCommands } from './families/intel-feed.ts';
import { pcapsCommands } from './families/pcaps.ts';
import { referenceCommands } from './families/reference.ts';
import { respondCommands } from './families/respond.ts';
import { tagsCommands } from './families/tags.ts';
import { jsonSchema } from './params.ts';

export type { CommandDef, Params } from './define.ts';
export { eventFields } from './families/breaches.ts';
export { seenSinceValue } from './families/devices.ts';

export const commands: readonly CommandDef[] = [
  ...breachesCommands,
  ...aiAnalystCommands,
  ...respondCommands,
  ...pcapsCommands,
  ...devicesCommands,
  ...tagsCommands,
  ...advancedSearchCommands,
  ...intelFeedCommands,
  ...referenceCommands,
  ...emailCommands,
  ...applianceCommands,
];

const byName = new Map<string, CommandDef>();
for (const c of commands) {
  for (const n of [c.name, ...c.aliases]) {
    if (byName.has(n)) throw new Error(`command name "${n}" is declared twice`);
    byName.set(n, c);
  }
}

/** A command by its name or an alias. */
export function findCommand(name: string): CommandDef | undefined {
  return byName.get(name);
}

/** What the CLI (`dtc cmd list`) and the HTTP API (`GET /api/commands`) say about a command. */
export function describeCommand(c: CommandDef) {
  return {
    name: c.name,
    role: c.role,
    aliases: c.aliases,
    description: c.description,
    parameters: jsonSchema(c.params),
    output: c.output,
  };
}
