// Three `dtc start` replicas on one PostgreSQL database share six simulated appliances and two webhook
// sinks by lease (issue 15). While the appliances keep producing model breaches and AI Analyst events
// (new ones, and acknowledgements that make new versions), one replica is killed with SIGKILL and another
// paused with SIGSTOP for longer than a lease, then resumed. Afterwards:
// - the store holds every breach and AI Analyst event the appliances serve, as they serve it now, and no
//   version twice;
// - each sink received every stored version at least once;
// - no appliance was polled by two replicas at the same time (the simulators' request logs, by the
//   replica id each request carried in its User-Agent);
// - no write carried a stale fencing token, and none was made outside a fence (a trigger of this test's
//   own reads the token each write's transaction declared and compares it with the lease's).
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareRecords } from '../../src/collect/ingest.ts';
import { STREAMS } from '../../src/collect/poller.ts';
import { DarktraceClient } from '../../src/darktrace/index.ts';
import { type Simulator, startSimulator } from '../../src/simulator/index.ts';
import { openStore } from '../../src/store/index.ts';
import { type TestDatabase, testDatabase } from '../helpers/postgres.ts';

const database = await testDatabase('replicas');
const KEY_HEX = 'cd'.repeat(32);
const LEASE_SECONDS = 3;
const INSTANCES = 6;
const SINKS = ['hook-a', 'hook-b'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** A webhook destination: every item of every batch it was sent, as `instance/family/id|hash`. */
async function webhook(): Promise<{ server: Server; url: string; got: Set<string>; batches: number }> {
  const got = new Set<string>();
  const hook = { server: undefined as unknown as Server, url: '', got, batches: 0 };
  hook.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      hook.batches++;
      for (const d of JSON.parse(body) as {
        key: { instance: string; family: string; id: string };
        hash: string;
      }[])
        got.add(`${d.key.instance}/${d.key.family}/${d.key.id}|${d.hash}`);
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/in`;
  return hook;
}

// Records each write to the tables that lease holders write with the fence its transaction declared
// (`dtc.fence`, set by the store's PostgreSQL executor under a fence) whenever that fence is missing, is
// for another resource, or carries a token older than the lease's current one.
const FENCE_AUDIT = `
create table fence_violations (tbl text, resource text, declared text, current_token bigint,
                               at timestamptz not null default clock_timestamp());
create sequence fence_writes;
create function audit_fence() returns trigger language plpgsql as $$
declare
  declared text := current_setting('dtc.fence', true);
  wanted text;
  res text;
  tok bigint;
  cur bigint;
begin
  if TG_TABLE_NAME = 'sink_offsets' then
    wanted := 'sink:' || NEW.sink;
  else
    wanted := 'instance:' || NEW.instance;
  end if;
  perform nextval('fence_writes');
  if declared is null or declared = '' then
    insert into fence_violations (tbl, resource) values (TG_TABLE_NAME, wanted);
    return NEW;
  end if;
  res := substring(declared from '^(.*):[0-9]+$');
  tok := substring(declared from ':([0-9]+)$')::bigint;
  select token into cur from cluster_leases where resource = res;
  if res is distinct from wanted or cur is null or tok < cur then
    insert into fence_violations (tbl, resource, declared, current_token) values (TG_TABLE_NAME, wanted, declared, cur);
  end if;
  return NEW;
end $$;
create trigger audit_fence before insert or update on detections for each row execute function audit_fence();
create trigger audit_fence before insert or update on cursors for each row execute function audit_fence();
create trigger audit_fence before insert or update on sink_offsets for each row execute function audit_fence();
`;

interface Replica {
  id: string;
  child: ChildProcess;
  /** Its log file (kept for a look after a failure) and the same output, read here. */
  log: string;
  out: string;
  /** Its exit code or signal, once its output is all read. */
  closed: Promise<number | string | null>;
}

describe.skipIf(!database)('three replicas on one PostgreSQL store', { timeout: 150_000 }, () => {
  const db = database as TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'dtc-replicas-'));
  const sims: Simulator[] = [];
  const hooks: Awaited<ReturnType<typeof webhook>>[] = [];
  const replicas: Replica[] = [];
  let pool: pg.Pool;

  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    (await pool.query<R>(text, values)).rows;

  function startReplica(id: string, config: string): Replica {
    const log = join(dir, `${id}.log`);
    const out = createWriteStream(log);
    const child = spawn(
      process.execPath,
      [
        'bin/dtc.js',
        'start',
        '--config',
        config,
        '--data-dir',
        join(dir, id),
        '--store',
        db.url,
        '--replica-id',
        id,
        '--port',
        '0',
        '--no-demo',
      ],
      {
        env: { ...process.env, DTC_SECRET_KEY: KEY_HEX, SIM_PRIVATE: 'priv', CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const r: Replica = {
      id,
      child,
      log,
      out: '',
      closed: new Promise((done) => child.once('close', (code, signal) => done(code ?? signal))),
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.pipe(out);
      stream.on('data', (d) => {
        r.out += d;
      });
    }
    replicas.push(r);
    return r;
  }

  const running = (r: Replica) => r.child.exitCode === null && r.child.signalCode === null;
  const exited = (r: Replica) => r.closed;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: db.url, max: 3 });
    pool.on('error', () => {});
    // The schema first (the replicas' own migrations then find it current), then this test's audit on it.
    const store = await openStore({ url: db.url, secretKey: Buffer.from(KEY_HEX, 'hex'), env: {} });
    await store.close();
    await pool.query(FENCE_AUDIT);
    for (let i = 0; i < INSTANCES; i++)
      sims.push(
        await startSimulator({
          publicToken: 'pub',
          privateToken: 'priv',
          seed: 100 + i,
          history: { count: 25, days: 1 },
          ratePerMinute: 0,
          email: { perHour: 0 },
        }),
      );
    for (const _ of SINKS) hooks.push(await webhook());
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) if (r.child.signalCode === 'SIGSTOP') r.child.kill('SIGCONT');
    await Promise.all(
      replicas.filter(running).map((r) => {
        r.child.kill('SIGKILL');
        return exited(r);
      }),
    );
    await pool?.end();
    await Promise.all(sims.map((s) => s.close()));
    await Promise.all(hooks.map((h) => new Promise((r) => h.server.close(r))));
    await db.drop();
  });

  it('loses nothing, delivers everything, never polls an appliance twice at once, and never writes on a stale token', async () => {
    const config = join(dir, 'dtc.json');
    writeFileSync(
      config,
      JSON.stringify({
        cluster: { leaseSeconds: LEASE_SECONDS },
        instances: sims.map((s, i) => ({
          name: `dt-${i}`,
          url: s.url,
          publicToken: 'pub',
          privateToken: '${SIM_PRIVATE}',
          pollIntervalSeconds: 10,
          lookbackHours: 48,
        })),
        sinks: SINKS.map((name, i) => ({ name, format: 'json', url: hooks[i].url, batchSize: 200 })),
      }),
    );
    const [r1, r2, r3] = ['r1', 'r2', 'r3'].map((id) => startReplica(id, config));

    // The appliances keep producing: a new breach or AI Analyst event every 150 ms, and now and then an
    // acknowledgement of an earlier event (a new version of it).
    const events: { sim: number; id: string }[] = [];
    let producing = true;
    let produced = 0;
    const producer = (async () => {
      for (let n = 0; producing; n++) {
        const s = n % INSTANCES;
        if (n % 3 === 0) sims[s].injectBreach({});
        else if (n % 3 === 1) events.push({ sim: s, id: sims[s].injectAiaEvent({}).id });
        else if (events.length) {
          const e = events.splice(n % events.length, 1)[0];
          sims[e.sim].updateAiaEvent(e.id, { acknowledged: true });
        }
        produced++;
        await sleep(150);
      }
    })();

    const held = async () =>
      (
        await q<{ n: string }>(
          'select count(*) as n from cluster_leases where owner is not null and expires_at > now()',
        )
      )[0].n;
    await waitFor(
      'the 8 leases to be held',
      async () => Number(await held()) === INSTANCES + SINKS.length,
      40_000,
    );
    await waitFor(
      'every appliance to be polled',
      () => sims.every((s) => s.requestLog().some((r) => r.path === '/modelbreaches')),
      20_000,
    );

    // SIGKILL one replica; SIGSTOP another past its lease, then let it go on.
    r1.child.kill('SIGKILL');
    await exited(r1);
    const killedAt = Date.now();
    await sleep(1000);
    const r2Held = Number(
      (
        await q<{ n: string }>(
          "select count(*) as n from cluster_leases where owner = 'r2' and expires_at > now()",
        )
      )[0].n,
    );
    const stoppedAt = Date.now();
    r2.child.kill('SIGSTOP');
    await sleep(LEASE_SECONDS * 1000 * 2 + 1000);
    const resumedAt = Date.now();
    r2.child.kill('SIGCONT');
    await sleep(3000);
    producing = false;
    await producer;
    expect(produced).toBeGreaterThan(50);

    // What the appliances serve now, read as the pollers read it: every version the store must hold.
    const expected = async () => {
      const want = new Map<string, string>();
      for (const [i, sim] of sims.entries()) {
        const client = new DarktraceClient({
          url: sim.url,
          publicToken: 'pub',
          privateToken: 'priv',
          userAgent: 'replicas-test',
        });
        const now = Date.now();
        const w = { start: now - 47 * 3_600_000, end: now + 1 };
        for (const stream of STREAMS.filter((x) => x.name === 'modelbreaches' || x.name === 'aianalyst')) {
          const items = await stream.fetch(client, w, { minScore: 0 });
          for (const row of prepareRecords(`dt-${i}`, 'test', items, 'api', sim.url).rows)
            want.set(`${row.instance}/${row.family}/${row.nativeId}`, row.hash);
        }
        await client.close();
      }
      return want;
    };
    const heads = async () =>
      new Map(
        (
          await q<{ k: string; hash: string }>(
            `select d.instance || '/' || d.family || '/' || d.native_id as k, d.hash
               from detection_heads h join detections d on d.seq = h.seq
              where d.family in ('model_breach', 'ai_analyst')`,
          )
        ).map((r) => [r.k, r.hash]),
      );
    const want = await expected();
    expect(want.size).toBeGreaterThan(INSTANCES * 25);
    let missing: string[] = [];
    await waitFor(
      'the store to hold every breach and AI Analyst event as the appliances serve it',
      async () => {
        const have = await heads();
        missing = [...want].filter(([k, h]) => have.get(k) !== h).map(([k]) => k);
        return missing.length === 0;
      },
      45_000,
    ).catch((err) => {
      throw new Error(
        `${(err as Error).message}; missing or stale: ${missing.slice(0, 5).join(', ')} (${missing.length})`,
      );
    });
    const have = await heads();
    expect([...have.keys()].filter((k) => !want.has(k))).toEqual([]);

    // Exactly once per version: no key holds the same content twice.
    expect(
      await q('select key, hash, count(*) from detections group by key, hash having count(*) > 1'),
    ).toEqual([]);

    // Each sink received every stored version at least once.
    const versions = (
      await q<{ v: string }>(
        `select instance || '/' || family || '/' || native_id || '|' || hash as v from detections`,
      )
    ).map((r) => r.v);
    expect(versions.length).toBeGreaterThanOrEqual(want.size);
    await waitFor(
      'both sinks to receive every version',
      () => hooks.every((h) => versions.every((v) => h.got.has(v))),
      30_000,
    );

    // The two replicas left stop on SIGTERM and hand their leases back.
    for (const r of [r2, r3]) r.child.kill('SIGTERM');
    expect(await Promise.all([r2, r3].map(exited))).toEqual([0, 0]);
    expect(
      await q('select resource from cluster_leases where owner is not null and expires_at > now()'),
    ).toEqual([]);

    // No appliance was polled by two replicas at once: each replica's polls of an appliance (its
    // requests, grouped while less than 1.5 s apart) never overlap another replica's.
    const overlaps: string[] = [];
    const pollers = new Map<number, Set<string>>();
    for (const [i, sim] of sims.entries()) {
      const sessions: { replica: string; start: number; end: number }[] = [];
      const byReplica = new Map<string, { start: number; end: number }[]>();
      for (const r of sim.requestLog()) {
        const replica = /replica (r\d)\)$/.exec(r.userAgent)?.[1];
        if (r.userAgent === 'replicas-test') continue;
        expect(
          replica,
          `a request to dt-${i} without a replica in its User-Agent: ${r.userAgent}`,
        ).toBeDefined();
        byReplica.set(replica!, [...(byReplica.get(replica!) ?? []), r]);
      }
      pollers.set(i, new Set(byReplica.keys()));
      for (const [replica, reqs] of byReplica) {
        reqs.sort((a, b) => a.start - b.start);
        let cur = { replica, start: reqs[0].start, end: reqs[0].end };
        for (const r of reqs.slice(1)) {
          if (r.start - cur.end > 1500) {
            sessions.push(cur);
            cur = { replica, start: r.start, end: r.end };
          } else cur.end = Math.max(cur.end, r.end);
        }
        sessions.push(cur);
      }
      for (const a of sessions)
        for (const b of sessions)
          if (a.replica < b.replica && a.start < b.end && b.start < a.end)
            overlaps.push(`dt-${i}: ${a.replica} ${a.start}–${a.end} and ${b.replica} ${b.start}–${b.end}`);
      // The killed replica polled nothing after its death, the paused one nothing while paused (a request
      // sent just before may still be read a moment after: the slack).
      for (const r of sim.requestLog()) {
        if (r.userAgent.endsWith('replica r1)')) expect(r.start).toBeLessThan(killedAt + 1000);
        if (r.userAgent.endsWith('replica r2)'))
          expect(r.start < stoppedAt + 1000 || r.start >= resumedAt).toBe(true);
      }
    }
    expect(overlaps).toEqual([]);
    // The test did see appliances change hands.
    expect([...pollers.values()].filter((p) => p.size >= 2).length).toBeGreaterThan(0);

    // No write under a stale token, none outside a fence, and the audit did see the writes.
    expect(await q('select tbl, resource, declared, current_token from fence_violations')).toEqual([]);
    expect(Number((await q<{ n: string }>('select last_value as n from fence_writes'))[0].n)).toBeGreaterThan(
      want.size,
    );
    const takeovers = await q<{ reason: string }>('select * from cluster_takeovers order by id');
    if (process.env.DEBUG_REPLICAS) console.log(takeovers, dir);
    expect(takeovers.some((t) => t.reason === 'expired')).toBe(true);
    expect(takeovers.some((t) => t.reason === 'released')).toBe(true);
    // The paused replica found its leases gone when it woke, and said so.
    if (r2Held > 0) expect(r2.out).toMatch(/cluster: lost/);
  });
});
