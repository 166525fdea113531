// The Devices and Cases pages in a real browser: Debian's Chromium driven by playwright-core over a real
// `dtc start` (its embedded demo appliance, and a Jira connector declared in a config file against the
// Jira simulator) with a second simulated appliance (`lab`, 300 devices) added through the API. Devices
// lists the devices of the chosen instances with the asset columns, narrows them with the filter, keeps
// its choices in the URL, and downloads the same devices as CSV and JSON Lines through GET /api/assets.
// Cases shows the connector's open cases and an analyst's comment carried to Darktrace by the poll.
// axe-core finds nothing serious in either theme. Nothing of the API is stubbed.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_COLUMNS } from '../../src/assets/inventory.ts';
import { type JiraSimulator, startJiraSimulator } from '../../src/cases/simulators/jira.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { repoRoot } from '../helpers/fixtures.ts';
import { program } from '../helpers/programs.ts';

const browserPath = program('chromium', 'chromium');
const OUT = join(repoRoot, 'test-output', 'console');
const FLAGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const THEMES = ['light', 'dark'] as const;
const LAB_DEVICES = 300;

let dtc: ChildProcess | undefined;
let sim: Simulator | undefined;
let jira: JiraSimulator | undefined;
const ALICE = { login: 'alice@example.com', secret: 'jira-token-alice', displayName: 'Alice' };
let browser: Browser | undefined;
let url = '';
let adminPassword = '';
let adminKey = '';
const problems: string[] = [];

async function waitFor<T>(f: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  for (const until = Date.now() + ms; ; ) {
    const v = await Promise.resolve()
      .then(f)
      .catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const asAdmin = (path: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
  });

const axeSource = readFileSync(join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
/** axe-core's serious and critical violations on the page as it is, in each theme, in words. */
async function axeInBothThemes(page: Page, name = 'devices'): Promise<string[]> {
  const found: string[] = [];
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme });
    await page.waitForTimeout(50);
    await page.evaluate(axeSource);
    const violations: { id: string; impact: string; help: string; where: string[] }[] = await page.evaluate(
      async () => {
        const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v: any) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          where: v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')),
        }));
      },
    );
    for (const v of violations)
      if (v.impact === 'serious' || v.impact === 'critical')
        found.push(`${theme}: ${v.id} (${v.impact}): ${v.help} at ${v.where.join(', ')}`);
    await page.screenshot({ path: join(OUT, `${name}-${theme}.png`), fullPage: true });
  }
  return found;
}

/** What the table shows: one object per row, by column header. */
async function tableRows(page: Page): Promise<Record<string, string>[]> {
  return page.locator('table[aria-label="Devices"]').evaluate((t) => {
    const heads = [...t.querySelectorAll('thead th')].map((h) => h.textContent ?? '');
    return [...t.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.children].map((c, i) => [heads[i], c.textContent ?? ''])),
    );
  });
}

const countText = (page: Page) => page.locator('p.count').textContent();

