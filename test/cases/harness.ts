// The Darktrace side of the case-connector tests: the simulator over real HTTP, a real store with the
// `lab` instance on it, and a poller that brings what the appliance holds into the store's log.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeIngest } from '../../src/collect/ingest.ts';
import { InstancePoller } from '../../src/collect/poller.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';
import { openStore } from '../../src/store/index.ts';

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
