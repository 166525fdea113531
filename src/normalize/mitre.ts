// MITRE ATT&CK enterprise tactics by the short names Darktrace uses (`mitreTactics`,
// `model.mitre.tactics`), so outputs can carry the TA id beside the name.

import { lookup } from './lookup.ts';
import type { Tactic } from './model.ts';

const TACTIC_IDS: Record<string, string> = lookup({
  reconnaissance: 'TA0043',
  'resource-development': 'TA0042',
  'initial-access': 'TA0001',
  execution: 'TA0002',
  persistence: 'TA0003',
  'privilege-escalation': 'TA0004',
  'defense-evasion': 'TA0005',
  'credential-access': 'TA0006',
  discovery: 'TA0007',
  'lateral-movement': 'TA0008',
  collection: 'TA0009',
  'command-and-control': 'TA0011',
  exfiltration: 'TA0010',
  impact: 'TA0040',
  // ICS-only tactics Darktrace OT may report
  'inhibit-response-function': 'TA0107',
  'impair-process-control': 'TA0106',
  evasion: 'TA0103',
});

const TACTIC_NAMES: Record<string, string> = lookup();
for (const [name, id] of Object.entries(TACTIC_IDS)) TACTIC_NAMES[id] = name;

/** "Privilege Escalation", "privilege-escalation" or "TA0004" → {id, name}. */
export function tactic(v: string): Tactic {
  const t = v.trim();
  if (t.length === 6 && t.startsWith('TA')) return { id: t, name: TACTIC_NAMES[t] ?? t };
  const key = t.toLowerCase().replaceAll(' ', '-').replaceAll('_', '-');
  const id = TACTIC_IDS[key];
  return id ? { id, name: key } : { name: t };
}

const BASE = 'https://attack.mitre.org/';

export function tacticRef(id: string): string {
  return `${BASE}tactics/${id}/`;
}

/** T1567.002 → https://attack.mitre.org/techniques/T1567/002/ */
export function techniqueRef(id: string): string {
  return `${BASE}techniques/${id.replace('.', '/')}/`;
}

export function isTechniqueId(s: string): boolean {
  return (
    s.length >= 5 && s.length <= 9 && s.charCodeAt(0) === 84 && s.charCodeAt(1) >= 48 && s.charCodeAt(1) <= 57
  );
}
