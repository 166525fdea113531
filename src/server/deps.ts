// What the HTTP API is built from: the service's parts it reads and acts on. Apart from app.ts so the
// routes take their dependencies from here and app.ts takes the routes, never both ways.
import type { FastifyInstance } from 'fastify';
import type { Gauge, Registry } from 'prom-client';
import type { AccessControl } from '../auth/index.ts';
import type { OidcLogin } from '../auth/oidc.ts';
import type { ClusterStatus } from '../cluster/status.ts';
import type { InstanceStatus } from '../collect/collector.ts';
import type { ConnectionCheckResult } from '../collect/health.ts';
import type { DarktraceClient } from '../darktrace/index.ts';
import type { SinkStatus } from '../deliver/worker.ts';
import type { Store } from '../store/index.ts';

export interface ApiDeps {
  store: Store;
  /** Who may do what: every route but the public ones needs an API key or a session. */
  access: AccessControl;
  /** Single sign-on by OpenID Connect, when configured (its routes answer 404 otherwise). */
  oidc?: OidcLogin;
  /** PEM key and certificate: the API is served over HTTPS (session cookies are then Secure). */
  https?: { key: Buffer | string; cert: Buffer | string };
  tls?: boolean;
  /** Proxies whose X-Forwarded-For is believed (addresses or CIDRs); default none. */
  trustProxy?: string[];
  /** Items one multi-item command call may carry (default 500). */
  maxCommandItems?: number;
  /** Requests a minute per identity (or per address before sign-in); default 1,200. */
  rateLimitPerMinute?: number;
  collector: {
    status(): InstanceStatus[];
    /** Whether this replica polls the instance (absent: it polls them all); else its status is the store's. */
    polls?(name: string): boolean;
    check?(name: string): Promise<ConnectionCheckResult | undefined>;
    /** The instance's shared SDK client, for commands (absent: each run makes its own). */
    client?(name: string): DarktraceClient | undefined;
  };
  /** What /metrics reads and sets (the service's registry: src/metrics/index.ts). */
  metrics: { registry: Registry; storeSeq: Gauge; instanceUp: Gauge<'instance'> };
  /** The sinks' status (absent: no sink routes have anything to show). */
  deliverer?: { status(): Promise<SinkStatus[]>; notify?(): void };
  /**
   * This replica and the cluster it belongs to (GET /api/cluster): `status` is undefined on a single
   * node (SQLite) and while the leases are not yet running.
   */
  cluster?: {
    replica: string;
    /** The User-Agent this replica's requests to appliances carry (it names the replica). */
    userAgent?: string;
    /** On a PostgreSQL store: the service is one of the replicas sharing it. */
    clustered: boolean;
    status(): Promise<(ClusterStatus & { leaseSeconds: number }) | undefined>;
  };
  /** Extra facts for /healthz (data directory, simulated demo, ...). */
  about?: Record<string, unknown>;
  /** Host header names the API answers to (port excluded); absent: any. */
  allowedHosts?: string[];
  log?: { error(m: string): void };
  /** Instance management: how the running service applies a change, and which instances are read-only. */
  manage?: {
    /** Re-reads the stored instances into the collector (pollers started, restarted or stopped). */
    instancesChanged(): Promise<void>;
    /** The config file an instance is declared in (read-only here), if any. */
    declaredIn?(name: string): string | undefined;
  };
  /** Tighter limits (tests); the defaults are LIMITS. */
  limits?: Partial<Limits>;
  /** Where the built console is (default: dist/console beside the compiled server). */
  consoleDir?: string;
  /** Registers more routes on the same server (each needs `config.access`). */
  extend?: (app: FastifyInstance) => void;
}

export const LIMITS = {
  bodyBytes: 1 << 20,
  /** Nesting depth of a JSON body; deeper is refused before parsing. */
  jsonDepth: 64,
  paramLength: 1000,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  /** A connection that sends nothing for this long is closed (a half-sent request holds a socket). */
  idleTimeoutMs: 60_000,
  maxConnections: 10_000,
};

export type Limits = typeof LIMITS;
