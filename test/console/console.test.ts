// The console in a real browser: Debian's Chromium driven by playwright-core over a real `dtc start`
// (its embedded simulated demo, plus a simulator the test adds from the console's own form). Nothing of
// the API is stubbed: sign-in, the instance form, search, the detail page and the acknowledgement all go
// to the service, and the acknowledgement to the simulated appliance. Every page is checked with axe-core
// in both themes and photographed into test-output/console/ (git-ignored).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { repoRoot } from '../helpers/fixtures.ts';
import { program } from '../helpers/programs.ts';

const browserPath = program('chromium', 'chromium');
const OUT = join(repoRoot, 'test-output', 'console');
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const THEMES = ['light', 'dark'] as const;
const VIEWER = { user: 'vera', password: 'viewer-password-1' };

let dtc: ChildProcess;
let url = '';
let adminPassword = '';
let adminKey = '';
let sim: Simulator;
let browser: Browser;
const problems: string[] = [];

async function waitFor<T>(f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const apiAsAdmin = async (path: string, init: RequestInit = {}) =>
  fetch(`${url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${adminKey}`,
      'content-type': 'application/json',
      ...(init.headers as object),
    },
  });

/** A real `dtc start` on a fresh data directory: its URL and its bootstrap admin's password and key. */
async function startDtc(extra: string[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-console-'));
  const proc = spawn('node', ['bin/dtc.js', 'start', '--port', '0', '--data-dir', dataDir, ...extra], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });
  let err = '';
  proc.stderr!.on('data', (d) => {
    err += d;
  });
  proc.stdout!.resume();
  const at = await waitFor(async () => /API:\s+(http:\/\/\S+)/.exec(err)?.[1], 60_000);
  return {
    proc,
    dataDir,
    url: at,
    adminPassword: readFileSync(join(dataDir, 'admin-password'), 'utf8').trim(),
    adminKey: readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim(),
  };
}

/** A browser context in a theme; every CSP report, script error and failed request is recorded. */
async function context(theme: (typeof THEMES)[number]): Promise<BrowserContext> {
  const ctx = await browser.newContext({ colorScheme: theme, viewport: { width: 1280, height: 860 } });
  ctx.on('page', (page) => watch(page));
  return ctx;
}
function watch(page: Page) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The browser logs each 4xx answer as an error: those the tests provoke (wrong password or token,
  // a viewer trying anyway) are expected; anything else is a problem.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (401|403|422)/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
}

async function signIn(page: Page, user: string, password: string) {
  await page.goto(`${url}/instances`);
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Pages' }).waitFor();
}

