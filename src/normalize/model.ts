// The canonical Detection: what every mapper produces and the only thing a renderer reads.
// Shaped after OCSF's finding classes (finding_info, analytic, attacks, device, evidences, status) so
// that the OCSF renderer is a thin projection, while keeping what ECS, CEF and LEEF need.
// Times are epoch milliseconds UTC (numbers are cheaper to carry than strings; renderers format).

export type Family =
  | 'model_breach'
  | 'ai_analyst'
  | 'system_status'
  | 'audit'
  | 'respond_action'
  | 'email_alert';

export const FAMILIES: readonly Family[] = [
  'model_breach',
  'ai_analyst',
  'system_status',
  'audit',
  'respond_action',
  'email_alert',
];

/** 0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical: the OCSF severity_id scale. */
export type SeverityId = 0 | 1 | 2 | 3 | 4 | 5;
export type SeverityLabel = 'Unknown' | 'Informational' | 'Low' | 'Medium' | 'High' | 'Critical';

/** Where the record came from: the poller passes `api`; the framing step fills `syslog`. */
export interface Origin {
  source: 'api' | 'syslog' | 'file' | 'stdin' | 'unknown';
  format: 'json' | 'cef';
  syslog?: SyslogHeader;
}

export interface SyslogHeader {
  rfc: 3164 | 5424 | 0; // 0: bare `darktrace {json}` app-name prefix, no header
  priority?: number;
  facility?: number;
  severity?: number;
  version?: number;
  timestamp?: string; // as received
  time?: number; // parsed, ms UTC when it could be
  hostname?: string;
  appname?: string;
}

export interface DeviceInfo {
  /** Darktrace device id (`did`); negative for the System device and grouped externals. */
  id?: number;
  /** Subnet id (`sid`); -9 marks SaaS users. */
  subnetId?: number;
  ips: string[];
  hostname?: string;
  /** AIA `identifier`, `devicelabel` or the `label` of a test alert: the name an analyst sees. */
  name?: string;
  label?: string;
  mac?: string;
  vendor?: string;
  type?: string; // typename: desktop, laptop, server, ...
  typeLabel?: string;
  os?: string;
  tags: string[];
  subnet?: string;
  firstSeen?: number;
  lastSeen?: number;
  /** `SaaS::<service>: <user>` hostnames, split. */
  saas?: { service: string; user: string };
}

export interface Asn {
  number?: number;
  name?: string;
}

/** Things an analyst pivots on. Arrays are de-duplicated and keep first-seen order. */
export interface Observables {
  sourceIps: string[];
  sourceHosts: string[];
  sourcePorts: number[];
  destinationIps: string[];
  destinationHosts: string[];
  destinationPorts: number[];
  /** Other addresses and names mentioned (scanned ranges, related devices) that are not src/dst. */
  relatedIps: string[];
  relatedHosts: string[];
  asns: Asn[];
  ja3: string[];
  uris: string[];
  userAgents: string[];
  httpMethods: string[];
  users: string[];
  bytesIn?: number;
  bytesOut?: number;
}

export interface Tactic {
  id?: string; // TA0010
  name: string; // exfiltration
}

export interface Technique {
  id: string; // T1567.002
  name?: string;
}

export interface Analytic {
  uid?: string; // model uuid
  id?: string; // model pid
  name?: string;
  version?: string;
  category?: string; // Darktrace category (Critical, Suspicious, ...)
  description?: string;
  author?: string;
  /** Who last edited the model (`edited.by`), unless Darktrace's placeholder "Nobody". */
  editedBy?: string;
  tags: string[];
}

export interface Scores {
  /** Model breach score 0–1 (the device score when polled with group=device). */
  score?: number;
  pbscore?: number;
  percentscore?: number;
  devicescore?: number;
  devicepercentscore?: number;
  /** Model priority 0–5. */
  priority?: number;
  aiaScore?: number; // 0–100
  groupScore?: number; // 0–100, parsed from number or numeric string
  /** System status priority 0–100 and its level. */
  statusPriority?: number;
  priorityLevel?: string;
  /** A 0–100 view of the main score of each family, for fields that want one number. */
  normalized?: number;
}

export interface State {
  acknowledged: boolean;
  acknowledgedBy?: string;
  acknowledgedAt?: number;
  commentCount?: number;
  pinned?: boolean;
  /** System status lifecycle (active / acknowledged / resolved), lower-cased. */
  status?: string;
}

export interface RelatedBreach {
  pbid: number;
  modelName?: string;
  threatScore?: number;
  time?: number;
}

export interface Related {
  breaches: RelatedBreach[];
  /** AI Analyst incident (group) id, `g…` or uuid. */
  group?: string;
  groupCategory?: string;
  previousGroups: string[];
  children: string[];
  /** AI Analyst events that reference this breach (`aianalystData[].uuid`). */
  incidents: string[];
  activityId?: string;
}

