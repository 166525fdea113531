// What the case-management connectors keep (src/cases/): which case each detection went to, how far
// each connector has read the append log, its inbound cursor, and the inbound events already applied.
// The links are what make a restart or a replay update a case instead of opening a second one.
import { type Kysely, sql } from 'kysely';
import type { Executor } from './conn.ts';

interface CaseLinksTable {
  connector: string;
  /** The detection's stable key (`instance/family/id`). */
  detection_key: string;
  /** What the case is for: the detection key, or `instance/incident/<group>` for an incident group. */
  subject: string;
  case_id: string;
  case_url: string | null;
  /** What the case last said of the detection: 0/1, and its 0–5 severity. */
  acknowledged: number;
  severity: number;
  /** `open`, or `gone`: deleted or no longer visible in the case system (migration 0013). */
  status: string;
  gone_reason: string | null;
  created_at: number;
  updated_at: number;
}

interface CaseOffsetsTable {
  connector: string;
  seq: number;
  last_error: string | null;
  last_error_at: number | null;
  updated_at: number;
}

interface CaseCursorsTable {
  connector: string;
  state: string;
  updated_at: number;
}

interface CaseEventsTable {
  connector: string;
  /** The case system's own id of the change (a transaction, a comment, a webhook's event). */
  event_id: string;
  at: number;
}

export interface CaseTables {
  case_links: CaseLinksTable;
  case_offsets: CaseOffsetsTable;
  case_cursors: CaseCursorsTable;
  case_events: CaseEventsTable;
}

