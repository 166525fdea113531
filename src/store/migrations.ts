// Versioned migrations, run by Kysely's Migrator from an in-code provider (no files to find at run
// time, so they work the same from a clone, a package or a bundle). Names sort in order: `0001_initial`,
// `0002_...`. Never edit a migration that has shipped; add the next one.
//
// One list for both dialects. Where SQL differs (a serial key, the full-text index, the counting
// triggers, a JSON path), the step asks which database it is running on and uses that dialect's file
// (sqlite.ts or postgres.ts); everything else is Kysely's builder, which speaks both.
import {
  type CreateTableBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresAdapter,
  sql,
} from 'kysely';
import { addCaseLinkStatus, createCaseTables } from './cases.ts';
import { createDescriptionTsvector, createDetectionTsvector, pgSerialKey } from './postgres.ts';
import type { DB } from './schema.ts';
import { createDescriptionFts, createFts, withSerialKey } from './sqlite.ts';

const onPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

/** A key numbered by the database, never reused: AUTOINCREMENT on SQLite, bigserial on PostgreSQL. */
const serialKey = <T extends string, C extends string>(
  db: Kysely<any>,
  t: CreateTableBuilder<T, C>,
  column: string,
): CreateTableBuilder<T, C> => (onPostgres(db) ? pgSerialKey(t, column) : withSerialKey(t, column));

export const MIGRATION_TABLE = 'schema_migrations' as const;
export const MIGRATION_LOCK_TABLE = 'schema_migrations_lock';

