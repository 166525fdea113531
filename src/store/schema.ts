// Table types for Kysely. Portable choices: times are integer milliseconds since the epoch, booleans are
// integers 0/1, JSON is text. PostgreSQL would accept the same shapes (bigint, smallint, text/jsonb).
import type { Generated } from 'kysely';

export interface InstancesTable {
  id: Generated<number>;
  name: string;
  url: string;
  public_token: string;
  /** `v2:<key id>:<iv>:<tag>:<ct>` (or `v1:` from before key ids), AES-256-GCM; see secrets.ts. Never selected by listings. */
  private_token_enc: string;
  poll_interval_s: Generated<number>;
  lookback_s: Generated<number>;
  min_score: number | null;
  max_items_per_poll: number | null;
  /** JSON `{ insecure: boolean, caFile: string | null }`. */
  tls: string;
  /** The proxy URL without its password (which is in proxy_password_enc). */
  proxy: string | null;
  /** The proxy URL's password, encrypted like the private token; null when it has none. */
  proxy_password_enc: string | null;
  enabled: Generated<number>;
  check_interval_min: number | null;
  simulated: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface CursorsTable {
  instance: string;
  stream: string;
  state: string;
  updated_at: number;
}

export interface DetectionsTable {
  seq: Generated<number>;
  key: string;
  instance: string;
  family: string;
  native_id: string;
  version: number;
  hash: string;
  created_at: number;
  event_time: number;
  severity: number;
  title: string;
  acknowledged: number;
  /** Where the record came from (api, syslog, file): with raw and instance, all the normaliser needs. */
  source: string;
  /** The record exactly as received: a syslog line, or the JSON of an API record. */
  raw: string;
}

/**
 * One row per key: the latest version. Besides the dedupe fields (seq, version, hash) it repeats the
 * filter columns of that version, so a search over "latest versions" is an indexed scan of this table
 * instead of a scan of the whole log.
 */
export interface DetectionHeadsTable {
  key: string;
  seq: number;
  version: number;
  hash: string;
  instance: string;
  family: string;
  severity: number;
  event_time: number;
  acknowledged: number;
  /** The version's description in `descriptions` (and its full-text index); null when it has none. */
  description_id: number | null;
  /** The main device's name (hostname, label or IP), for the reports' top devices; null when unknown. */
  device: string | null;
  /** When Darktrace says it was acknowledged (ms); null when not acknowledged or not said. */
  acknowledged_at: number | null;
}

/**
 * Each distinct description once, by a 64-bit digest of its text: the full-text index tokenises it
 * once, not once per breach. The text itself is in the records; only its words are in the index.
 */
export interface DescriptionsTable {
  id: Generated<number>;
  digest: string;
}

export interface SinksTable {
  name: string;
  config: string;
  created_at: number;
}

export interface SinkOffsetsTable {
  sink: string;
  seq: number;
  updated_at: number;
  last_error: string | null;
  last_error_at: number | null;
}

export interface DeadLettersTable {
  id: Generated<number>;
  at: number;
  source: string;
  instance: string | null;
  reason: string;
  payload: string;
  /** Bytes this row costs, roughly (payload, reason, source and overhead): the retention budget's unit. */
  size: Generated<number>;
}

export interface ConnectionChecksTable {
  id: Generated<number>;
  instance: string;
  at: number;
  ok: number;
  latency_ms: number | null;
  error: string | null;
}

export interface CommandRunsTable {
  id: Generated<number>;
  at: number;
  who: string;
  instance: string | null;
  command: string;
  params: string;
  outcome: string;
  summary: string | null;
}

export interface UsersTable {
  name: string;
  password_hash: string | null;
  source: string;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  owner: string;
  digest: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface GrantsTable {
  subject: string;
  tenant: string;
  role: string;
}

export interface SessionsTable {
  digest: string;
  user: string;
  csrf: string;
  created_at: number;
  expires_at: number;
}

/**
 * A newer secret key wrapped (encrypted) under the key before it, written by a rotation whose old key
 * came from DTC_SECRET_KEY, so a service still running with the old value can read the new values.
 * Deleted by `dtc secrets rotate --finish`.
 */
export interface SecretKeysTable {
  /** The wrapped key's id. */
  id: string;
  /** `v2:<wrapping key id>:...`: the key's hex, encrypted like a secret. */
  wrapped: string;
  created_at: number;
}

/** PostgreSQL only (src/cluster/): one row per replica, its heartbeat on the database's clock. */
export interface ClusterReplicasTable {
  id: string;
  address: string | null;
  version: string | null;
  started_at: Date;
  heartbeat_at: Date;
  /** How long this replica's leases last (its cluster.leaseSeconds); null from replicas before 0019. */
  lease_ms: number | null;
}

/** PostgreSQL only: who works each resource (`instance:<name>`, `sink:<name>`), until when, under which token. */
export interface ClusterLeasesTable {
  resource: string;
  owner: string | null;
  /** Who gave it up last, for the takeover history. */
  last_owner: string | null;
  /** Increases on every change of owner; a write carrying an older one is refused (src/store/fence.ts). */
  token: string; // bigint, as pg returns it
  expires_at: Date;
  acquired_at: Date | null;
}

/** PostgreSQL only: every change of a lease's owner. */
export interface ClusterTakeoversTable {
  id: Generated<string>;
  resource: string;
  from_owner: string | null;
  to_owner: string;
  token: string;
  /** 'new' (never owned), 'released' (given up cleanly) or 'expired' (its owner stopped renewing). */
  reason: string;
  at: Date;
}

/** A rate limit's count in its current fixed window (migration 0016). */
export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

/** One failed login, counted for each subject it throttles (a user at an address, an address). */
export interface LoginFailuresTable {
  id: Generated<number>;
  subject: string;
  at: number;
}

/** A single sign-on between its start and the provider's callback (the browser's id as a digest). */
export interface OidcPendingTable {
  digest: string;
  state: string;
  nonce: string;
  verifier: string;
  expires_at: number;
}

/** An instance's live status as the replica polling it last wrote it (migration 0018). */
export interface InstanceStatusTable {
  instance: string;
  /** The replica that wrote it: the one holding the instance's lease then. */
  replica: string;
  /** The collector's InstanceStatus, as JSON. */
  status: string;
  updated_at: number;
}

export interface DB {
  instances: InstancesTable;
  cursors: CursorsTable;
  detections: DetectionsTable;
  detection_heads: DetectionHeadsTable;
  descriptions: DescriptionsTable;
  sinks: SinksTable;
  sink_offsets: SinkOffsetsTable;
  dead_letters: DeadLettersTable;
  connection_checks: ConnectionChecksTable;
  command_runs: CommandRunsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  grants: GrantsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  login_failures: LoginFailuresTable;
  oidc_pending: OidcPendingTable;
  instance_status: InstanceStatusTable;
  secret_keys: SecretKeysTable;
  cluster_replicas: ClusterReplicasTable;
  cluster_leases: ClusterLeasesTable;
  cluster_takeovers: ClusterTakeoversTable;
}