/** Migration `0011_cases`. */
export async function createCaseTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('case_links')
    .addColumn('connector', 'text', (c) => c.notNull())
    .addColumn('detection_key', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('case_url', 'text')
    .addColumn('acknowledged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('severity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_links_pk', ['connector', 'detection_key'])
    .execute();
  await db.schema
    .createIndex('case_links_subject')
    .on('case_links')
    .columns(['connector', 'subject'])
    .execute();
  await db.schema.createIndex('case_links_case').on('case_links').columns(['connector', 'case_id']).execute();
  await db.schema
    .createTable('case_offsets')
    .addColumn('connector', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('case_cursors')
    .addColumn('connector', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('case_events')
    .addColumn('connector', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_events_pk', ['connector', 'event_id'])
    .execute();
  await sql`CREATE INDEX case_events_at ON case_events (at)`.execute(db);
}

/** Migration `0013_case_link_status`: a link whose case was deleted or hidden is `gone`, for good. */
export async function addCaseLinkStatus(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('case_links')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .execute();
  await db.schema.alterTable('case_links').addColumn('gone_reason', 'text').execute();
}

export type CaseLinkStatus = 'open' | 'gone';

export interface CaseLink {
  connector: string;
  detectionKey: string;
  subject: string;
  caseId: string;
  caseUrl: string | null;
  acknowledged: boolean;
  severity: number;
  status: CaseLinkStatus;
  /** Why the case is gone (what the system answered). */
  goneReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface CaseOffset {
  connector: string;
  seq: number;
  lastError: string | null;
  lastErrorAt: number | null;
  updatedAt: number;
}

export interface CaseStore {
  links: {
    /** The case a detection went to. */
    get(connector: string, detectionKey: string): Promise<CaseLink | undefined>;
    /** Any detection's link to the case of this subject (an incident group's case is shared). */
    bySubject(connector: string, subject: string): Promise<CaseLink | undefined>;
    /** Every detection in a case. */
    byCase(connector: string, caseId: string): Promise<CaseLink[]>;
    /** Creates or replaces a detection's link (and what the case last said of it); it is `open`. */
    set(l: Omit<CaseLink, 'createdAt' | 'updatedAt' | 'status' | 'goneReason'>): Promise<void>;
    /** Marks every link to this case `gone` (the case was deleted or hidden); how many. */
    markGone(connector: string, caseId: string, reason: string): Promise<number>;
    /** Forgets a detection's link (what a crash before storing it leaves; tests simulate that). */
    remove(connector: string, detectionKey: string): Promise<void>;
    /** Links by status, and the gone ones (newest first, at most `limit`). */
    counts(connector: string): Promise<{ open: number; gone: number }>;
    gone(connector: string, limit?: number): Promise<CaseLink[]>;
    /** Records what the case now says of the detection (after an update either way). */
    setState(
      connector: string,
      detectionKey: string,
      s: { acknowledged: boolean; severity?: number },
    ): Promise<void>;
    count(connector: string): Promise<number>;
  };
  offsets: {
    get(connector: string): Promise<number>;
    set(connector: string, seq: number): Promise<void>;
    status(connector: string): Promise<CaseOffset | undefined>;
    recordError(connector: string, error: string): Promise<void>;
  };
  cursors: {
    get(connector: string): Promise<unknown>;
    set(connector: string, state: unknown): Promise<void>;
  };
  events: {
    /** Whether an inbound event was applied already (a webhook and a poll may both see it). */
    has(connector: string, eventId: string): Promise<boolean>;
    /** Records an inbound event as applied. */
    add(connector: string, eventId: string): Promise<void>;
    /** Forgets what is older than `before` (ms): the poll never looks back that far. */
    prune(before: number): Promise<number>;
  };
}

type Row = CaseLinksTable;
const toLink = (r: Row): CaseLink => ({
  connector: r.connector,
  detectionKey: r.detection_key,
  subject: r.subject,
  caseId: r.case_id,
  caseUrl: r.case_url,
  acknowledged: r.acknowledged === 1,
  severity: r.severity,
  status: r.status === 'gone' ? 'gone' : 'open',
  goneReason: r.gone_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function caseStore(k: Kysely<CaseTables>, x: Executor): CaseStore {
  const offsetStatus = async (connector: string) => {
    const r = await x.first(k.selectFrom('case_offsets').selectAll().where('connector', '=', connector));
    return r
      ? {
          connector,
          seq: Number(r.seq),
          lastError: r.last_error,
          lastErrorAt: r.last_error_at,
          updatedAt: r.updated_at,
        }
      : undefined;
  };
  return {
    links: {
      get: async (connector, key) => {
        const r = await x.first(
          k
            .selectFrom('case_links')
            .selectAll()
            .where('connector', '=', connector)
            .where('detection_key', '=', key),
        );
        return r && toLink(r);
      },
      bySubject: async (connector, subject) => {
        const r = await x.first(
          k
            .selectFrom('case_links')
            .selectAll()
            .where('connector', '=', connector)
            .where('subject', '=', subject)
            .orderBy('status', 'desc') // an open link before a gone one
            .limit(1),
        );
        return r && toLink(r);
      },
      byCase: async (connector, caseId) =>
        (
          await x.all(
            k
              .selectFrom('case_links')
              .selectAll()
              .where('connector', '=', connector)
              .where('case_id', '=', caseId)
              .orderBy('created_at'),
          )
        ).map(toLink),
      set: async (l) => {
        const now = Date.now();
        const row = {
          subject: l.subject,
          case_id: l.caseId,
          case_url: l.caseUrl,
          acknowledged: l.acknowledged ? 1 : 0,
          severity: l.severity,
          status: 'open',
          gone_reason: null,
          updated_at: now,
        };
        await x.run(
          k
            .insertInto('case_links')
            .values({ ...row, connector: l.connector, detection_key: l.detectionKey, created_at: now })
            .onConflict((oc) => oc.columns(['connector', 'detection_key']).doUpdateSet(row)),
        );
      },
      markGone: async (connector, caseId, reason) =>
        Number(
          (
            await x.run(
              k
                .updateTable('case_links')
                .set({ status: 'gone', gone_reason: reason, updated_at: Date.now() })
                .where('connector', '=', connector)
                .where('case_id', '=', caseId),
            )
          ).changes,
        ),
      remove: async (connector, key) => {
        await x.run(
          k.deleteFrom('case_links').where('connector', '=', connector).where('detection_key', '=', key),
        );
      },
      counts: async (connector) => {
        const rows = (await x.all(
          k
            .selectFrom('case_links')
            .select((eb) => ['status', eb.fn.count('case_id').distinct().as('n')])
            .where('connector', '=', connector)
            .groupBy('status'),
        )) as { status: string; n: number | bigint }[];
        const n = (st: string) => Number(rows.find((r) => r.status === st)?.n ?? 0);
        return { open: n('open'), gone: n('gone') };
      },
      gone: async (connector, limit = 20) =>
        (
          await x.all(
            k
              .selectFrom('case_links')
              .selectAll()
              .where('connector', '=', connector)
              .where('status', '=', 'gone')
              .orderBy('updated_at', 'desc')
              .limit(limit),
          )
        ).map(toLink),
      setState: async (connector, key, s) => {
        await x.run(
          k
            .updateTable('case_links')
            .set({
              acknowledged: s.acknowledged ? 1 : 0,
              ...(s.severity === undefined ? {} : { severity: s.severity }),
              updated_at: Date.now(),
            })
            .where('connector', '=', connector)
            .where('detection_key', '=', key),
        );
      },
      count: async (connector) =>
        Number(
          (
            await x.first(
              k
                .selectFrom('case_links')
                .select((eb) => eb.fn.count('case_id').distinct().as('n'))
                .where('connector', '=', connector),
            )
          )?.n ?? 0,
        ),
    },
    offsets: {
      get: async (connector) => (await offsetStatus(connector))?.seq ?? 0,
      set: async (connector, seq) => {
        const now = Date.now();
        await x.run(
          k
            .insertInto('case_offsets')
            .values({ connector, seq, updated_at: now })
            .onConflict((oc) => oc.column('connector').doUpdateSet({ seq, updated_at: now })),
        );
      },
      status: offsetStatus,
      recordError: async (connector, error) => {
        const now = Date.now();
        await x.run(
          k
            .insertInto('case_offsets')
            .values({ connector, seq: 0, updated_at: now, last_error: error, last_error_at: now })
            .onConflict((oc) =>
              oc.column('connector').doUpdateSet({ last_error: error, last_error_at: now }),
            ),
        );
      },
    },
    cursors: {
      get: async (connector) => {
        const r = await x.first(
          k.selectFrom('case_cursors').select('state').where('connector', '=', connector),
        );
        return r ? JSON.parse(r.state) : undefined;
      },
      set: async (connector, state) => {
        const now = Date.now();
        const json = JSON.stringify(state) ?? 'null';
        await x.run(
          k
            .insertInto('case_cursors')
            .values({ connector, state: json, updated_at: now })
            .onConflict((oc) => oc.column('connector').doUpdateSet({ state: json, updated_at: now })),
        );
      },
    },
    events: {
      has: async (connector, eventId) =>
        !!(await x.first(
          k
            .selectFrom('case_events')
            .select('at')
            .where('connector', '=', connector)
            .where('event_id', '=', eventId),
        )),
      add: async (connector, eventId) => {
        await x.run(
          k
            .insertInto('case_events')
            .values({ connector, event_id: eventId, at: Date.now() })
            .onConflict((oc) => oc.doNothing()),
        );
      },
      prune: async (before) => (await x.run(k.deleteFrom('case_events').where('at', '<', before))).changes,
    },
  };
}