const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await serialKey(db, db.schema.createTable('instances'), 'id')
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('public_token', 'text', (c) => c.notNull())
        .addColumn('private_token_enc', 'text', (c) => c.notNull())
        .addColumn('poll_interval_s', 'integer', (c) => c.notNull().defaultTo(300))
        .addColumn('lookback_s', 'integer', (c) => c.notNull().defaultTo(86_400))
        .addColumn('min_score', 'real')
        .addColumn('max_items_per_poll', 'integer')
        .addColumn('tls', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('proxy', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('check_interval_min', 'integer')
        .addColumn('simulated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('cursors')
        .addColumn('instance', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('cursors_pk', ['instance', 'stream'])
        .execute();

      // The append log: seq is the sequence number every sink offset points into.
      await serialKey(db, db.schema.createTable('detections'), 'seq')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('instance', 'text', (c) => c.notNull())
        .addColumn('family', 'text', (c) => c.notNull())
        .addColumn('native_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('event_time', 'bigint', (c) => c.notNull())
        .addColumn('severity', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('acknowledged', 'integer', (c) => c.notNull())
        .addColumn('canonical', 'text', (c) => c.notNull())
        .addColumn('raw', 'text', (c) => c.notNull())
        .execute();
      // Versions of one key, in order (getDetection); also guards against two version 2s of a key.
      await db.schema
        .createIndex('detections_key_version')
        .on('detections')
        .columns(['key', 'version'])
        .unique()
        .execute();

      await db.schema
        .createTable('detection_heads')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull().unique())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('instance', 'text', (c) => c.notNull())
        .addColumn('family', 'text', (c) => c.notNull())
        .addColumn('severity', 'integer', (c) => c.notNull())
        .addColumn('event_time', 'bigint', (c) => c.notNull())
        .addColumn('acknowledged', 'integer', (c) => c.notNull())
        .execute();
      // Search lists newest first, optionally for one instance; other filters narrow that scan.
      await db.schema
        .createIndex('detection_heads_time')
        .on('detection_heads')
        .columns(['event_time'])
        .execute();
      await db.schema
        .createIndex('detection_heads_instance_time')
        .on('detection_heads')
        .columns(['instance', 'event_time'])
        .execute();
      await (onPostgres(db) ? createDetectionTsvector(db) : createFts(db));

      await db.schema
        .createTable('sinks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sink_offsets')
        .addColumn('sink', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('last_error_at', 'bigint')
        .execute();

      await serialKey(db, db.schema.createTable('dead_letters'), 'id')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('instance', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .execute();

      await serialKey(db, db.schema.createTable('connection_checks'), 'id')
        .addColumn('instance', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('latency_ms', 'real')
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createIndex('connection_checks_instance_at')
        .on('connection_checks')
        .columns(['instance', 'at'])
        .execute();

      await serialKey(db, db.schema.createTable('command_runs'), 'id')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('who', 'text', (c) => c.notNull())
        .addColumn('instance', 'text')
        .addColumn('command', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('summary', 'text')
        .execute();
    },
  },
  // The canonical detection is no longer stored: it is derived from `raw` (the record exactly as
  // received) on read, so a row is written once, half as large, and a mapper fix applies to history.
  // `source` (api, syslog, file) is what the derivation needs besides raw and the instance.
  '0002_derive_canonical': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('detections')
        .addColumn('source', 'text', (c) => c.notNull().defaultTo('api'))
        .execute();
      // Rows written before this version carry their origin in the canonical JSON.
      await (onPostgres(db)
        ? sql`UPDATE detections SET source = coalesce(canonical::jsonb #>> '{origin,source}', 'api')`
        : sql`UPDATE detections SET source = coalesce(json_extract(canonical, '$.origin.source'), 'api')`
      ).execute(db);
      await db.schema.alterTable('detections').dropColumn('canonical').execute();
    },
  },
  // Each distinct description is indexed once (a breach's description is its model's); heads point at it.
  '0003_descriptions': {
    async up(db: Kysely<any>) {
      // SQLite numbers an integer primary key by itself (it is the rowid); PostgreSQL needs a serial.
      await (onPostgres(db)
        ? pgSerialKey(db.schema.createTable('descriptions'), 'id')
        : db.schema.createTable('descriptions').addColumn('id', 'integer', (c) => c.primaryKey())
      )
        .addColumn('digest', 'text', (c) => c.notNull().unique())
        .execute();
      await (onPostgres(db) ? createDescriptionTsvector(db) : createDescriptionFts(db));
      await db.schema.alterTable('detection_heads').addColumn('description_id', 'integer').execute();
    },
  },
  // Dead-letter retention: by age (an index on `at`) and by total size (each row's `size`).
  '0004_dead_letter_retention': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('dead_letters')
        .addColumn('size', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`UPDATE dead_letters SET size = length(payload) + length(reason) + length(source) + 64`.execute(
        db,
      );
      await db.schema.createIndex('dead_letters_at').on('dead_letters').column('at').execute();
    },
  },
  // Proxy passwords leave the plaintext `proxy` column; openStore moves existing ones (it has the key).
  '0005_proxy_password': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('instances').addColumn('proxy_password_enc', 'text').execute();
    },
  },
  // Identities for access control: users, API keys (digests only), role grants per tenant, sessions.
  '0006_identities': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text')
        .addColumn('source', 'text', (c) => c.notNull().defaultTo('local'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createTable('grants')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('grants_pk', ['subject', 'tenant'])
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('user', 'text', (c) => c.notNull())
        .addColumn('csrf', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  // Key rotation: keys wrapped under their predecessor while a service may still run with the old one.
  '0007_secret_keys': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('secret_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('wrapped', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  // The console's chart and the search's totals count detections by time: detection_counts keeps those
  // counts per hour (and per instance, family, severity, acknowledged), kept current by triggers on the
  // heads, so a count over a million detections reads a few thousand rows instead. Severity joins the
  // time indexes so the rest (the partial hours at a range's edges, text searches) reads the index alone.
  '0010_console_indexes': {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('detection_heads_time').execute();
      await db.schema.dropIndex('detection_heads_instance_time').execute();
      await db.schema
        .createIndex('detection_heads_time_severity')
        .on('detection_heads')
        .columns(['event_time', 'severity'])
        .execute();
      await db.schema
        .createIndex('detection_heads_instance_time_severity')
        .on('detection_heads')
        .columns(['instance', 'event_time', 'severity'])
        .execute();
      await (onPostgres(db) ? createPgDetectionCounts(db) : createSqliteDetectionCounts(db));
      await sql`INSERT INTO detection_counts
        SELECT event_time / 3600000, instance, family, severity, acknowledged, count(*) FROM detection_heads
        GROUP BY 1, 2, 3, 4, 5`.execute(db);
    },
  },
  // Case-management connectors (src/cases/): detection ↔ case links, offsets, inbound cursors and events.
  '0011_cases': { up: createCaseTables },
  // Text search (src/store/search.ts). A rare term starts from its matches: the heads whose description
  // matches come from detection_heads_description (with their seq, so the index alone answers). A common
  // word reads the heads along a time index and checks each one's seq and description: the time indexes
  // now carry both, so that check needs no read of the row.
  '0012_search_indexes': {
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('detection_heads_description')
        .on('detection_heads')
        .columns(['description_id', 'seq'])
        .execute();
      await db.schema.dropIndex('detection_heads_time_severity').execute();
      await db.schema.dropIndex('detection_heads_instance_time_severity').execute();
      await db.schema
        .createIndex('detection_heads_time_text')
        .on('detection_heads')
        .columns(['event_time', 'severity', 'seq', 'description_id'])
        .execute();
      await db.schema
        .createIndex('detection_heads_instance_time_text')
        .on('detection_heads')
        .columns(['instance', 'event_time', 'severity', 'seq', 'description_id'])
        .execute();
    },
  },
  // A case deleted or hidden in the case system: its links are `gone` (src/store/cases.ts).
  '0013_case_link_status': { up: addCaseLinkStatus },
  // Executive reports (src/store/reports.ts) count detections per device and measure the time to
  // acknowledge: a head carries its main device's name and, when Darktrace says, when it was
  // acknowledged (a breach's `acknowledged.time`). Rows stored before this stay null: those devices are
  // left out of the top devices, and their acknowledgement is timed from the version that first showed it.
  '0014_report_columns': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('detection_heads').addColumn('device', 'text').execute();
      await db.schema.alterTable('detection_heads').addColumn('acknowledged_at', 'bigint').execute();
    },
  },
  // Replicas sharing one PostgreSQL store (src/cluster/): heartbeats, leases with their fencing tokens,
  // and the takeover history. Every time in them is the database's now(). SQLite has one service per
  // file and no leases: nothing to create there.
  '0015_cluster': {
    async up(db: Kysely<any>) {
      if (onPostgres(db)) await createClusterTables(db);
    },
  },
  // State that every replica must share: the API's requests per key and window (one row per key, its
  // current window only) and the failed logins the throttle counts (src/store/rate-limits.ts), and the
  // single sign-ons in progress (identities.ts).
  '0016_rate_limits': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('rate_limits')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rate_limits_window').on('rate_limits').column('window_start').execute();
      await serialKey(db, db.schema.createTable('login_failures'), 'id')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_failures_subject_at')
        .on('login_failures')
        .columns(['subject', 'at'])
        .execute();
      await db.schema.createIndex('login_failures_at').on('login_failures').column('at').execute();
      // Single sign-ons in progress: the provider may send the browser back to another replica.
      await db.schema
        .createTable('oidc_pending')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('verifier', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oidc_pending_expires').on('oidc_pending').column('expires_at').execute();
      if (onPostgres(db)) await byteOrderedText(db);
    },
  },
  // PostgreSQL counted detection_counts with a trigger per row: one upsert per head written, the largest
  // cost of an append there. Statement triggers with transition tables count a whole batch in one upsert
  // per (hour, instance, family, severity, acknowledged). SQLite keeps its row triggers (in-process, cheap).
  '0017_pg_statement_counts': {
    async up(db: Kysely<any>) {
      if (onPostgres(db)) await createPgStatementCounts(db);
    },
  },
  // Replicas on one store: each instance's live status, written by the replica polling it, so every
  // replica's API answers the same (src/store/instance-status.ts). SQLite has it too, unused there.
  '0018_instance_status': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('instance_status')
        .addColumn('instance', 'text', (c) => c.primaryKey())
        .addColumn('replica', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  // Each replica says how long its leases last, so that anyone reading the cluster (dtc cluster status,
  // GET /api/cluster on any replica) can tell a live replica from a dead one without being told the TTL.
  '0019_replica_lease_length': {
    async up(db: Kysely<any>) {
      if (onPostgres(db))
        await sql`alter table cluster_replicas add column if not exists lease_ms integer`.execute(db);
    },
  },
};

/**
 * The text columns the store sorts by, compared byte by byte on PostgreSQL as SQLite compares them: a
 * database made with a language's collation (en_US.UTF-8, the default of many installs and managed
 * services) would otherwise list `demo` before `Lab` where SQLite lists `Lab` first, and order titles
 * and host names by rules that skip punctuation. Only the collation changes: no table is rewritten.
 */
export const BYTE_ORDERED_TEXT: Record<string, string[]> = {
  instances: ['name'],
  users: ['name'],
  sinks: ['name'],
  sink_offsets: ['sink'],
  cursors: ['instance', 'stream'],
  detections: ['title'],
  detection_heads: ['device'],
  // Pruned by ranges of the key (`login:` up to `login;`), which a language's collation reorders.
  rate_limits: ['key'],
};

async function byteOrderedText(db: Kysely<any>): Promise<void> {
  for (const [table, columns] of Object.entries(BYTE_ORDERED_TEXT))
    for (const c of columns)
      await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(c)} TYPE text COLLATE "C"`.execute(db);
}

/** The cluster's tables; `if not exists`, because replicas before this migration created them themselves. */
export async function createClusterTables(db: Kysely<any>): Promise<void> {
  await sql`create table if not exists cluster_replicas (
    id text primary key,
    address text,
    version text,
    started_at timestamptz not null default now(),
    heartbeat_at timestamptz not null default now(),
    lease_ms integer
  )`.execute(db);
  await sql`create table if not exists cluster_leases (
    resource text primary key,
    owner text,
    last_owner text,
    token bigint not null default 0,
    expires_at timestamptz not null default '-infinity',
    acquired_at timestamptz
  )`.execute(db);
  await sql`create table if not exists cluster_takeovers (
    id bigserial primary key,
    resource text not null,
    from_owner text,
    to_owner text not null,
    token bigint not null,
    reason text not null,
    at timestamptz not null default now()
  )`.execute(db);
  await sql`create index if not exists cluster_takeovers_at on cluster_takeovers (at)`.execute(db);
}

/** detection_counts and the triggers that keep it current, in SQLite's trigger language. */
async function createSqliteDetectionCounts(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE detection_counts (
    hour INTEGER NOT NULL, instance TEXT NOT NULL, family TEXT NOT NULL, severity INTEGER NOT NULL,
    acknowledged INTEGER NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (hour, instance, family, severity, acknowledged)) WITHOUT ROWID`.execute(db);
  const add = (row: 'NEW' | 'OLD', by: 1 | -1) =>
    `INSERT INTO detection_counts VALUES (${row}.event_time / 3600000, ${row}.instance, ${row}.family,
       ${row}.severity, ${row}.acknowledged, ${by})
     ON CONFLICT (hour, instance, family, severity, acknowledged) DO UPDATE SET n = n + (${by});`;
  await sql
    .raw(`CREATE TRIGGER detection_counts_insert AFTER INSERT ON detection_heads BEGIN ${add('NEW', 1)} END`)
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER detection_counts_update
       AFTER UPDATE OF event_time, instance, family, severity, acknowledged ON detection_heads
       BEGIN ${add('OLD', -1)} ${add('NEW', 1)} END`,
    )
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER detection_counts_delete AFTER DELETE ON detection_heads BEGIN ${add('OLD', -1)} END`)
    .execute(db);
}

