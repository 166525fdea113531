// A database of its own for each test file, on the PostgreSQL server the machine runs (`.ci/run` makes sure
// one is up). Without a server the tests that need one are skipped with one line saying how to provide
// one; under CI=true a missing server fails the run instead, so CI always runs them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where to create test databases: any role allowed to CREATE DATABASE. */
export const PG_ADMIN_URL = process.env.DTC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database, or undefined (after saying why) when no server answers outside CI.
 * `collation: 'en'` sorts text by a language's rules (ICU), as many installs and managed services do by
 * default, where the server's C default would hide an order that differs from SQLite's; a plain database
 * when the server has no ICU.
 */
export async function testDatabase(
  label = 'dtc',
  o: { collation?: 'en' } = {},
): Promise<TestDatabase | undefined> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (err) {
    const how =
      `no PostgreSQL at ${PG_ADMIN_URL} (${(err as Error).message}): start one, or point DTC_TEST_PG_URL ` +
      'at a role that may CREATE DATABASE (.ci/run installs and starts one)';
    if (process.env.CI === 'true') throw new Error(`CI=true and ${how}`);
    process.stderr.write(`skipped: the PostgreSQL tests (${how})\n`);
    return undefined;
  }
  const name = `${label}_test_${randomBytes(4).toString('hex')}`;
  try {
    await admin.query(
      o.collation
        ? `create database ${name} template template0 locale_provider icu icu_locale '${o.collation}' locale 'C.UTF-8'`
        : `create database ${name}`,
    );
  } catch (err) {
    if (!o.collation) throw err;
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
