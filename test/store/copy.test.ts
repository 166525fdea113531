// `dtc store copy`: a store copied table by table keeps every row, key and sequence number, its
// full-text search finds the same heads, its secrets decrypt with the same key, and a copy stopped
// part way (a signal between batches, or kill -9 of the real command) resumes without a duplicate.
// Rows are compared by key with a hash of every column, read straight from the files and the server
// (better-sqlite3 and pg), not through the store under test.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareRecords } from '../../src/collect/ingest.ts';
import { COPIED_TABLES, checkDestinationKeys, copyStore, TRANSIENT_TABLES } from '../../src/store/copy.ts';
import { DB_FILE_NAME, openStore, type Store } from '../../src/store/index.ts';
import { testDatabase } from '../helpers/postgres.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'dtc-copy-'));
  dirs.push(d);
  return d;
};

// ─── Seeding: a site as the service leaves it ─────────────────────────────────────────────────────

/** A model breach the normaliser reads: hostnames, IPs and the model's description come from it. */
const breach = (i: number, revision = 0) => ({
  pbid: i,
  time: 1_700_000_000_000 + i * 1_000,
  score: 0.5 + revision / 100,
  model: {
    name: `Anomalous Connection::Model ${i % 40}`,
    pid: i % 40,
    description: `Model ${i % 40} watches for unusual beacons to rare destinations`,
  },
  device: { did: i % 700, ip: `10.${(i >> 8) & 255}.${i & 255}.7`, hostname: `ws-${i}.corp` },
  // Received records are larger than this minimal one; some bulk keeps the copy's I/O honest.
  notes: 'n'.repeat(400),
});

/** `keys` breaches, then a second version of every `updateEvery`-th one; returns the rows appended. */
async function seedDetections(store: Store, keys: number, updateEvery: number): Promise<number> {
  let rows = 0;
  const append = async (items: unknown[]) => {
    const { rows: batch, rejects } = prepareRecords('prod', 'test', items);
    expect(rejects).toEqual([]);
    rows += (await store.appendDetections(batch)).inserted.length;
  };
  for (let i = 0; i < keys; i += 5_000)
    await append(Array.from({ length: Math.min(5_000, keys - i) }, (_, j) => breach(i + j)));
  const updates = Array.from({ length: Math.floor(keys / updateEvery) }, (_, j) =>
    breach(j * updateEvery, 1),
  );
  for (let i = 0; i < updates.length; i += 5_000) await append(updates.slice(i, i + 5_000));
  return rows;
}

/** One row or a few in every other table. */
async function seedTheRest(store: Store): Promise<void> {
  await store.instances.add({
    name: 'prod',
    url: 'https://dt.example.com',
    publicToken: 'pub-prod',
    privateToken: 'private-token-of-prod',
    proxy: 'http://proxyuser:proxy-pass@proxy.example.com:3128',
    minScore: 0.25,
  });
  await store.instances.add({
    name: 'lab',
    url: 'https://lab.example.com',
    publicToken: 'p',
    privateToken: 'q',
  });
  await store.cursors.set('prod', 'modelbreaches', { since: 1_700_000_000_000, ids: [1, 2] });
  await store.cursors.set('prod', 'aianalyst', { since: 1 });
  await store.sinks.set('splunk', { type: 'hec', url: 'https://splunk.example.com:8088' });
  await store.sinkOffsets.set('splunk', 1_234);
  await store.sinkOffsets.recordError('splunk', 'connection refused');
  await store.deadLetters.add({
    source: 'syslog',
    instance: 'prod',
    reason: 'parse: bad line',
    payload: '<13>x',
  });
  await store.deadLetters.add({ source: 'api', instance: null, reason: 'schema', payload: '{}' });
  await store.connectionChecks.add({ instance: 'prod', at: 1_700_000_000_000, ok: true, latencyMs: 12.5 });
  // Checks 2 and 3 go with their instance: numbering must go on after 3, not after the largest id left.
  await store.instances.add({
    name: 'gone',
    url: 'https://gone.example.com',
    publicToken: 'p',
    privateToken: 'q',
  });
  await store.connectionChecks.add({ instance: 'gone', ok: false, error: 'timeout' });
  await store.connectionChecks.add({ instance: 'gone', ok: true });
  expect(await store.instances.remove('gone')).toBe(true);
  await store.commandRuns.add({
    at: 1_700_000_000_000,
    who: 'cli:alice',
    instance: 'prod',
    command: 'acknowledge',
    params: { pbid: 1 },
    outcome: 'ok',
  });
  await store.identities.users.add({ name: 'alice', passwordHash: 'scrypt$abc' });
  await store.identities.apiKeys.add({
    id: 'k1',
    name: 'ci',
    prefix: 'dtc_k1',
    owner: 'alice',
    digest: 'd1',
    expiresAt: null,
  });
  await store.identities.grants.set('alice', 'admin');
  await store.identities.sessions.add({ digest: 's1', user: 'alice', csrf: 'c1', expiresAt: 2e12 });
  await store.cases.links.set({
    connector: 'jira',
    detectionKey: 'prod/model_breach/3',
    subject: 'prod/model_breach/3',
    caseId: 'SEC-1',
    caseUrl: null,
    acknowledged: false,
    severity: 3,
  });
  await store.cases.offsets.set('jira', 99);
}

