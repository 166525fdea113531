// Fixture access for the normaliser tests: test/fixtures, or $DTC_FIXTURES.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from '../helpers/fixtures.ts';

export { fixturesDir, repoRoot } from '../helpers/fixtures.ts';

export interface FixtureLine {
  file: string;
  line: number;
  text: string;
}

/** Every line of every elastic `.log` fixture (one record per line, syslog-framed or not). */
export function elasticLines(): FixtureLine[] {
  const dir = path.join(fixturesDir, 'elastic');
  const out: FixtureLine[] = [];
  for (const f of readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()) {
    const lines = readFileSync(path.join(dir, f), 'utf8').split('\n');
    lines.forEach((text, i) => {
      if (text.trim()) out.push({ file: f, line: i + 1, text });
    });
  }
  return out;
}

export function elasticLine(file: string, line: number): string {
  const l = elasticLines().find((x) => x.file === file && x.line === line);
  if (!l) throw new Error(`no fixture line ${file}:${line}`);
  return l.text;
}

/** REST answers from the XSOAR fixtures that hold breaches or AI Analyst events. */
export const XSOAR_RECORD_FILES = [
  'mocked_get_events.json',
  'Darktrace-fetch_breach.json',
  'DarktraceMBs-fetch_breach.json',
  'Darktrace-get_breach.json',
  'DarktraceMBs-get_breach.json',
  'incident_fetch.json',
  'ai_analyst_incident.json',
];

export function xsoarRecords(file: string): unknown[] {
  const v = JSON.parse(readFileSync(path.join(fixturesDir, 'xsoar', file), 'utf8'));
  return Array.isArray(v) ? v : [v];
}

/** Elastic's canned poll answers in the mock-server config (`GET /modelbreaches`, AIA events). */
export function elasticSampleEvents(): { file: string; doc: any }[] {
  const dir = path.join(fixturesDir, 'elastic');
  return readdirSync(dir)
    .filter((f) => f.endsWith('sample_event.json'))
    .sort()
    .map((file) => ({ file, doc: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) }));
}

/** Leaf paths of a JSON document (arrays count as leaves). */
export function leafPaths(o: unknown, prefix = '', out: string[] = []): string[] {
  if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) leafPaths(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.push(prefix);
  return out;
}

export function getPath(o: any, p: string): unknown {
  let cur = o;
  for (const k of p.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The JSON response bodies in Elastic's mock-API config (one JSON array per `body: |` block). */
export function elasticConfigBodies(): string[] {
  const text = readFileSync(path.join(fixturesDir, 'elastic', '_dev-deploy-docker-files-config.yml'), 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('[{') || l.startsWith('{'));
}
