// The Darktrace side of the case-connector tests: the simulator over real HTTP, a real store with the
// `lab` instance on it, and a poller that brings what the appliance holds into the store's log.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { CaseConnector } from '../../src/cases/connector.ts';
import { storeIngest } from '../../src/collect/ingest.ts';
import { InstancePoller } from '../../src/collect/poller.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';

export const silent = { info: () => {}, warn: () => {}, error: () => {} };

export async function darktrace(cleanups: (() => unknown)[]) {
  const sim = await startSimulator({
    publicToken: 'case-pub',
    privateToken: 'case-priv',
    seed: 17,
    history: { count: 0, days: 1 },
    ratePerMinute: 0,
  });
  const store = await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'dtc-cases-')) });
  store.instances.add({ name: 'lab', url: sim.url, publicToken: 'case-pub', privateToken: 'case-priv' });
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
  store.cases.offsets.set(again.name, 0);
  while ((await again.pass()) > 0);
  expect(await countCases()).toBe(before);
  return again;
}