const axeSource = readFileSync(join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
/** axe-core over the page as it is: the serious and critical violations, in words. */
async function axe(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the page's CSP (no inline script) still holds for the page.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      where: v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
    .map((v: any) => `${v.id} (${v.impact}): ${v.help} at ${v.where.join(', ')}`);
}

/** axe and a screenshot of the page in each theme (the same URL, signed in as the page's user). */
const a11y: Record<string, string[]> = {};
async function checkPage(page: Page, name: string) {
  for (const theme of THEMES) {
    await page.emulateMedia({ colorScheme: theme });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(50);
    a11y[`${name} (${theme})`] = await axe(page);
    await page.screenshot({ path: join(OUT, `${name}-${theme}.png`), fullPage: true });
  }
}

describe.skipIf(!browserPath)('the console in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    sim = await startSimulator({
      publicToken: 'lab-public',
      privateToken: 'lab-private',
      seed: 5,
      history: { count: 60, days: 1 },
    });
    // Beside the demo's file sink, a sink that cannot deliver (nothing listens there), with credentials.
    const hook = 'json:https://hook:s3cret@127.0.0.1:59999/in';
    const started = await startDtc(['--sink', hook]);
    dtc = started.proc;
    url = started.url;
    adminPassword = started.adminPassword;
    adminKey = started.adminKey;
    const viewer = await apiAsAdmin('/api/users', {
      method: 'POST',
      body: JSON.stringify({ name: VIEWER.user, password: VIEWER.password, role: 'viewer' }),
    });
    expect(viewer.status).toBe(201);
    browser = await chromium.launch({ executablePath: browserPath, headless: true, args: FLAGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    dtc?.kill('SIGTERM');
    await sim?.close();
  });

  it('serves the built console with its own CSP, and the built files with long caching', async () => {
    const page = await fetch(`${url}/detections?severity=4`, { headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:/);
    const html = await page.text();
    // No inline script: every <script> has a src on this origin.
    expect(html.match(/<script[^>]*>/g)!.every((s) => / src="\/assets\//.test(s))).toBe(true);
    const js = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(`${url}${js}`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const again = await fetch(`${url}${js}`, { headers: { 'if-none-match': asset.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const missing = await fetch(`${url}/assets/..%2F..%2Fdtc.lock`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe('not_found');
  });

  it('signs in (a wrong password said in words), and the demo tile turns green', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await page.goto(`${url}/`);
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/password/i);
    await checkPage(page, 'signin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const demo = page.locator('li[data-instance="demo"]');
    await demo.locator('.state[data-state="ok"]').waitFor({ timeout: 45_000 });
    expect(await demo.locator('.state').textContent()).toBe('ok');
    expect(await demo.textContent()).toContain('Last successful poll');
    expect(page.url()).toBe(`${url}/instances`);
    await ctx.close();
  }, 60_000);

  it('adds an instance from the form: a wrong token is refused in words, the right one goes green', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    await page.getByRole('button', { name: 'Add instance' }).click();
    const form = page.locator('form.instance-form');
    await form.getByLabel('Name').fill('lab');
    await form.getByLabel('URL').fill(sim.url);
    await form.getByLabel('Public token').fill('lab-public');
    await form.getByLabel('Private token').fill('wrong-private');
    await form.getByLabel('Poll every (seconds)').fill('10');
    await checkPage(page, 'instance-form');
    await form.getByRole('button', { name: 'Test and save' }).click();
    await expect
      .poll(() => form.getByRole('alert').textContent(), { timeout: 20_000 })
      .toMatch(/^connection test failed, nothing saved: .*signature/i);
    // Each check with a tick or the reason: reached, no TLS over http, the signature refused in words.
    const steps = form.getByRole('list', { name: 'Connection test' });
    expect(
      await steps.locator('li').evaluateAll((li) => li.map((l) => l.getAttribute('data-result'))),
    ).toEqual(['passed', 'passed', 'failed', 'not checked', 'not checked']);
    expect(await steps.locator('li[data-step="signature"]').textContent()).toBe(
      '✗Signature failedsignature rejected: check the private token',
    );
    expect((await apiAsAdmin('/api/instances/lab')).status).toBe(404);
    await form.getByLabel('Private token').fill('lab-private');
    await form.getByRole('button', { name: 'Test and save' }).click();
    const lab = page.locator('li[data-instance="lab"]');
    await lab.locator('.state[data-state="ok"]').waitFor({ timeout: 30_000 });
    expect(await lab.getByRole('switch', { name: 'Enabled' }).isChecked()).toBe(true);
    // Test on the tile: every check passes.
    await lab.getByRole('button', { name: 'Test' }).click();
    const checks = lab.getByRole('list', { name: 'Connection test of lab' });
    await checks.waitFor({ timeout: 20_000 });
    expect(await checks.locator('li[data-result="passed"]').count()).toBe(5);
    expect(await checks.locator('li[data-step="signature"] .reason').textContent()).toBe(
      'signature accepted',
    );
    await checkPage(page, 'instances');
    // Its detections of the last 24 hours, as the API counts them, once the first poll has stored some.
    await expect
      .poll(async () => (await (await apiAsAdmin('/api/instances/lab')).json()).detections24h, {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => Number((await lab.locator('.recent').textContent())!.replace(/,/g, '')))
      .toBe((await (await apiAsAdmin('/api/instances/lab')).json()).detections24h);
    // The health tab: the test just run is in the connection-check history.
    await lab.getByRole('tab', { name: 'Health' }).click();
    const history = lab.getByRole('list', { name: 'Connection checks of lab' });
    await history.locator('li[data-result="passed"]').first().waitFor({ timeout: 15_000 });
    expect(await lab.getByRole('list', { name: 'Recent poll errors of lab' }).count()).toBe(0);
    await checkPage(page, 'instance-health');
    await lab.getByRole('tab', { name: 'Status' }).click();

    // Edit: the form shows every setting; a wrong private token is refused and nothing changes; a new
    // interval alone is saved (an empty private token keeps the stored one).
    await lab.getByRole('button', { name: 'Edit' }).click();
    const edit = page.locator('form.instance-form');
    expect(await edit.getByLabel('URL').inputValue()).toBe(sim.url);
    expect(await edit.getByLabel('Public token').inputValue()).toBe('lab-public');
    expect(await edit.getByLabel('Private token').inputValue()).toBe('');
    expect(await edit.getByLabel('First fetch looks back (hours)').inputValue()).toBe('24');
    expect(await edit.getByLabel('TLS').inputValue()).toBe('verify');
    await edit.getByLabel('Private token').fill('wrong-again');
    await edit.getByRole('button', { name: 'Test and save changes' }).click();
    await edit
      .getByRole('list', { name: 'Connection test' })
      .locator('li[data-step="signature"][data-result="failed"]')
      .waitFor({ timeout: 20_000 });
    await checkPage(page, 'instance-edit');
    await edit.getByLabel('Private token').fill('');
    await edit.getByLabel('Poll every (seconds)').fill('12');
    await edit.getByLabel('Maximum per poll').fill('2000');
    await edit.getByRole('button', { name: 'Test and save changes' }).click();
    await edit.waitFor({ state: 'detached' });
    const saved = await (await apiAsAdmin('/api/instances/lab')).json();
    expect(saved).toMatchObject({ pollIntervalSeconds: 12, maxItemsPerPoll: 2000, url: sim.url });
    await expect
      .poll(async () => (await apiAsAdmin('/api/instances/lab/test', { method: 'POST' })).status)
      .toBe(200);
    expect((await (await apiAsAdmin('/api/instances/lab/test', { method: 'POST' })).json()).ok).toBe(true);
    const runs = await (await apiAsAdmin('/api/command-runs?limit=5')).json();
    expect(runs.find((r: { command: string }) => r.command === 'instance.update').params).toEqual({
      fields: ['pollIntervalSeconds', 'maxItemsPerPoll'],
    });
    await ctx.close();
  }, 60_000);

  it('shows a breach injected into the appliance at the top of the open Detections page, without a reload', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    await page.goto(`${url}/detections?instance=lab&family=model_breach`);
    await page.locator('table[aria-label="Detections"] tbody tr[data-key]').first().waitFor();
    // Connected to the event stream: the page does not poll, so only the stream can bring the breach.
    await page.locator('.live[data-live="true"]').waitFor();
    await page.evaluate(() => {
      (window as unknown as { stayed: boolean }).stayed = true;
    });
    const breach = sim.injectBreach();
    const row = page.locator(`tr[data-key="lab/model_breach/${breach.pbid}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('aria-rowindex')).toBe('2');
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
    await ctx.close();
  }, 60_000);

  it('searches, filters by severity in the URL, opens a detection and acknowledges it', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    await page.getByRole('link', { name: 'Detections' }).click();
    await page.locator('table[aria-label="Detections"] tbody tr[data-key]').first().waitFor();
    // A word from a stored title, searched from the box.
    const some = await (await apiAsAdmin('/api/detections?instance=lab&family=model_breach&limit=1')).json();
    const word = /[A-Za-z]{4,}/.exec(some.items[0].title)![0];
    await page.getByRole('searchbox', { name: 'Search detections' }).fill(word);
    await page.keyboard.press('Enter');
    await page.getByLabel('Minimum severity').selectOption('3');
    await expect.poll(() => new URL(page.url()).search).toBe(`?q=${word}&severity=3`);
    const rows = page.locator('table[aria-label="Detections"] tbody tr[data-key]');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const api = await (await apiAsAdmin(`/api/detections?q=${word}&severity=3&limit=1`)).json();
    await expect
      .poll(() => page.locator('.count').textContent())
      .toMatch(new RegExp(`^${api.total} detection`));
    const severities = await rows.locator('.sev').allTextContents();
    expect(severities.every((s) => ['Medium', 'High', 'Critical'].includes(s))).toBe(true);
    await checkPage(page, 'detections');
    // The link is the search: reloading it shows the same filters.
    await page.reload();
    expect(await page.getByLabel('Minimum severity').inputValue()).toBe('3');
    expect(await page.getByRole('searchbox', { name: 'Search detections' }).inputValue()).toBe(word);

    // An unacknowledged breach of the lab instance (its simulator polls every 10 s).
    await page.goto(`${url}/detections?instance=lab&family=model_breach&acknowledged=false`);
    const first = page.locator('table[aria-label="Detections"] tbody tr[data-key]').first();
    await first.waitFor();
    const key = (await first.getAttribute('data-key'))!;
    await first.locator('a').click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/detections/${key}`);
    for (const f of ['ECS', 'OCSF', 'CEF', 'LEEF']) {
      await page.getByRole('button', { name: f, exact: true }).click();
      await expect.poll(() => page.locator('pre.rendering').textContent()).not.toBe('Loading…');
    }
    expect(await page.locator('pre.rendering').textContent()).toMatch(/^LEEF:/);
    await checkPage(page, 'detection');
    const versions = await page.locator('.history tbody tr').count();
    await page.getByRole('button', { name: /^Acknowledge/ }).click();
    await page.getByRole('status').waitFor();
    // The appliance has it acknowledged; the next poll stores the new version, shown without a reload.
    const pbid = Number(key.split('/')[2]);
    const dt = new DarktraceClient({ url: sim.url, publicToken: 'lab-public', privateToken: 'lab-private' });
    // Darktrace answers one breach (an object, not a list) when asked for one pbid.
    const found: unknown = await dt.modelBreaches.list({ pbid, includeacknowledged: true } as never);
    const breach = (Array.isArray(found) ? found[0] : found) as { pbid: number; acknowledged?: unknown };
    expect(breach.pbid).toBe(pbid);
    expect(breach.acknowledged).toBeTruthy();
    await page.locator('.history tbody tr', { hasText: 'acknowledged' }).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.history tbody tr').count()).toBe(versions + 1);
    expect(await page.locator('.ack-state').textContent()).toBe('yes');
    await ctx.close();
  }, 90_000);

  it('filters by dragging across the chart: the range goes in the URL and the table shows only it', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    await page.goto(`${url}/detections?instance=lab`);
    const rows = page.locator('table[aria-label="Detections"] tbody tr[data-key]');
    await rows.first().waitFor();
    const before = await (await apiAsAdmin('/api/detections?instance=lab&limit=1')).json();
    const chart = page.locator('.chart-canvas');
    expect(await chart.getAttribute('aria-label')).toMatch(/detections from .* UTC by severity/);
    const over = page.locator('.chart-canvas .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => new URL(page.url()).searchParams.get('to')).toMatch(/^\d{4}-\d\d-\d\dT/);
    const range = new URL(page.url()).searchParams;
    const from = Date.parse(range.get('from')!);
    const to = Date.parse(range.get('to')!);
    expect(to).toBeGreaterThan(from);
    expect(range.get('instance')).toBe('lab');
    // The table and its count are the API's answer for that range.
    const api = await (
      await apiAsAdmin(
        `/api/detections?instance=lab&from=${range.get('from')}&to=${range.get('to')}&limit=1000`,
      )
    ).json();
    expect(api.total).toBeLessThan(before.total);
    await expect
      .poll(() => page.locator('.count').textContent())
      .toMatch(new RegExp(`^${api.total} detection`));
    const times = await rows.locator('.c-time').allTextContents();
    expect(times.length).toBeGreaterThan(0);
    expect(times.every((t) => Date.parse(t.replace(' ', 'T')) >= from - 1000)).toBe(true);
    // The time filter shows the dragged range, and Any time clears it.
    const time = page.getByLabel('Time range');
    expect(await time.inputValue()).toBe('custom');
    await time.selectOption('');
    await expect.poll(() => new URL(page.url()).search).toBe('?instance=lab');
    await time.selectOption('24h');
    await expect.poll(() => new URL(page.url()).search).toBe('?instance=lab&from=24h');
    await ctx.close();
  }, 60_000);

  it('shows AI Analyst incidents grouped by incident group, with their events and score', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    await page.getByRole('link', { name: 'Incidents' }).click();
    const events = await (await apiAsAdmin('/api/detections?family=ai_analyst&limit=1000')).json();
    expect(events.total).toBeGreaterThan(0);
    const groups = new Set(
      events.items.map(
        (e: { key: string; canonical?: { related?: { group?: string } } }) =>
          e.canonical?.related?.group ?? e.key,
      ),
    );
    await expect.poll(() => page.locator('li.incident').count()).toBe(groups.size);
    const first = page.locator('li.incident').first();
    expect(await first.locator('.score').first().textContent()).toMatch(/^\d+%$/);
    expect(await page.locator('li.incident tbody tr').count()).toBe(events.items.length);
    await checkPage(page, 'incidents');
    // An event opens its own page, with the AI Analyst narrative.
    await first.locator('tbody a').first().click();
    await page.getByRole('heading', { name: 'AI Analyst narrative' }).waitFor();
    await ctx.close();
  }, 60_000);

  it('runs catalog commands from forms generated from their schemas, with the outcome per item and the audit trail', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    await page.getByRole('link', { name: 'Commands' }).click();
    const catalog = await (await apiAsAdmin('/api/commands')).json();
    await expect
      .poll(() => page.locator('nav[aria-label="Command catalog"] li').count())
      .toBe(catalog.length);
    await page.goto(`${url}/commands?instance=lab&command=acknowledge`);
    const form = page.locator('form[data-command="acknowledge"]');
    const some = await (
      await apiAsAdmin('/api/detections?instance=lab&family=model_breach&acknowledged=false&limit=1')
    ).json();
    const pbid = Number(some.items[0].nativeId);
    await form.getByLabel('breachIds (required)').fill(`${pbid}, 999999999`);
    await checkPage(page, 'commands');
    await form.getByRole('button', { name: 'Run acknowledge' }).click();
    const outcome = form.locator('.outcome');
    await outcome.waitFor({ timeout: 20_000 });
    // One breach exists and is acknowledged, the other does not: one tick, one reason.
    expect(await outcome.getAttribute('data-outcome')).toBe('Partially Successful');
    const items = outcome.getByRole('list', { name: 'Outcome per item' }).locator('li');
    expect(await items.evaluateAll((li) => li.map((l) => l.getAttribute('data-ok')))).toEqual([
      'true',
      'false',
    ]);
    expect(await items.nth(0).textContent()).toContain(`${pbid} done`);
    expect(await items.nth(1).textContent()).toMatch(/999999999 failed: \S/);
    // The audit trail shows the run at the top.
    await expect
      .poll(() => page.locator('table.audit tbody tr').first().getAttribute('data-command'), {
        timeout: 20_000,
      })
      .toBe('acknowledge');
    expect(await page.locator('table.audit tbody tr').first().locator('.outcome-cell').textContent()).toBe(
      'Partially Successful',
    );
    // A wrong value is refused in words before anything is sent.
    await form.getByLabel('breachIds (required)').fill('12, twelve');
    await form.getByRole('button', { name: 'Run acknowledge' }).click();
    expect(await form.getByRole('alert').textContent()).toBe('breachIds: "twelve" is not a whole number');
    await ctx.close();
  }, 60_000);

  it('acts on a breach: RESPOND on its device and a PCAP, each with its result per item', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    const some = await (await apiAsAdmin('/api/detections?instance=lab&family=model_breach&limit=50')).json();
    const withDevice = some.items.find((d: { canonical?: { devices?: { id?: number; ips: string[] }[] } }) =>
      d.canonical?.devices?.some((x) => typeof x.id === 'number' && x.ips.length),
    );
    await page.goto(`${url}/detections/${encodeURIComponent(withDevice.key)}`);
    await page.getByRole('heading', { name: 'Observables' }).waitFor();
    await page.getByRole('heading', { name: 'Components' }).waitFor();
    await page.getByRole('heading', { name: 'Respond', exact: true }).waitFor();
    const respond = page.locator('form[data-command="create-actions"]');
    await respond.getByLabel('action (required)').selectOption('quarantine');
    await checkPage(page, 'detection-respond');
    await respond.getByRole('button', { name: 'Start RESPOND action' }).click();
    const out = respond.locator('.outcome');
    await out.waitFor({ timeout: 20_000 });
    const did = withDevice.canonical.devices.find((x: { id?: number }) => typeof x.id === 'number').id;
    expect(await out.getAttribute('data-outcome')).toBe('Successful');
    expect(await out.locator('li').first().textContent()).toContain(`${did} done`);
    const pcap = page.locator('form[data-command="create-pcap"]');
    await pcap.getByRole('button', { name: 'Request PCAP' }).click();
    await pcap.locator('.outcome[data-outcome="Successful"]').waitFor({ timeout: 20_000 });
    const runs = await (await apiAsAdmin('/api/command-runs?limit=5&instance=lab')).json();
    expect(runs.map((r: { command: string }) => r.command).slice(0, 2)).toEqual([
      'create-pcap',
      'create-actions',
    ]);
    await ctx.close();
  }, 60_000);

  it('lists the sinks (a failing one with its error, credentials redacted) and replays one from a time', async () => {
    const ctx = await context('light');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    await page.getByRole('link', { name: 'Sinks' }).click();
    const demo = page.locator('tr[data-sink="demo-ecs-file"]');
    await demo.waitFor();
    await expect.poll(() => demo.locator('.lag').textContent(), { timeout: 30_000 }).toBe('0');
    const failing = page.locator('tr[data-sink]').filter({ hasText: '127.0.0.1:59999' });
    await failing.locator('.last-error').waitFor({ timeout: 30_000 });
    expect(await failing.locator('.url').textContent()).not.toContain('s3cret');
    await checkPage(page, 'sinks');
    const offset = Number((await demo.locator('.offset').textContent())!.replace(/,/g, ''));
    expect(offset).toBeGreaterThan(0);
    await page.getByLabel('Sink', { exact: true }).selectOption('demo-ecs-file');
    await page.getByLabel('From').fill('1d');
    await page.getByRole('button', { name: 'Replay' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toMatch(/^demo-ecs-file: offset [\d,]+ → 0; [\d,]+ to deliver again\.$/);
    const runs = await (await apiAsAdmin('/api/command-runs?limit=10')).json();
    expect(runs.find((r: { command: string }) => r.command === 'sink.reset')).toMatchObject({
      who: 'admin',
      params: { sink: 'demo-ecs-file', to: '1d', offset: 0 },
    });
    // Delivered again, seen on the page without a reload.
    await expect.poll(() => demo.locator('.lag').textContent(), { timeout: 30_000 }).toBe('0');
    expect(Number((await demo.locator('.offset').textContent())!.replace(/,/g, ''))).toBeGreaterThanOrEqual(
      offset,
    );
    await ctx.close();
  }, 60_000);

  it('shows a viewer no Acknowledge button, and the API refuses the viewer anyway', async () => {
    const ctx = await context('dark');
    const page = await ctx.newPage();
    await signIn(page, VIEWER.user, VIEWER.password);
    await page.goto(`${url}/detections?instance=lab&family=model_breach&acknowledged=false`);
    await page.locator('table[aria-label="Detections"] tbody tr[data-key]').first().locator('a').click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(await page.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0);
    await page.keyboard.press('a');
    expect(await page.getByRole('status').count()).toBe(0);
    // Trying anyway, with the session and its CSRF token: 403 in the API's words.
    const tried = await page.evaluate(async () => {
      const me = await (await fetch('/api/auth/me')).json();
      const r = await fetch('/api/instances/lab/commands/acknowledge', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ breachIds: [1] }),
      });
      return { status: r.status, message: (await r.json()).message };
    });
    expect(tried).toEqual({ status: 403, message: 'vera is viewer; this needs analyst' });
    // No comment box and no RESPOND for a viewer; the API refuses RESPOND too.
    expect(await page.locator('#comment').count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Respond', exact: true }).count()).toBe(0);
    const respond = await page.evaluate(async () => {
      const me = await (await fetch('/api/auth/me')).json();
      const r = await fetch('/api/instances/lab/commands/create-actions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify({ deviceIds: [1], action: 'quarantine' }),
      });
      return r.status;
    });
    expect(respond).toBe(403);
    // The Commands page lists a command the viewer may not run, without its form.
    await page.goto(`${url}/commands?instance=lab&command=create-actions`);
    await page.getByText('You are viewer: running create-actions needs responder.').waitFor();
    expect(await page.locator('form.command-form').count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Run / }).count()).toBe(0);
    // Sinks: seen, not replayed.
    await page.getByRole('link', { name: 'Sinks' }).click();
    await page.locator('tr[data-sink="demo-ecs-file"]').waitFor();
    expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    await ctx.close();
  }, 60_000);

  it('triages from the keyboard alone: / to search, j/k to move, Enter to open, a to acknowledge, c to comment', async () => {
    const ctx = await context('dark');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    await page.goto(`${url}/detections?instance=lab&family=model_breach&acknowledged=false`);
    await page.locator('table[aria-label="Detections"] tbody tr[data-key]').first().waitFor();
    await page.keyboard.press('?');
    const keys = page.getByRole('dialog', { name: 'Keyboard' });
    await keys.waitFor();
    expect(await keys.locator('dt').allTextContents()).toEqual([
      'j',
      'k',
      'Enter',
      'a',
      'c',
      '/',
      '?',
      'Escape',
    ]);
    await checkPage(page, 'keys');
    await page.keyboard.press('Escape');
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('search');
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    const selected = page.locator('tr[aria-current="true"]');
    expect(await selected.getAttribute('aria-rowindex')).toBe('3');
    const key = (await selected.getAttribute('data-key'))!;
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/detections/${key}`);
    await page.keyboard.press('a');
    await page.locator('.history tbody tr', { hasText: 'acknowledged' }).first().waitFor({ timeout: 30_000 });
    expect(await page.locator('.ack-state').textContent()).toBe('yes');
    // c: the comment box; Enter posts it to the appliance, and the comments read back show it.
    await page.keyboard.press('c');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('comment');
    await page.keyboard.type('triaged from the keyboard');
    await page.keyboard.press('Enter');
    await page.locator('.comments li', { hasText: 'triaged from the keyboard' }).waitFor({ timeout: 20_000 });
    const pbid = Number(key.split('/')[2]);
    const dt = new DarktraceClient({ url: sim.url, publicToken: 'lab-public', privateToken: 'lab-private' });
    const comments = await dt.modelBreaches.comments({ pbid });
    expect(comments.map((c) => c.message)).toContain('triaged from the keyboard');
    await ctx.close();
  }, 60_000);

  it('turns an instance red with the reason when the appliance revokes its token', async () => {
    const ctx = await context('dark');
    const page = await ctx.newPage();
    await signIn(page, 'admin', adminPassword);
    const lab = page.locator('li[data-instance="lab"]');
    await lab.locator('.state[data-state="ok"]').waitFor();
    sim.setFaults({ revokedTokens: ['lab-public'] });
    try {
      // The next poll (every 12 s) is refused: the tile turns failing, in red, with the reason in words.
      await lab.locator('.state[data-state="failing"]').waitFor({ timeout: 45_000 });
      const status = (await (await apiAsAdmin('/api/instances/lab')).json()).status;
      expect(status.lastError).toMatch(/token|login/i);
      expect(await lab.locator('.last-error').textContent()).toBe(status.lastError);
      const red = await lab.evaluate((e) => getComputedStyle(e).borderTopColor);
      const bad = await page.evaluate(() =>
        getComputedStyle(document.documentElement).getPropertyValue('--bad').trim(),
      );
      const rgb = (hex: string) =>
        `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      expect(red).toBe(rgb(bad));
      // The health tab lists the poll error.
      await lab.getByRole('tab', { name: 'Health' }).click();
      const errors = lab.getByRole('list', { name: 'Recent poll errors of lab' });
      await expect
        .poll(() => errors.locator('li').first().textContent(), { timeout: 15_000 })
        .toContain(status.lastError);
      await checkPage(page, 'instance-revoked');
    } finally {
      sim.resetFaults();
    }
    await lab.locator('.state[data-state="ok"]').waitFor({ timeout: 60_000 });
    await ctx.close();
  }, 120_000);

  it('shows an instance from the config file read-only, with the file it comes from', async () => {
    // Its own service: with an instance in a config file there is no demo, which the other tests use.
    const dir = mkdtempSync(join(tmpdir(), 'dtc-console-config-'));
    const configFile = join(dir, 'dtc.yaml');
    writeFileSync(
      configFile,
      `instances:\n  - name: fixed\n    url: ${sim.url}\n    publicToken: lab-public\n    privateToken: lab-private\n    pollIntervalSeconds: 300\n`,
    );
    const other = await startDtc(['--config', configFile]);
    try {
      const ctx = await context('light');
      const page = await ctx.newPage();
      await page.goto(`${other.url}/instances`);
      await page.getByLabel('User').fill('admin');
      await page.getByLabel('Password').fill(other.adminPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const fixed = page.locator('li[data-instance="fixed"]');
      await fixed.waitFor();
      expect(await fixed.getByRole('switch', { name: 'Enabled' }).isDisabled()).toBe(true);
      await fixed.getByRole('button', { name: 'Settings' }).click();
      const settings = page.locator('form.instance-form');
      await settings.getByRole('heading', { name: 'Settings of fixed' }).waitFor();
      expect(await settings.locator('.hint').first().textContent()).toBe(
        `Declared in ${configFile}: read-only here; change it there and restart.`,
      );
      expect(await settings.getByLabel('URL').inputValue()).toBe(sim.url);
      expect(await settings.getByLabel('Poll every (seconds)').inputValue()).toBe('300');
      expect(await settings.getByLabel('Poll every (seconds)').isDisabled()).toBe(true);
      expect(await settings.getByRole('button', { name: /save/i }).count()).toBe(0);
      await checkPage(page, 'instance-settings');
      await settings.getByRole('button', { name: 'Close' }).click();
      await settings.waitFor({ state: 'detached' });
      await ctx.close();
    } finally {
      other.proc.kill('SIGTERM');
    }
  }, 120_000);

  it('has no serious or critical accessibility violation on any page, and no script or CSP error', () => {
    expect(Object.keys(a11y).length).toBe(28);
    expect(Object.entries(a11y).filter(([, v]) => v.length)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
