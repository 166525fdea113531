// The Darktrace side of the case-connector tests: the simulator over real HTTP, a real store with the
// `lab` instance on it, and a poller that brings what the appliance holds into the store's log.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, expect } from 'vitest';
import { CaseConnector, CaseConnectors } from '../../src/cases/connector.ts';
import type { SimUser, Webhooks } from '../../src/cases/simulators/common.ts';
import { caseConnectorSpec } from '../../src/cases/spec.ts';
import { storeIngest } from '../../src/collect/ingest.ts';
import { InstancePoller } from '../../src/collect/poller.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { testDatabase } from '../helpers/postgres.ts';
import type { Dialect } from '../store/helpers.ts';
import { webhookServer } from './webhook-server.ts';

export const silent = { info: () => {}, warn: () => {}, error: () => {} };

/** The simulator, a store on `dialect` (a database of its own on PostgreSQL) and a poller between them. */
export async function darktrace(cleanups: (() => unknown)[], dialect: Dialect = 'sqlite') {
  const sim = await startSimulator({
    publicToken: 'case-pub',
    privateToken: 'case-priv',
    seed: 17,
    history: { count: 0, days: 1 },
    ratePerMinute: 0,
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'dtc-cases-'));
  const db = dialect === 'postgres' ? (await testDatabase('cases'))! : undefined;
  if (db) cleanups.push(() => db.drop());
  const store = await openStore(db ? { url: db.url, keyDir: dataDir } : { dataDir });
  await store.instances.add({
    name: 'lab',
    url: sim.url,
    publicToken: 'case-pub',
    privateToken: 'case-priv',
  });
  const client = new DarktraceClient({ url: sim.url, publicToken: 'case-pub', privateToken: 'case-priv' });
  const poller = new InstancePoller({
    instance: 'lab',
    client,
    ingest: storeIngest(store),
    log: silent,
    lookbackMs: 86_400_000,
  });
  cleanups.push(
    () => sim.close(),
    () => store.close(),
    () => client.close(),
  );
  /** A breach now, scored 0–1, polled into the store; its key. */
  const breach = async (score: number) => {
    const b = sim.injectBreach({ score });
    await poll();
    return { pbid: b.pbid, key: `lab/model_breach/${b.pbid}` };
  };
  const poll = async () => {
    await new Promise((r) => setTimeout(r, 5)); // a poll's window ends before its own start instant
    const r = await poller.pollOnce();
    if (r.streams.modelbreaches.error) throw r.streams.modelbreaches.error;
  };
  const comments = async (pbid: number) =>
    (await client.modelBreaches.comments({ pbid })).map((c) => c.message);
  const acknowledged = async (pbid: number) => {
    const b = await client.modelBreaches.get({ pbid, includeacknowledged: true });
    return !!b.acknowledged;
  };
  return { sim, store, client, breach, poll, comments, acknowledged };
}

/** What a test starts, stopped in reverse order after the file's tests. */
export function cleanupsAfterAll(): (() => unknown)[] {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });
  return cleanups;
}

/** A connector's log, kept as lines. */
export function logLines() {
  const lines: string[] = [];
  return { lines, log: { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m) } };
}

/** Posts a webhook body with these signature headers; the HTTP status. */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<number> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await r.text();
  return r.status;
}

/** A restart (a new connector on the same store) and a replay of the whole log: no case is opened. */
export async function replayOpensNothing(
  store: Store,
  config: never,
  countCases: () => Promise<number> | number,
) {
  const before = await countCases();
  const again = new CaseConnector(store, config, { log: logLines().log });
  await store.cases.offsets.set(again.name, 0);
  while ((await again.pass()) > 0);
  expect(await countCases()).toBe(before);
  return again;
}

/**
 * A crash between opening a case and storing its link: the link is forgotten and the row replayed. The
 * connector finds the case by the key it carries and adopts it: no second case, the same link back.
 */
export async function crashThenReplayAdopts(
  store: Store,
  config: never,
  detectionKey: string,
  countCases: () => Promise<number> | number,
) {
  const name = (config as { name: string }).name;
  const before = (await store.cases.links.get(name, detectionKey))!;
  const cases = await countCases();
  await store.cases.links.remove(name, detectionKey);
  const { lines, log } = logLines();
  const again = new CaseConnector(store, config, { log });
  await store.cases.offsets.set(name, 0);
  while ((await again.pass()) > 0);
  expect(await countCases()).toBe(cases);
  expect(await store.cases.links.get(name, detectionKey)).toMatchObject({
    caseId: before.caseId,
    caseUrl: before.caseUrl,
    status: 'open',
  });
  expect(lines).toContain(
    `case[${name}]: adopted case ${before.caseId} for ${detectionKey} (it carries the key ${name}:${detectionKey})`,
  );
}

