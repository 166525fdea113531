// The simulator's public shapes: its start options, its switchable faults, its state report and the
// handle `startSimulator` returns. Re-exported by index.ts (the `./simulator` package export).
import type { AiaIncidentEvent, ModelBreach } from '../darktrace/types.ts';
import type { SimContext } from './handlers/context.ts';
import type { SyslogFormat, SyslogPushOptions, SyslogRecord } from './syslog.ts';

export interface SimulatorOptions {
  /** 0 = ephemeral (default 0). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  publicToken: string;
  privateToken: string;
  /** Extra users. `denied`: catalog names ('modelBreaches.acknowledge') or path prefixes ('/antigena'). */
  tokens?: { publicToken: string; privateToken: string; denied?: string[]; deniedStatus?: 302 | 403 }[];
  /** Default 1. */
  seed?: number;
  /** Clock injection for tests (default Date.now). */
  now?: () => number;
  /** Breaches already there at start, spread over the last `days` (default 2000 over 7 days). */
  history?: { count: number; days: number };
  /** Devices the appliance knows in all (default: the seeded network, about 330); up to ~65,000 more in a `Campus` subnet. */
  devices?: number;
  /** Live arrival rate of new breaches after start (default 2 a minute; 0 = none). */
  ratePerMinute?: number;
  /** Upper bound of creationTime - time (default 15 minutes; most lags are seconds). */
  maxCreationLagMinutes?: number;
  /** Serve HTTPS. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  faults?: Partial<Faults>;
  logger?: boolean;
  /** Host name used in breachUrl and incidentEventUrl (default the appliance's name). */
  hostname?: string;
  /** How long a PCAP stays pending (default 3000 ms). */
  pcapReadyMs?: number;
  /** pbid of the oldest history breach (default derived from the seed, around 1000–11000). */
  firstPbid?: number;
  /** Answer breach (un)acknowledge as a Unified View master does (`[{replicate, data}]`). */
  unifiedView?: boolean;
  /**
   * Darktrace /EMAIL: new messages an hour after start (default 10), and which of the two base paths
   * (§15) to serve (default both, as versions differ; one alone tests a client's fallback).
   */
  email?: { perHour?: number; basePaths?: ('/agemail/api/v1.0' | '/agemail/api/ep/api/v1.0')[] };
  /** Push the live stream (breaches, AI Analyst events, RESPOND changes, e-mail alerts) to syslog. */
  syslog?: SyslogPushOptions;
}

export interface Faults {
  latencyMs: number;
  /** Share of API requests (0..1) answered with errorStatus instead. */
  errorRate: number;
  errorStatus: 500 | 503 | 429;
  retryAfterSeconds: number;
  /** Share of API requests (0..1) whose body is cut in the middle. */
  truncateRate: number;
  /** Shifts the server clock: DTAPI-Date is judged against it and the Date header shows it. */
  clockSkewSeconds: number;
  /** Public tokens answered as unknown (302 /login). */
  revokedTokens: string[];
  /** Share of DELETEs (0..1) that apply the change and then answer 502, as one 7.1 lab did. */
  deleteBadGatewayRate: number;
}

export interface SimulatorState {
  url: string;
  now: number;
  serverNow: number;
  faults: Faults;
  breaches: { history: number; live: number; injected: number; newestPbid: number; pbidBase: number };
  aiAnalyst: { injected: number; changed: number };
  acknowledgedOverlay: number;
  antigenaActions: number;
  pcaps: number;
  requests: number;
}

export interface Simulator {
  url: string;
  port: number;
  close(): Promise<void>;
  setFaults(f: Partial<Faults>): void;
  resetFaults(): void;
  faults(): Faults;
  injectBreach(partial?: object): ModelBreach;
  injectAiaEvent(partial?: object): AiaIncidentEvent;
  /** Sets the group score shown by an event's group (number, or numeric string as some appliances send). */
  setGroupScore(eventIdOrGroupId: string, score: number | string): boolean;
  /** Patches an AI Analyst event (acknowledged, pinned, aiaScore, currentGroup, groupScore). */
  updateAiaEvent(
    id: string,
    patch: {
      acknowledged?: boolean;
      pinned?: boolean;
      aiaScore?: number;
      currentGroup?: string;
      groupScore?: number | string;
    },
  ): boolean;
  state(): SimulatorState;
  /**
   * What the appliance sends on syslog in (since, until] (epoch ms; until defaults to now): records, and
   * the framed lines (RFC 5424 unless `format: 'rfc3164'`).
   */
  syslog(o: { since: number; until?: number; format?: SyslogFormat }): {
    records: SyslogRecord[];
    lines: string[];
  };
  /**
   * The API requests that ended at or after `since` (epoch ms, default all): User-Agent, method, path,
   * status, start and end. Tests read it to see which client asked what, and when.
   */
  requestLog(since?: number): RequestRecord[];
  /** Lines pushed so far with the `syslog` option, and a way to push what is due now. */
  syslogPush?: { sent(): number; flush(): Promise<void> };
  /** The data model, for tests that need to know what the simulator will answer. */
  readonly sim: SimContext;
}

/** One API request: who sent it (its User-Agent) and when it started and ended, in epoch ms. */
export interface RequestRecord {
  userAgent: string;
  method: string;
  /** The path without the query. */
  path: string;
  status: number;
  start: number;
  end: number;
}
