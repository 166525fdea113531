// The PostgreSQL connection under the store's repositories, on a real server: the executor's queries,
// prepared statements and transactions; full-text search with FTS5's semantics; errors that name the
// server without its password; appends serialised so that seqs commit in order.
import { type Generated, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreIoError } from '../../src/store/errors.ts';
import { FencedError, underFence } from '../../src/store/fence.ts';
import { createClusterTables } from '../../src/store/migrations.ts';
import {
  appendLock,
  createDescriptionTsvector,
  createDetectionTsvector,
  describePostgresUrl,
  ftsWords,
  openPostgres,
  type PostgresExecutor,
  postgresConn,
  tsQueries,
  tsvectorSearch,
} from '../../src/store/postgres.ts';
import type { DB } from '../../src/store/schema.ts';
import { param } from '../../src/store/sqlite.ts';
import { type TestDatabase, testDatabase } from '../helpers/postgres.ts';

const db: TestDatabase | undefined = await testDatabase('conn');

// A scratch table of the test's own: the executor runs any Kysely-built query.
interface Scratch {
  items: { id: Generated<number>; name: string; n: number };
  versions: { seq: number; description_id: number | null };
}

describe.skipIf(!db)('PostgreSQL connection', () => {
  let conn: ReturnType<typeof postgresConn>;
  let k: Kysely<DB & Scratch>;
  let x: PostgresExecutor;

  beforeAll(async () => {
    const { pool, kysely } = openPostgres(db!.url, { max: 4 });
    conn = postgresConn(db!.url, pool, kysely, () => {});
    k = conn.k as unknown as Kysely<DB & Scratch>;
    x = conn.x;
    await sql`CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, n integer NOT NULL)`.execute(
      k,
    );
    await createDetectionTsvector(conn.k);
    await createDescriptionTsvector(conn.k);
  });
  afterAll(async () => {
    await conn?.close();
    await db?.drop();
  });

  it('runs built queries: rows come back with numbers, RETURNING gives the new id', async () => {
    const r = await x.run(k.insertInto('items').values({ name: 'a', n: 1 }).returning('id'));
    expect(r).toEqual({ changes: 1, lastInsertRowid: expect.any(Number) });
    await x.run(
      k.insertInto('items').values([
        { name: 'b', n: 2 },
        { name: 'c', n: 3 },
      ]),
    );
    expect(await x.all(k.selectFrom('items').select(['name', 'n']).orderBy('id'))).toEqual([
      { name: 'a', n: 1 },
      { name: 'b', n: 2 },
      { name: 'c', n: 3 },
    ]);
    // count(*) is int8: a number, as SQLite gives, not a string.
    expect(await x.first(k.selectFrom('items').select((eb) => eb.fn.countAll().as('c')))).toEqual({ c: 3 });
  });

  it('prepares once and binds by name or by position', async () => {
    const byName = x.prepare<{ name: string }, { n: number }>(
      k.selectFrom('items').select('n').where('name', '=', param('name')),
    );
    expect(await byName.first({ name: 'b' })).toEqual({ n: 2 });
    expect(await byName.all({ name: 'zz' })).toEqual([]);
    const insert = x.prepare(
      k
        .insertInto('items')
        .values({ name: param('name'), n: param('n') })
        .returning('id'),
    );
    const at = insert.slots;
    const r = await insert.runArgs(at.map((s) => (s === 'name' ? 'd' : 4)));
    expect(r.changes).toBe(1);
    expect(await byName.first({ name: 'd' })).toEqual({ n: 4 });
  });

  it('commits a transaction, rolls one back on a throw, and joins a nested one', async () => {
    await x.transaction(async () => {
      await x.run(k.insertInto('items').values({ name: 'tx1', n: 10 }));
      await x.transaction(async () => x.run(k.insertInto('items').values({ name: 'tx2', n: 11 })));
    });
    await expect(
      x.transaction(async () => {
        await x.run(k.insertInto('items').values({ name: 'gone', n: 12 }));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const names = (await x.all(k.selectFrom('items').select('name'))).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['tx1', 'tx2']));
    expect(names).not.toContain('gone');
  });

  it('keeps a transaction to its own flow: another flow neither sees its rows nor waits for it', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const wrote = new Promise<void>((r) => (inserted = r));
    const tx = x.transaction(async () => {
      await x.run(k.insertInto('items').values({ name: 'pending', n: 20 }));
      inserted();
      await held;
    });
    await wrote;
    // Outside the transaction, on another connection: the uncommitted row is invisible, and the read does not block.
    expect(await x.first(k.selectFrom('items').select('n').where('name', '=', 'pending'))).toBeUndefined();
    release();
    await tx;
    expect(await x.first(k.selectFrom('items').select('n').where('name', '=', 'pending'))).toEqual({ n: 20 });
  });

  it('serialises appends: a later writer waits, so seqs become visible in commit order', async () => {
    await sql`CREATE TABLE log (seq bigserial PRIMARY KEY, who text NOT NULL)`.execute(k);
    let releaseA!: () => void;
    const holdA = new Promise<void>((r) => (releaseA = r));
    let aInserted!: () => void;
    const aWrote = new Promise<void>((r) => (aInserted = r));
    const order: string[] = [];
    const a = x.transaction(async () => {
      await appendLock(conn.k, x);
      await sql`INSERT INTO log (who) VALUES ('a')`.execute(k.withoutPlugins());
      aInserted();
      await holdA;
      order.push('a commits');
    });
    await aWrote;
    const b = x.transaction(async () => {
      await appendLock(conn.k, x);
      order.push('b allocates');
      await x.run({ compile: () => sql`INSERT INTO log (who) VALUES ('b')`.compile(k) });
    });
    // b cannot allocate a seq while a holds the lock.
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual([]);
    releaseA();
    await Promise.all([a, b]);
    expect(order).toEqual(['a commits', 'b allocates']);
  });

  it('searches like FTS5: prefix, phrase of an address or host, exact IPv4, no phrase across columns', async () => {
    await conn.fts.insertMany([
      [1, 'Anomalous Connection / Data Sent to Rare Domain', 'ws-01.corp', '10.0.0.1'],
      [2, 'Device / Suspicious Domain', 'srv-9.corp', '10.0.0.15'],
      [3, 'Compliance / Crypto Currency Mining Activité', '', '192.168.1.7'],
    ]);
    await conn.fts.insertDescription(7, 'A device connected to an endpoint that is rare for the network');
    await sql`CREATE TABLE versions (seq bigint PRIMARY KEY, description_id bigint)`.execute(k);
    await x.run(
      k.insertInto('versions').values([
        { seq: 1, description_id: null },
        { seq: 2, description_id: 7 },
        { seq: 3, description_id: null },
      ]),
    );
    const find = async (q: string) => {
      const terms = tsQueries(q);
      if (!terms) return undefined;
      const rows = await x.all(
        k
          .selectFrom('versions')
          .select('seq')
          .where(
            sql<boolean>`${sql.join(
              terms.map(
                (t) =>
                  sql`(seq IN ${tsvectorSearch.versionsMatching(t)} OR description_id IN ${tsvectorSearch.descriptionsMatching(t)})`,
              ),
              sql` AND `,
            )}`,
          )
          .orderBy('seq'),
      );
      return rows.map((r) => r.seq);
    };
    expect(await find('anomal')).toEqual([1]);
    expect(await find('ws-0')).toEqual([1]);
    expect(await find('10.0.0.1')).toEqual([1]);
    expect(await find('10.0.0')).toEqual([1, 2]);
    expect(await find('activite')).toEqual([3]);
    expect(await find('ACTIVITÉ mining')).toEqual([3]);
    // The description's words count for the version that points at it.
    expect(await find('endpoint rare')).toEqual([2]);
    // Two terms each match somewhere; quotes are literal, never syntax.
    expect(await find('"corp 10"')).toEqual([1, 2]);
    // One term is one phrase: ws-01.corp ends with corp and 10.0.0.1 starts with 10, and row 1's title
    // ends with Domain, but a phrase never spans two columns.
    expect(await find('corp.10')).toEqual([]);
    expect(await find('domain.ws')).toEqual([]);
    expect(await find('corp10')).toEqual([]);
    expect(await find('""')).toBeUndefined();
  });

  it('cuts words as unicode61 does', () => {
    expect(ftsWords('ws-01.corp 10.0.0.1 Café_Bar')).toEqual([
      'ws',
      '01',
      'corp',
      '10',
      '0',
      '0',
      '1',
      'cafe',
      'bar',
    ]);
  });

  it('names the server without its password and says what to do when it cannot be reached', async () => {
    const url = 'postgres://dtc:s3cret@127.0.0.1:1/nowhere';
    expect(describePostgresUrl(url)).toBe('postgres://dtc@127.0.0.1:1/nowhere');
    const { pool, kysely } = openPostgres(url);
    const down = postgresConn(url, pool, kysely, () => {});
    const err = await down.x.all(down.k.selectFrom('detections').select('seq')).catch((e) => e);
    expect(err).toBeInstanceOf(StoreIoError);
    expect(err.code).toBe('io');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('postgres://dtc@127.0.0.1:1/nowhere');
    expect(err.message).not.toContain('s3cret');
    expect(down.x.health.writable).toBe(false);
    await down.close();

    const wrongDb = new URL(db!.url);
    wrongDb.pathname = '/no_such_database_dtc';
    const p2 = openPostgres(wrongDb.toString());
    const c2 = postgresConn(wrongDb.toString(), p2.pool, p2.kysely, () => {});
    const e2 = await c2.x.all(c2.k.selectFrom('detections').select('seq')).catch((e) => e);
    expect(e2).toBeInstanceOf(StoreIoError);
    expect(e2.code).toBe('cannot_open');
    expect(e2.retryable).toBe(false);
    expect(e2.message).toMatch(/check the database name/);
    await c2.close();
  });

  it('refuses every write made under a fence whose token is no longer the lease’s, before it lands', async () => {
    await createClusterTables(k);
    await sql`insert into cluster_leases (resource, owner, token, expires_at)
              values ('instance:fenced', 'r1', 5, now() + interval '1 minute')`.execute(k);
    const count = async () =>
      (await x.first(
        k
          .selectFrom('items')
          .select((eb) => eb.fn.countAll().as('c'))
          .where('name', '=', 'fenced'),
      ))!.c;
    const insert = () => x.run(k.insertInto('items').values({ name: 'fenced', n: 1 }));
    // The holder's token: a lone statement and a transaction both go through.
    await underFence({ resource: 'instance:fenced', token: 5 }, async () => {
      await insert();
      await x.transaction(async () => {
        await insert();
      });
    });
    expect(await count()).toBe(2);
    // A takeover raised the token: the old holder's writes are refused and nothing of them is left.
    await sql`update cluster_leases set owner = 'r2', token = 6 where resource = 'instance:fenced'`.execute(
      k,
    );
    const stale = { resource: 'instance:fenced', token: 5 };
    await expect(underFence(stale, insert)).rejects.toBeInstanceOf(FencedError);
    await expect(
      underFence(stale, () =>
        x.transaction(async () => {
          await insert();
        }),
      ),
    ).rejects.toThrow(/taken over \(our token 5, now 6\)/);
    // A resource with no lease row at all is refused too.
    await expect(underFence({ resource: 'sink:none', token: 1 }, insert)).rejects.toThrow(/now none/);
    expect(await count()).toBe(2);
    // Outside any fence, writes are not checked.
    await insert();
    expect(await count()).toBe(3);
  });
});