/** A case-system simulator the webhook lab drives. */
interface WebhookSim {
  url: string;
  webhooks: Webhooks;
  close(): Promise<void>;
}

/**
 * What the Jira and ServiceNow tests share: the Darktrace side, a case-system simulator, a connector
 * declared from `declare` (name, type, the system's fields), our webhook route on a real socket with
 * the simulator's webhooks pointed at it, and requests to the simulator as another user.
 */
export async function webhookLab<S extends WebhookSim>(
  cleanups: (() => unknown)[],
  o: {
    sim: S;
    declare: Record<string, unknown>;
    secret: string;
    header: string;
    sign: (secret: string, body: string) => string;
    /** The API prefix requests `as` go under (`/rest/api/2/`, `/api/now/table/`). */
    api: string;
    /** The store's database (default SQLite). */
    dialect?: Dialect;
  },
) {
  const dt = await darktrace(cleanups, o.dialect);
  const { sim } = o;
  cleanups.push(() => sim.close());
  const { lines, log } = logLines();
  const config = caseConnectorSpec.parse({
    url: sim.url,
    webhookSecret: o.secret,
    filter: { minScore: 80 },
    publicUrl: 'https://dtc.example.com',
    ...o.declare,
  }) as never;
  const name = (config as { name: string }).name;
  const registry = new Registry();
  const cases = new CaseConnectors(dt.store, [config], { log, registry });
  const c = cases.get(name)!;
  const hooks = await webhookServer(cases);
  cleanups.push(
    () => hooks.close(),
    () => cases.stop(),
  );
  sim.webhooks.target = { url: hooks.url(name), secret: o.secret, header: o.header, sign: o.sign };
  /** A request to the simulator as `user` (basic auth); its status and body, after its webhooks. */
  const as = async (user: SimUser, method: string, path: string, body?: unknown) => {
    const r = await fetch(`${sim.url}${o.api}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${user.login}:${user.secret}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    await sim.webhooks.flush();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  return { dt, sim, config, name, cases, c, hooks, lines, log, as, registry };
}

/**
 * A case deleted in the case system: the next change of its detection marks the link `gone` (a
 * terminal status, said once), moves on, and never retries; with `onCaseGone: reopen` the next change
 * opens a new case instead.
 */
export async function deletedCaseIsGone(o: {
  store: Store;
  config: Record<string, unknown>;
  breach: { pbid: number; key: string };
  dt: Awaited<ReturnType<typeof darktrace>>;
  deleteCase: (caseId: string) => Promise<void>;
  countCases: () => Promise<number> | number;
}) {
  const { store, dt, breach } = o;
  const stop = new CaseConnector(
    store,
    { ...o.config, name: 'gone-stop', onCaseGone: 'stop' } as never,
    logLines(),
  );
  const reopen = new CaseConnector(
    store,
    { ...o.config, name: 'gone-reopen', onCaseGone: 'reopen' } as never,
    logLines(),
  );
  for (const c of [stop, reopen]) {
    await store.cases.offsets.set(c.name, ((await store.getDetection(breach.key))?.seq ?? 1) - 1);
    await c.pass();
  }
  const first = (await store.cases.links.get('gone-stop', breach.key))!;
  const second = (await store.cases.links.get('gone-reopen', breach.key))!;
  await o.deleteCase(first.caseId);
  await o.deleteCase(second.caseId);
  const opened = await o.countCases();

  // Acknowledged in Darktrace: the update finds the case gone.
  await dt.client.modelBreaches.acknowledge({ pbid: breach.pbid, acknowledge: 'true' });
  await dt.poll();
  for (const c of [stop, reopen]) await c.pass();
  for (const c of [stop, reopen]) {
    expect(await c.status()).toMatchObject({
      lag: 0,
      lastError: null,
      links: { open: 0, gone: 1 },
      goneCases: [{ detectionKey: breach.key, reason: expect.stringMatching(/answered 404/) }],
    });
  }
  // Acknowledged, nothing to reopen for yet; unacknowledged: `stop` stays quiet, `reopen` opens anew.
  expect(await o.countCases()).toBe(opened);
  await dt.client.modelBreaches.unacknowledge({ pbid: breach.pbid, unacknowledge: 'true' });
  await dt.poll();
  for (const c of [stop, reopen]) expect(await c.pass()).toBeGreaterThan(0);
  expect(await store.cases.links.get('gone-stop', breach.key)).toMatchObject({
    status: 'gone',
    caseId: first.caseId,
  });
  const renewed = (await store.cases.links.get('gone-reopen', breach.key))!;
  expect(renewed).toMatchObject({ status: 'open' });
  expect(renewed.caseId).not.toBe(second.caseId);
  expect(await o.countCases()).toBe(opened + 1);
  expect((await stop.status()).lastError).toBeNull();
}