/** The same table and counting on PostgreSQL: one trigger function for insert, update and delete. */
async function createPgDetectionCounts(db: Kysely<any>): Promise<void> {
  await sql`CREATE TABLE detection_counts (
    hour bigint NOT NULL, instance text NOT NULL, family text NOT NULL, severity integer NOT NULL,
    acknowledged integer NOT NULL, n bigint NOT NULL,
    PRIMARY KEY (hour, instance, family, severity, acknowledged))`.execute(db);
  const add = (row: 'NEW' | 'OLD', by: 1 | -1) =>
    `INSERT INTO detection_counts VALUES (${row}.event_time / 3600000, ${row}.instance, ${row}.family,
       ${row}.severity, ${row}.acknowledged, ${by})
     ON CONFLICT (hour, instance, family, severity, acknowledged) DO UPDATE SET n = detection_counts.n + (${by});`;
  await sql
    .raw(
      `CREATE FUNCTION detection_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN ${add('OLD', -1)} END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN ${add('NEW', 1)} END IF;
         RETURN NULL;
       END $fn$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER detection_counts_change
       AFTER INSERT OR DELETE OR UPDATE OF event_time, instance, family, severity, acknowledged ON detection_heads
       FOR EACH ROW EXECUTE FUNCTION detection_counts_apply()`,
    )
    .execute(db);
}