// ─── Comparing two stores' rows ───────────────────────────────────────────────────────────────────

interface Side {
  tables(): Promise<string[]>;
  /** Up to `limit` rows after `offset`, ordered by `key` (text compared bytewise, as SQLite does). */
  page(
    table: string,
    key: { name: string; text: boolean }[],
    offset: number,
    limit: number,
  ): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Tables neither side copies as rows: migrations' bookkeeping, full-text tables (rebuilt), the copy's own. */
const notCompared = (t: string) =>
  /^sqlite_|^schema_migrations|_fts($|_)|^cluster_|^store_copy_progress$/.test(t);

function sqliteSide(path: string): Side & { key(table: string): { name: string; text: boolean }[] } {
  const db = new Database(path, { readonly: true });
  return {
    tables: async () =>
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
        .map((r) => r.name)
        .filter((t) => !notCompared(t))
        .sort(),
    key: (table) =>
      (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string; pk: number }[])
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => ({ name: c.name, text: /text/i.test(c.type) })),
    page: async (table, key, offset, limit) =>
      db
        .prepare(
          `SELECT * FROM ${table} ORDER BY ${key.map((k) => `"${k.name}"`).join(', ')} LIMIT ? OFFSET ?`,
        )
        .all(limit, offset),
    close: async () => void db.close(),
  };
}

async function postgresSide(url: string): Promise<Side> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return {
    tables: async () =>
      (
        await c.query<{ t: string }>(
          "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'",
        )
      ).rows
        .map((r) => r.t)
        .filter((t) => !notCompared(t))
        .sort(),
    page: async (table, key, offset, limit) =>
      (
        await c.query(
          `SELECT * FROM ${table} ORDER BY ${key.map((k) => `"${k.name}"${k.text ? ' COLLATE "C"' : ''}`).join(', ')} LIMIT $1 OFFSET $2`,
          [limit, offset],
        )
      ).rows,
    close: () => c.end(),
  };
}

/** Every column as text (pg gives bigints as strings, SQLite as numbers), in name order. */
const rowHash = (r: unknown) =>
  createHash('sha256')
    .update(
      JSON.stringify(
        Object.entries(r as Record<string, unknown>)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, v === null ? null : String(v)]),
      ),
    )
    .digest('hex');

/** Asserts both sides hold the same tables with the same rows; returns the row count of each table. */
async function expectSameRows(
  source: ReturnType<typeof sqliteSide>,
  dest: Side,
): Promise<Record<string, number>> {
  try {
    return await compareTables(source, dest);
  } finally {
    await source.close();
    await dest.close();
  }
}