/**
 * One state of a RESPOND (Antigena) action. Darktrace's syslog names the change (`CREATE`, `CONFIRM`,
 * `EXTEND`, `CLEAR`, `EXPIRE`, `REACTIVATE_*`); a `GET /antigena` object is read for the state it is in.
 */
export type RespondState =
  | 'created' // proposed, waiting for a human to confirm it (RESPOND in human-confirmation mode)
  | 'confirmed' // a human approved a proposed action
  | 'activated' // in force (autonomous, or manual from the UI/API)
  | 'extended' // in force, with a new expiry
  | 'reactivated' // a cleared or expired action put back in force
  | 'cleared' // ended early by a human
  | 'expired' // ended at its expiry
  | 'unknown';

export interface RespondAction {
  /** Darktrace's action id (`codeid`). */
  codeId?: number;
  /** The action kind: `quarantine`, `connection`, `pol`, `gpol`, `quarantineOutgoing`, … */
  action: string;
  /** Darktrace's wording of it (`label` / `inhibitor`): "Quarantine device", "Block matching connections". */
  label?: string;
  state: RespondState;
  /** `NETWORK`, `EMAIL`, `FIREWALL`, … (`action_family`). */
  actionFamily?: string;
  /** The user who made this state change: approved, created, extended or cleared it. */
  user?: string;
  reason?: string;
  /** Created by a user rather than by a model breach. */
  manual?: boolean;
  active?: boolean;
  start?: number;
  expires?: number;
  /** What exactly is blocked (`detail`), e.g. a connection description. */
  detail?: string;
}

export interface EmailAttachment {
  name?: string;
  sha1?: string;
  sha256?: string;
  size?: number;
  mimeType?: string;
}

export interface EmailRecipient {
  address: string;
  /** Darktrace's per-recipient state: `held`, `delivered`, `released`, … */
  status?: string;
  actions: string[];
  tags: string[];
}

/** A Darktrace /EMAIL alert: one scored message and what was done to it. */
export interface EmailInfo {
  /** Darktrace's message uuid (`…-….1`). */
  uuid?: string;
  /** RFC 5322 Message-ID, angle brackets removed. */
  messageId?: string;
  /** inbound / outbound / internal, lower-cased as Darktrace sends them. */
  direction?: string;
  from?: string;
  fromName?: string;
  to: string[];
  cc: string[];
  subject?: string;
  recipients: EmailRecipient[];
  attachments: EmailAttachment[];
  attachmentCount?: number;
  /** Full links when the record carries them, and their host names. */
  links: string[];
  linkHosts: string[];
  linkCount?: number;
  /** Darktrace tags (union over recipients) and actions taken (union over recipients). */
  tags: string[];
  actions: string[];
  /** Darktrace's reasoning sentences for the score. */
  summary: string[];
}

export interface Detection {
  /** Stable key: a new content hash under the same key is a new version of the same detection. */
  key: { instance: string; family: Family; id: string };
  /** `instance/family/id`, the key as one string. */
  uid: string;
  /** Hash of the fields that change over a detection's life (ack, comments, scores, group, status). */
  hash: string;
  /** Set by the store: 'update' when this key was seen before with another hash. */
  activity: 'create' | 'update';
  origin: Origin;

  time?: number; // when the activity happened
  created?: number; // when Darktrace created the record
  firstSeen?: number;
  lastSeen?: number;
  updated?: number;

  title: string;
  description?: string;
  /** A short category for the detection (model name's first part, AIA category, ...). */
  category?: string;
  /** Darktrace's own category of the alert, lower-cased (critical, suspicious, ...). */
  dtCategory?: string;
  analytic?: Analytic;

  severity: SeverityId;
  severityLabel: SeverityLabel;
  scores: Scores;

  devices: DeviceInfo[];
  observables: Observables;
  tactics: Tactic[];
  techniques: Technique[];

  /** Link back to the Threat Visualizer (or the status page). */
  url?: string;
  state: State;
  related: Related;

  /** RESPOND family: the action and this state of it. */
  respond?: RespondAction;
  /** /EMAIL family: the message. */
  email?: EmailInfo;

  /** Small, already-normalised family-specific facts that have no common home (rendered as darktrace.*). */
  vendor: Record<string, unknown>;
  /** The record as received (parsed JSON, or the parsed CEF fields). */
  raw: unknown;
}

export function emptyObservables(): Observables {
  return {
    sourceIps: [],
    sourceHosts: [],
    sourcePorts: [],
    destinationIps: [],
    destinationHosts: [],
    destinationPorts: [],
    relatedIps: [],
    relatedHosts: [],
    asns: [],
    ja3: [],
    uris: [],
    userAgents: [],
    httpMethods: [],
    users: [],
  };
}

export function emptyRelated(): Related {
  return { breaches: [], previousGroups: [], children: [], incidents: [] };
}