/**
 * detection_counts kept by statement-level triggers: each statement's inserted, updated (old and new) and
 * deleted heads are grouped and applied in one upsert. An UPDATE trigger cannot name its columns and
 * keep transition tables, so it fires on every head update and lets the unchanged groups cancel out.
 */
async function createPgStatementCounts(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS detection_counts_change ON detection_heads`.execute(db);
  await sql`DROP FUNCTION IF EXISTS detection_counts_apply()`.execute(db);
  const grouped = (rows: string, by: string) =>
    `SELECT event_time / 3600000 AS hour, instance, family, severity, acknowledged, ${by} AS n FROM ${rows}
     GROUP BY 1, 2, 3, 4, 5`;
  const apply = (changes: string) =>
    `INSERT INTO detection_counts (hour, instance, family, severity, acknowledged, n)
       SELECT hour, instance, family, severity, acknowledged, sum(n) FROM (${changes}) c
       GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0
     ON CONFLICT (hour, instance, family, severity, acknowledged) DO UPDATE SET n = detection_counts.n + excluded.n`;
  const fn = (name: string, changes: string) =>
    sql
      .raw(
        `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
         BEGIN ${apply(changes)}; RETURN NULL; END $fn$`,
      )
      .execute(db);
  await fn('detection_counts_inserted', grouped('new_heads', 'count(*)'));
  await fn(
    'detection_counts_updated',
    `${grouped('old_heads', '-count(*)')} UNION ALL ${grouped('new_heads', 'count(*)')}`,
  );
  await fn('detection_counts_deleted', grouped('old_heads', '-count(*)'));
  const trigger = (name: string, event: string, tables: string, fnName: string) =>
    sql
      .raw(
        `CREATE TRIGGER ${name} AFTER ${event} ON detection_heads REFERENCING ${tables}
         FOR EACH STATEMENT EXECUTE FUNCTION ${fnName}()`,
      )
      .execute(db);
  await trigger('detection_counts_insert', 'INSERT', 'NEW TABLE AS new_heads', 'detection_counts_inserted');
  await trigger(
    'detection_counts_update',
    'UPDATE',
    'OLD TABLE AS old_heads NEW TABLE AS new_heads',
    'detection_counts_updated',
  );
  await trigger('detection_counts_delete', 'DELETE', 'OLD TABLE AS old_heads', 'detection_counts_deleted');
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

export const MIGRATION_NAMES = Object.keys(migrations).sort();

/**
 * Brings the schema to the latest version (or to `upTo`, which the upgrade tests use to make an older
 * file); a no-op when it is already there. Throws on failure.
 */
export async function migrateToLatest(db: Kysely<DB>, upTo?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await (upTo ? migrator.migrateTo(upTo) : migrator.migrateToLatest());
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const unknown = /previously executed migration (\S+) is missing/.exec(String((error as Error)?.message));
    if (unknown) {
      throw new Error(
        `store: this data was written by a newer dtc (its migration ${unknown[1]} is unknown here); ` +
          'upgrade dtc or use another data directory',
        { cause: error },
      );
    }
    const where = failed ? `migration ${failed.migrationName} failed` : 'migrations failed';
    throw new Error(`store: ${where}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
