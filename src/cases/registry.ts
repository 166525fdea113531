// The one table of case systems. Config validation, `dtc case`, the webhook route and the README read
// it; adding a system is one file and one line here.
import { jiraSystem } from './jira.ts';
import { rtSystem } from './rt.ts';
import { serviceNowSystem } from './servicenow.ts';
import type { CaseSystemModule } from './types.ts';

export const CASE_SYSTEMS: readonly CaseSystemModule<any>[] = [rtSystem, jiraSystem, serviceNowSystem];

export function caseSystemModule(type: string): CaseSystemModule<any> {
  const m = CASE_SYSTEMS.find((s) => s.type === type);
  if (!m)
    throw new Error(`unknown case system "${type}" (one of ${CASE_SYSTEMS.map((s) => s.type).join(', ')})`);
  return m;
}