async function compareTables(
  source: ReturnType<typeof sqliteSide>,
  dest: Side,
): Promise<Record<string, number>> {
  const tables = await source.tables();
  expect(await dest.tables()).toEqual(tables);
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const key = source.key(table);
    let n = 0;
    for (let offset = 0; ; offset += 5_000) {
      const [a, b] = [
        await source.page(table, key, offset, 5_000),
        await dest.page(table, key, offset, 5_000),
      ];
      const ha = a.map(rowHash);
      const hb = b.map(rowHash);
      if (ha.join() !== hb.join()) {
        const i = ha.findIndex((h, j) => h !== hb[j]);
        expect({ table, row: b[i] ?? null }).toEqual({ table, row: a[i] ?? null });
      }
      n += a.length;
      if (a.length < 5_000) break;
    }
    counts[table] = n;
  }
  return counts;
}

// ─── In process, SQLite to SQLite: the resume logic ───────────────────────────────────────────────

describe('copyStore (SQLite to SQLite)', () => {
  it('covers every table of the schema but the rebuilt ones', async () => {
    const dir = tempDir();
    const s = await openStore({ dataDir: dir, env: {} });
    await s.close();
    const side = sqliteSide(join(dir, DB_FILE_NAME));
    expect([...COPIED_TABLES.map((t) => t.table), ...TRANSIENT_TABLES, 'detection_counts'].sort()).toEqual(
      await side.tables(),
    );
    await side.close();
  });

  it('stops between batches, resumes after the last committed one, and ends with the same rows', async () => {
    const srcDir = tempDir();
    const source = await openStore({ dataDir: srcDir, env: {} });
    await seedTheRest(source);
    const appended = await seedDetections(source, 900, 9);
    await source.deadLetters.prune(Date.now() + 365 * 86_400_000); // ids 1-2 gone: numbering must not reuse them
    await source.deadLetters.add({ source: 'api', instance: null, reason: 'late', payload: '[]' });
    const destDir = tempDir();
    const dest = await openStore({ dataDir: destDir, env: {} });
    const { recordWords: words } = await import('../../src/cli/actions/store-copy.ts');

    // Stopped after three batches of detections.
    const stop = new AbortController();
    let batches = 0;
    const first = await copyStore(source, dest, {
      source: 'the source',
      batchSize: 100,
      words,
      signal: stop.signal,
      onProgress: (e) => {
        if (e.type === 'rows' && e.table === 'detections' && ++batches === 3) stop.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(await dest.countDetections()).toBe(300);

    // Another source is refused; so is a destination holding other data.
    await expect(copyStore(source, dest, { source: 'another store' })).rejects.toThrow(
      /holds a copy of another store \(the source\)/,
    );
    const busy = await openStore({ dataDir: tempDir(), env: {} });
    await busy.sinks.set('mine', {});
    await expect(copyStore(source, busy, { source: 'the source' })).rejects.toThrow(
      /already holds data \(its sinks table has rows\)/,
    );
    await busy.close();

    const second = await copyStore(source, dest, { source: 'the source', batchSize: 100, words });
    expect(second.interrupted).toBe(false);
    const det = second.tables.find((t) => t.table === 'detections')!;
    expect(det).toEqual({ table: 'detections', rows: appended, copied: appended - 300, skipped: 300 });
    expect(second.tables.find((t) => t.table === 'instances')).toMatchObject({ copied: 0, skipped: 2 });

    const third = await copyStore(source, dest, { source: 'the source' });
    expect(third.alreadyComplete).toBe(true);

    for (const q of ['ws-17.corp', 'beacons rare', '10.0.5.7', 'Model 7']) {
      const [a, b] = [await source.searchDetections({ q }), await dest.searchDetections({ q })];
      expect(b.total).toBe(a.total);
      expect(b.items.map((r) => r.seq)).toEqual(a.items.map((r) => r.seq));
    }
    // Secrets open with the key the copy was made under (the destination's own key file is another).
    expect(await checkDestinationKeys(source, { keyDir: srcDir, env: {} })).toMatchObject({ secrets: 3 });
    await expect(checkDestinationKeys(source, { keyDir: destDir, env: {} })).rejects.toThrow(
      /secret key from .*secret\.key, which does not exist/,
    );
    const maxSeq = await source.maxSeq();
    await source.close();
    await dest.close();

    const counts = await expectSameRows(
      sqliteSide(join(srcDir, DB_FILE_NAME)),
      sqliteSide(join(destDir, DB_FILE_NAME)),
    );
    expect(counts.detections).toBe(appended);

    const reopened = await openStore({ dataDir: destDir, env: {} });
    const r = await reopened.appendDetections(prepareRecords('prod', 'test', [breach(100_000)]).rows);
    expect(r.inserted[0].seq).toBe(maxSeq + 1);
    expect(await reopened.deadLetters.add({ source: 'x', instance: null, reason: 'y', payload: 'z' })).toBe(
      4,
    );
    expect(await reopened.connectionChecks.add({ instance: 'prod', ok: true })).toBe(4);
    await reopened.close();
  });
});

// ─── The real command, SQLite into PostgreSQL, killed and resumed ─────────────────────────────────

const database = await testDatabase('copy');
const PG_TIMEOUT = 240_000;

/** `dtc …` as a child; `stop` sends its signal once, when its test of stderr passes. */
function dtc(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  stop?: { signal: NodeJS.Signals; when: (stderr: string) => boolean },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  const child: ChildProcess = spawn(process.execPath, ['bin/dtc.js', ...args], {
    env: { ...process.env, DTC_SECRET_KEY: '', DTC_STORE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
    if (stop?.when(err)) {
      child.kill(stop.signal);
      stop = undefined;
    }
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

// At the file's level: dropped even when a filter skips the suite.
afterAll(async () => {
  await database?.drop();
});

describe.skipIf(!database)('dtc store copy (SQLite into PostgreSQL)', () => {
  it(
    'copies 100,000 detections, stopped by Ctrl-C, killed with -9 and resumed, to the same rows',
    async () => {
      if (!existsSync('dist/cli/main.js'))
        throw new Error('run `npm run build` first: this test runs bin/dtc.js');
      const started = Date.now();
      const dir = tempDir();
      const source = await openStore({ dataDir: dir, env: {} });
      await seedTheRest(source);
      const appended = await seedDetections(source, 90_000, 9);
      expect(appended).toBe(100_000);
      const sourceMax = await source.maxSeq();
      const searches = ['ws-4242.corp', 'beacons', '10.3.7.7', 'model 17'];
      const expected = [];
      for (const q of searches) expected.push(await source.searchDetections({ q }));
      await source.close();
      const seeded = Date.now();

      // A password in the URL is never printed (the test server trusts local connections: any password).
      let url = database!.url;
      const withPassword = new URL(url);
      if (!withPassword.password) {
        withPassword.password = 'pw-never-printed';
        const probe = new pg.Client({ connectionString: withPassword.toString() });
        if (
          await probe.connect().then(
            () => true,
            () => false,
          )
        )
          url = withPassword.toString();
        await probe.end().catch(() => {});
      }
      const password = new URL(url).password;

      // Another key cannot open the copied tokens: refused before a row is written.
      const wrongKey = await dtc(['store', 'copy', '--from', dir, '--to', url], {
        DTC_SECRET_KEY: 'ab'.repeat(32),
      });
      expect(wrongKey.code).not.toBe(0);
      expect(wrongKey.err).toMatch(
        /refused: the destination's key \([0-9a-f]{16}, from DTC_SECRET_KEY\) cannot decrypt/,
      );

      // Not while a service runs on the source directory.
      const { lockDataDir } = await import('../../src/service/lock.ts');
      const lock = lockDataDir(dir);
      const locked = await dtc(['store', 'copy', '--from', dir, '--to', url]);
      lock.release();
      expect(locked.code).not.toBe(0);
      expect(locked.err).toMatch(/store copy: the data directory .* is in use by dtc process \d+/);

      // Ctrl-C once the detections are on their way: the batch in progress commits, then it stops.
      const copiedSoFar = (err: string) =>
        Math.max(0, ...[...err.matchAll(/detections: (\d+)\/100000/g)].map((m) => Number(m[1])));
      const args = ['store', 'copy', '--from', dir, '--to', url, '--batch-size', '1000', '-o', 'json'];
      const interrupted = await dtc(
        args,
        {},
        { signal: 'SIGINT', when: (err) => copiedSoFar(err) >= 10_000 },
      );
      expect(interrupted.code).toBe(130);
      expect(interrupted.err).toContain('run the same command again to resume');
      const atCtrlC = JSON.parse(interrupted.out);
      expect(atCtrlC.complete).toBe(false);
      const afterCtrlC = atCtrlC.tables.find((t: { table: string }) => t.table === 'detections').copied;
      expect(afterCtrlC).toBeGreaterThanOrEqual(10_000);

      // Then killed (-9) further on: whatever it was doing is lost, what it committed stays.
      const killed = await dtc(
        args,
        {},
        { signal: 'SIGKILL', when: (err) => copiedSoFar(err) >= afterCtrlC + 10_000 },
      );
      if (killed.signal !== 'SIGKILL')
        throw new Error(`not killed part way (exit ${killed.code}):\n${killed.err}`);
      expect(killed.err).toContain(`${afterCtrlC} copied before`);
      const pgc = new pg.Client({ connectionString: url });
      await pgc.connect();
      const partial = Number((await pgc.query('SELECT count(*) AS n FROM detections')).rows[0].n);
      const recorded = (await pgc.query("SELECT copied FROM store_copy_progress WHERE name = 'detections'"))
        .rows[0].copied;
      expect(partial).toBeGreaterThanOrEqual(afterCtrlC + 10_000);
      expect(partial).toBeLessThan(100_000);
      expect(partial % 1_000).toBe(0);
      expect(Number(recorded)).toBe(partial);
      await pgc.end();

      // Resumed: it goes on after the last batch, and says what it skipped.
      const resumed = await dtc(['store', 'copy', '--from', dir, '--to', url, '-o', 'json']);
      expect(resumed.err).not.toMatch(/Error/);
      expect(resumed.code).toBe(0);
      const summary = JSON.parse(resumed.out);
      expect(summary.complete).toBe(true);
      expect(summary.tables.find((t: { table: string }) => t.table === 'detections')).toEqual({
        table: 'detections',
        rows: 100_000,
        copied: 100_000 - partial,
        skipped: partial,
      });
      for (const r of [wrongKey, locked, interrupted, killed, resumed]) {
        if (password) expect(r.out + r.err).not.toContain(password);
      }
      const copied = Date.now();

      const counts = await expectSameRows(sqliteSide(join(dir, DB_FILE_NAME)), await postgresSide(url));
      expect(counts.detections).toBe(100_000);
      expect(counts.detection_heads).toBe(90_000);
      expect(counts.instances).toBe(2);
      const compared = Date.now();

      const again = await dtc(['store', 'copy', '--from', dir, '--to', url, '-o', 'json']);
      expect(JSON.parse(again.out).alreadyComplete).toBe(true);

      const dest = await openStore({ url, keyDir: dir, env: {} });
      try {
        for (const [i, q] of searches.entries()) {
          const got = await dest.searchDetections({ q });
          expect(got.total).toBe(expected[i].total);
          expect(got.items.map((r) => r.seq)).toEqual(expected[i].items.map((r) => r.seq));
        }
        expect(expected[0].total).toBe(1);
        expect(await dest.instances.privateToken('prod')).toBe('private-token-of-prod');
        expect(await dest.instances.proxyUrl('prod')).toBe(
          'http://proxyuser:proxy-pass@proxy.example.com:3128/',
        );
        const next = await dest.appendDetections(prepareRecords('prod', 'test', [breach(500_000)]).rows);
        expect(next.inserted[0].seq).toBe(sourceMax + 1);
        expect(await dest.deadLetters.add({ source: 'x', instance: null, reason: 'y', payload: 'z' })).toBe(
          3,
        );
        expect(await dest.connectionChecks.add({ instance: 'prod', ok: true })).toBe(4);
      } finally {
        await dest.close();
      }
      process.stderr.write(
        `store copy test: seed ${seeded - started} ms, copy (killed + resumed) ${copied - seeded} ms, compare ${compared - copied} ms\n`,
      );
    },
    PG_TIMEOUT,
  );
});
