// The case-system contract: what the connector (connector.ts) asks of Request Tracker, Jira or
// ServiceNow. Outbound it opens and updates cases; inbound it reads what analysts did in them, from a
// cursor (a poll) or a signed webhook. Each system is one file and one line in registry.ts.
import type { z } from 'zod';

/** A new case: everything the analyst needs without opening Darktrace. */
export interface CaseContent {
  /**
   * What the case is for (the detection key, or `instance/incident/<group>`), written into the case
   * where the system can search it (RT subject tag, Jira label, ServiceNow correlation_id): `find`
   * adopts a case opened before a crash lost its link.
   */
  key: string;
  title: string;
  /** Plain text: summary, devices, MITRE, observables, links. */
  body: string;
  /** 0–5 (OCSF severity_id). */
  severity: number;
}

/** A change to an existing case: always a comment, sometimes fields. */
export interface CaseUpdate {
  comment: string;
  severity?: number;
  /** Close the case (Darktrace says the detection was acknowledged). */
  resolve?: boolean;
  /** Open it again (Darktrace says the detection was unacknowledged). */
  reopen?: boolean;
}

export type CaseChangeKind = 'comment' | 'resolved' | 'reopened';

/** Something an analyst did in a case. */
export interface CaseChange {
  /** The case system's id of the change: applied once, whether a webhook or the poll saw it first. */
  id: string;
  caseId: string;
  kind: CaseChangeKind;
  /** The case system's user who made it. */
  author: string;
  text?: string;
}

export interface CaseRef {
  id: string;
  /** Where a person opens the case. */
  url: string | null;
}

export interface CaseSystem {
  /** The user the connector acts as: changes it made are its own and never carried back. */
  readonly self: string;
  open(c: CaseContent): Promise<CaseRef>;
  /** The case opened for `key` (CaseContent.key), if the system has one we can still see. */
  find(key: string): Promise<CaseRef | undefined>;
  update(caseId: string, u: CaseUpdate): Promise<void>;
  /**
   * Changes after `cursor`, oldest first, and the cursor after them. An undefined cursor means "from
   * now": the first start does not replay the system's whole history.
   */
  changes(cursor: unknown): Promise<{ changes: CaseChange[]; cursor: unknown }>;
  /** Reaches the system with the configured credentials; says what it found. */
  test(): Promise<string>;
  /** Inbound by webhook: whether the request carries the shared secret's signature, and its changes. */
  webhook?: {
    verify(headers: Record<string, string | string[] | undefined>, rawBody: string): boolean;
    parse(body: unknown): CaseChange[];
  };
}

/** One case system: its config spec (zod, with defaults, descriptions and secrets marked) and factory. */
export interface CaseSystemModule<S extends z.ZodObject = z.ZodObject> {
  type: string;
  summary: string;
  /** The system-specific fields of a connector's config; fields with `.meta({ secret: true })` are secrets. */
  spec: S;
  /** Whether it takes webhooks (POST /api/cases/<name>/webhook). */
  webhook: boolean;
  create(config: z.infer<S>, ctx: { name: string }): CaseSystem;
}

/** A failure talking to the case system: retried unless the system refused the request for good. */
export class CaseError extends Error {
  override name = 'CaseError';
  constructor(
    message: string,
    readonly retry: boolean,
    readonly status = 0,
  ) {
    super(message);
  }
  /**
   * The case itself is gone: deleted, or no longer visible to the connector's user (404 on the case's
   * own path while the system answers). Retrying cannot help; the connector's `onCaseGone` decides.
   */
  get gone(): boolean {
    return this.status === 404 || this.status === 410;
  }
}
