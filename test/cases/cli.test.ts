// `dtc case list|status|test` as a user runs them, on a config file declaring a Jira connector (against
// the Jira simulator): secrets never printed, a bad declaration refused with the field named.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JiraSimulator, startJiraSimulator } from '../../src/cases/simulators/jira.ts';
import { openStore } from '../../src/store/index.ts';
import { runDtc } from '../helpers/dtc.ts';

let jira: JiraSimulator;
const dir = mkdtempSync(join(tmpdir(), 'dtc-case-cli-'));
const config = join(dir, 'dtc.yaml');
const TOKEN = 'jira-cli-token-123';
beforeAll(async () => {
  jira = await startJiraSimulator({
    users: [{ login: 'dtc@example.com', secret: TOKEN, displayName: 'hub' }],
    project: { key: 'SOC', name: 'SOC' },
  });
  writeFileSync(
    config,
    [
      'cases:',
      '  - name: soc-jira',
      '    type: jira',
      `    url: ${jira.url}`,
      '    user: dtc@example.com',
      '    token: ${JIRA_TOKEN}',
      '    project: SOC',
      '    webhookSecret: hook-secret-456',
      '    filter: { minSeverity: high }',
      '',
    ].join('\n'),
  );
});
afterAll(() => jira?.close());

describe('dtc case', () => {
  it('lists, shows the status of, and tests the declared connectors, never printing a secret', async () => {
    const env = { JIRA_TOKEN: TOKEN };
    const list = await runDtc(['case', 'list', '--config', config, '--output', 'json'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)).toEqual([
      expect.objectContaining({
        name: 'soc-jira',
        type: 'jira',
        token: 'redacted',
        webhookSecret: 'redacted',
        filter: { minSeverity: 4, families: ['model_breach', 'ai_analyst'] },
        per: 'detection',
      }),
    ]);
    // A case deleted in Jira, as the service left it: the status says so.
    const store = await openStore({ dataDir: join(dir, 'data') });
    await store.cases.links.set({
      connector: 'soc-jira',
      detectionKey: 'lab/model_breach/7',
      subject: 'lab/model_breach/7',
      caseId: 'SOC-7',
      caseUrl: null,
      acknowledged: false,
      severity: 4,
    });
    await store.cases.links.markGone('soc-jira', 'SOC-7', 'answered 404: Issue does not exist');
    await store.close();
    const status = await runDtc(
      ['case', 'status', '--config', config, '--data-dir', join(dir, 'data'), '--output', 'json'],
      env,
    );
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toEqual([
      expect.objectContaining({
        name: 'soc-jira',
        offset: 0,
        lag: 0,
        cases: 1,
        goneCases: 1,
        lastError: null,
      }),
    ]);
    const ok = await runDtc(['case', 'test', 'soc-jira', '--config', config], env);
    expect(ok).toMatchObject({
      code: 0,
      out: `Jira at ${jira.url}: project SOC ("SOC") reachable as dtc@example.com\n`,
    });
    const bad = await runDtc(['case', 'test', 'soc-jira', '--config', config], {
      JIRA_TOKEN: 'wrong-token-789',
    });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/answered 401: You are not authenticated/);
    for (const r of [list, status, ok, bad])
      expect(r.out + r.err).not.toMatch(/jira-cli-token-123|hook-secret-456|wrong-token-789/);
    const none = await runDtc(['case', 'test', 'nope', '--config', config], env);
    expect(none.err).toContain('no case connector named "nope"');
  });

  it('refuses a bad declaration with the field named', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'cases:\n  - { name: x, type: zendesk }\n  - { name: y, type: rt, url: http://rt.example }\n',
    );
    const r = await runDtc(['case', 'list', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cases\[0\]\.type: type must be one of rt, jira, servicenow/);
    expect(r.err).toMatch(/cases\[1\]\.username: is required/);
    expect(r.err).toMatch(/cases\[1\]\.password: is required/);
  });
});