describe.skipIf(!browserPath)('the Devices page in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    sim = await startSimulator({
      publicToken: 'lab-public',
      privateToken: 'lab-private',
      seed: 23,
      devices: LAB_DEVICES,
      history: { count: 5, days: 1 },
      ratePerMinute: 0,
    });
    jira = await startJiraSimulator({
      users: [{ login: 'dtc@example.com', secret: 'jira-token-dtc', displayName: 'hub' }, ALICE],
      project: { key: 'SOC', name: 'SOC' },
    });
    const dataDir = mkdtempSync(join(tmpdir(), 'dtc-devices-'));
    const config = join(dataDir, 'dtc.yaml');
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
        '    pollIntervalSeconds: 1',
        '    filter: { families: [model_breach] }',
        '',
      ].join('\n'),
    );
    dtc = spawn('node', ['bin/dtc.js', 'start', '--port', '0', '--data-dir', dataDir, '--config', config], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true', JIRA_TOKEN: 'jira-token-dtc' },
    });
    let err = '';
    dtc.stderr!.on('data', (d) => {
      err += d;
    });
    dtc.stdout!.resume();
    url = await waitFor(() => /API:\s+(http:\/\/\S+)/.exec(err)?.[1]);
    adminPassword = readFileSync(join(dataDir, 'admin-password'), 'utf8').trim();
    adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
    const added = await asAdmin('/api/instances', {
      method: 'POST',
      body: JSON.stringify({
        name: 'lab',
        url: sim.url,
        publicToken: 'lab-public',
        privateToken: 'lab-private',
      }),
    });
    expect(added.status).toBe(201);
    browser = await chromium.launch({ executablePath: browserPath, headless: true, args: FLAGS });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    dtc?.kill('SIGTERM');
    await sim?.close();
    await jira?.close();
  });

  it('lists, filters and exports the devices of the chosen instances', async () => {
    // What the API says each instance has: the page must show the same.
    const lab = (await (await asAdmin('/api/assets?format=jsonl&instance=lab')).text()).trim().split('\n');
    const demo = (await (await asAdmin('/api/assets?format=jsonl&instance=demo')).text()).trim().split('\n');
    expect(lab).toHaveLength(LAB_DEVICES);
    expect(demo.length).toBeGreaterThan(0);

    const ctx = await browser!.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${url}/instances`);
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    // From here on (the 401 before sign-in is how the page learns it must sign in), any error counts.
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Devices' }).click();
    expect(new URL(page.url()).pathname).toBe('/devices');

    // Every enabled instance at first: both appliances' devices.
    const all = lab.length + demo.length;
    // More than the page draws at once: it says so, and draws the first 500.
    await expect
      .poll(() => countText(page), { timeout: 30_000 })
      .toBe(`${all} of ${all} devices (the first 500 shown; the filter narrows them)`);
    expect(await page.locator('table[aria-label="Devices"] tbody tr').count()).toBe(500);
    const heads = await page.locator('table[aria-label="Devices"] thead th').allTextContents();
    expect(heads).toEqual([
      'Hostname',
      'IPs',
      'MAC',
      'Vendor',
      'OS',
      'Type',
      'Tags',
      'Subnet',
      'First seen',
      'Last seen',
      'Instance',
    ]);

    // Only lab: the URL says so, and each row is one of lab's devices with its columns.
    await page.getByRole('checkbox', { name: 'demo' }).uncheck();
    await expect.poll(() => countText(page)).toBe(`${LAB_DEVICES} of ${LAB_DEVICES} devices`);
    expect(new URL(page.url()).searchParams.get('instance')).toBe('lab');
    const rows = await tableRows(page);
    expect(new Set(rows.map((r) => r.Instance))).toEqual(new Set(['lab']));
    const byDid = new Map(lab.map((l) => JSON.parse(l)).map((d) => [`lab/${d.did}`, d]));
    const first = await page
      .locator('table[aria-label="Devices"] tbody tr')
      .first()
      .getAttribute('data-device');
    const want = byDid.get(first!)!;
    expect(rows[0]).toMatchObject({
      IPs: want.ips.join(', '),
      MAC: want.mac,
      OS: want.os,
      Vendor: want.vendor,
    });

    // The filter narrows the rows to those containing its words, and lives in the URL too.
    const mac = want.mac as string;
    await page.getByLabel('Filter').fill(mac.toUpperCase());
    await expect.poll(() => countText(page)).toBe(`1 of ${LAB_DEVICES} devices`);
    expect((await tableRows(page))[0].MAC).toBe(mac);
    expect(new URL(page.url()).searchParams.get('q')).toBe(mac.toUpperCase());
    await page.reload();
    await expect.poll(() => countText(page), { timeout: 30_000 }).toBe(`1 of ${LAB_DEVICES} devices`);
    await page.getByLabel('Filter').fill('no-such-device-anywhere');
    await expect.poll(() => countText(page)).toBe(`0 of ${LAB_DEVICES} devices`);
    await page.getByLabel('Filter').fill('');

    // The downloads: lab's devices as CSV (a header, then a line each) and as JSON Lines.
    const download = async (name: string) => {
      const [d] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name }).click(),
      ]);
      return { file: d.suggestedFilename(), text: readFileSync((await d.path())!, 'utf8') };
    };
    const csv = await download('CSV');
    expect(csv.file).toBe('devices.csv');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe(ASSET_COLUMNS.join(','));
    expect(lines).toHaveLength(LAB_DEVICES + 1);
    const jsonl = await download('JSON Lines');
    expect(jsonl.file).toBe('devices.jsonl');
    const exported = jsonl.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(exported.map((d) => `${d.instance}/${d.did}`).sort()).toEqual([...byDid.keys()].sort());

    // Last seen in the last hour: what the API gives for the same age.
    await page.getByLabel('Last seen in').selectOption('1h');
    const recent = (await (await asAdmin('/api/assets?format=jsonl&instance=lab&since=1h')).text())
      .split('\n')
      .filter(Boolean).length;
    await expect.poll(() => countText(page), { timeout: 30_000 }).toBe(`${recent} of ${recent} devices`);
    await page.getByLabel('Last seen in').selectOption('');
    await expect.poll(() => countText(page)).toBe(`${LAB_DEVICES} of ${LAB_DEVICES} devices`);

    expect(await axeInBothThemes(page)).toEqual([]);
    expect(problems).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('shows the case connectors, their cases, and what an analyst did in one', async () => {
    // The demo's model breaches open issues in Jira.
    await waitFor(() => (jira!.issues().length >= 2 ? true : undefined));
    const issue = jira!.issues()[0];
    const r = await fetch(`${jira!.url}/rest/api/2/issue/${issue.key}/comment`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${ALICE.login}:${ALICE.secret}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ body: 'Looked at it: the backup server.' }),
    });
    expect(r.status).toBe(201);

    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${url}/cases`);
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    const row = page.locator('tr[data-connector="soc-jira"]');
    await expect
      .poll(async () => Number(await row.locator('td.open').textContent()))
      .toBeGreaterThanOrEqual(2);
    expect(await row.locator('td.gone').textContent()).toBe('0');
    expect(await row.locator('td').nth(0).textContent()).toBe('jira (a case per detection)');
    // Alice's comment, read by the poll, carried to Darktrace on the breach of that issue.
    const change = page.locator('.case-changes li').filter({ hasText: issue.key });
    await expect
      .poll(() => change.first().textContent(), { timeout: 30_000 })
      .toMatch(
        new RegExp(
          `soc-jira: alice@example.com comment in case ${issue.key} \\(by poll\\) → applied in Darktrace: 1 done, 0 failed`,
        ),
      );
    const status = await (await asAdmin('/api/cases')).json();
    expect(status[0]).toMatchObject({ name: 'soc-jira', lastError: null, config: { token: 'redacted' } });
    expect(await axeInBothThemes(page, 'cases')).toEqual([]);
    expect(problems).toEqual([]);
    await ctx.close();
  }, 120_000);
});
