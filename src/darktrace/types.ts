// Payload types of the Threat Visualizer API, as read from the fixtures and the API doc. They tolerate
// the documented drift: `acknowledged` is a boolean or an object, `groupScore` a number or a numeric
// string, `model` flat or `then/now`, `did` negative for the system device and grouped externals.
// Fields the appliance may omit are optional; unknown extra fields are allowed everywhere.

export type Millis = number;
export type Acknowledged = false | true | { time?: Millis; username: string };

export interface DeviceIp {
  ip: string;
  timems: Millis;
  time: string;
  sid: number;
}

export interface Device {
  did: number;
  id?: number;
  ip?: string;
  ips?: DeviceIp[];
  sid?: number;
  hostname?: string;
  macaddress?: string;
  vendor?: string;
  devicelabel?: string;
  typename?: string;
  typelabel?: string;
  os?: string;
  priority?: number;
  firstSeen?: Millis;
  lastSeen?: Millis;
  /** `/devices` says `time`/`endtime` where every other endpoint says `firstSeen`/`lastSeen`. */
  time?: Millis;
  endtime?: Millis;
  credentials?: { credential: string; lastSeen: Millis }[];
  tags?: Tag[];
  score?: number;
  [key: string]: unknown;
}

export interface ModelMitre {
  tactics: string[];
  techniques: string[];
}

export interface Model {
  name: string;
  pid: number;
  phid: number;
  uuid: string;
  logic: { data: unknown[]; type: string; targetScore?: number; version: number };
  throttle: number;
  sharedEndpoints: boolean;
  actions: Record<string, unknown>;
  tags: string[];
  interval: number;
  delay?: number;
  sequenced?: boolean;
  active: boolean;
  modified: string;
  activeTimes?: unknown;
  autoUpdatable?: boolean;
  autoUpdate?: boolean;
  autoSuppress?: boolean;
  description: string;
  behaviour: string;
  defeats: unknown[];
  created: { by: string };
  edited: { by: string };
  history?: { modified: string; active: boolean; message: string; by: string; phid: number }[];
  message?: string;
  version: number;
  priority: number;
  category?: string;
  compliance?: boolean;
  mitre?: ModelMitre;
  [key: string]: unknown;
}

export interface TriggeredFilter {
  cfid: number;
  id: string;
  filterType: string;
  arguments: { value: unknown };
  comparatorType: string;
  trigger: { value: unknown };
}

export interface TriggeredComponent {
  time: Millis;
  cbid: number;
  cid: number;
  chid: number;
  size: number;
  threshold: number;
  interval: number;
  logic: unknown;
  metric: { mlid: number; name: string; label: string };
  device?: Device;
  triggeredFilters: TriggeredFilter[];
  [key: string]: unknown;
}

export interface ModelBreach {
  pbid: number;
  time: Millis;
  creationTime: Millis;
  commentCount: number;
  score: number;
  pbscore?: number;
  percentscore?: number;
  devicepercentscore?: number;
  acknowledged: Acknowledged;
  model: Model | { then: Model; now: Model };
  triggeredComponents: Partial<TriggeredComponent>[];
  device?: Device;
  breachUrl?: string;
  mitreTechniques?: { technique: string; techniqueID: string }[];
  [key: string]: unknown;
}

export interface BreachComment {
  message: string;
  username: string;
  time: Millis;
  pid: number;
  pbid?: number;
  name?: string;
  commentid?: number;
}

export interface AiaBreachDevice {
  identifier: string | null;
  hostname: string | null;
  ip: string | null;
  mac: string | null;
  subnet: string | null;
  did: number;
  sid: number;
}

export interface AiaRelatedBreach {
  modelName: string;
  pbid: number;
  threatScore: number;
  timestamp: Millis;
}

export interface AiaIncidentEvent {
  id: string;
  title: string;
  summary: string;
  summariser: string;
  createdAt: Millis;
  aiaScore: number;
  category: string;
  groupCategory: string;
  currentGroup: string;
  groupScore: number | string;
  groupPreviousGroups: string[] | null;
  acknowledged: boolean;
  pinned: boolean;
  userTriggered: boolean;
  externalTriggered: boolean;
  attackPhases: number[];
  mitreTactics: string[];
  periods: { start: Millis; end: Millis }[];
  breachDevices: AiaBreachDevice[];
  relatedBreaches: AiaRelatedBreach[];
  details: unknown[];
  children: string[];
  incidentEventUrl?: string;
  [key: string]: unknown;
}

export interface AiaGroup {
  id: string;
  active: boolean;
  acknowledged: boolean;
  pinned: boolean;
  userTriggered: boolean;
  externalTriggered: boolean;
  previousIds: string[];
  incidentEvents: { uuid: string; start: Millis; title: string; triggerDid?: number; visible: boolean }[];
  mitreTactics: string[];
  devices: number[];
  initialDevices: number[];
  category: string;
  groupScore: number | string;
  start: Millis;
  end: Millis;
  edges: unknown[];
  [key: string]: unknown;
}

export interface AiaComment {
  username: string;
  time: Millis;
  incident_id: string;
  message: string;
}

export type AntigenaActionType =
  | 'connection'
  | 'pol'
  | 'gpol'
  | 'quarantine'
  | 'quarantineOutgoing'
  | 'quarantineIncoming';

export interface AntigenaAction {
  codeid: number;
  did: number;
  ip: string;
  action: string;
  label: string;
  detail: string;
  manual: boolean;
  triggerer: null | { username: string; reason: string };
  score: number;
  pbid: number | null;
  model: string;
  modeluuid: string;
  start: Millis;
  /** A float number of ms on real appliances. */
  expires: number;
  /** A string of ms on real appliances. */
  updated: string;
  blocked: boolean;
  agemail: boolean;
  aghost: boolean;
  active: boolean;
  cleared: boolean;
  history?: { family: string; username: string; action: string; reason: string; time: Millis }[];
  [key: string]: unknown;
}

export interface Pcap {
  tmqid: number;
  /** Epoch seconds. */
  startTime: number;
  endTime: number;
  filename: string;
  index: number;
  l3proto: string;
  ip1: string;
  port1: number | null;
  ip2: string | null;
  port2: number | null;
  start: number;
  end: number;
  state: 'pending' | 'finished';
}

export interface Tag {
  tid: number;
  expiry: number;
  thid: number;
  name: string;
  restricted: boolean;
  data: { auto: boolean; color: number; description: string; visibility: string };
  isReferenced: boolean;
  [key: string]: unknown;
}

export interface TagEntity {
  teid: number;
  tehid: number;
  tid: number;
  thid: number;
  entityType: 'Device' | 'Credential';
  entityValue: string;
  valid: boolean;
  expiry: number;
}

export interface Component {
  cid: number;
  chid: number;
  mlid: number;
  threshold: number;
  interval: number;
  logic: unknown;
  filters: unknown[];
  active: boolean;
  [key: string]: unknown;
}

export interface Subnet {
  sid: number;
  network: string;
  label: string;
  firstSeen: Millis;
  lastSeen: Millis;
  [key: string]: unknown;
}

export interface Metric {
  mlid: number;
  name: string;
  label: string;
  units: string;
  filtertypes: string[];
  unitsinterval: number;
  lengthscale: number;
}

export interface FilterType {
  filtertype: string;
  valuetype: string;
  graphable?: boolean;
  comparators: string[];
}

export interface MetricSeries {
  metric: string;
  data: { time: string; timems: Millis; size: number; in: number; out: number }[];
  breachtimes?: { pid: number; pbid: number; score: number; name: string; time: Millis }[];
}

export type SuccessResponse = { response: 'SUCCESS' } | Record<string, unknown> | unknown[];
export type AiaSuccessResponse = { aianalyst: 'SUCCESS' } | { response: 'SUCCESS' };

export interface Status {
  time: string;
  version: string;
  hostname: string;
  uuid: string;
  [key: string]: unknown;
}

export type DetailRecord = Record<string, unknown> & { time: string; timems: Millis; eventType?: string };
export type EndpointDetails = Record<string, unknown>;
export type Enums = Record<string, { code: string; name: string }[]>;

export interface AdvancedSearchQuery {
  search: string;
  fields: string[];
  offset: number;
  timeframe: string;
  time?: { from: string; to: string; user_interval: string };
  size: number;
  [key: string]: unknown;
}

/** Advanced Search analyze operations (§14): `/analyze/{field}/{operation}/{b64}`. */
export type AdvancedSearchOperation = 'terms' | 'mean' | 'trend' | 'score';

/** An Advanced Search answer: Elasticsearch-like hits, aggregations for terms/mean/graph (§14). */
export interface AdvancedSearchResult {
  took: number;
  timed_out: boolean;
  _shards: { total: number; successful: number; skipped: number; failed: number };
  hits: { total: number; max_score: number | null; hits: Record<string, unknown>[] };
  aggregations?: Record<string, unknown>;
  kibana?: Record<string, unknown>;
  darktraceChildError?: string;
  [key: string]: unknown;
}

/** `GET /intelfeed?fulldetails=true` entries (§13). */
export interface IntelFeedEntry {
  name: string;
  description: string;
  /** Expiry as the appliance returns it (a date string, or empty when none). */
  expiry: string;
  strength: number;
  iagn: boolean;
  [key: string]: unknown;
}

/** `POST /intelfeed` answer (xsoar/watched_list_post.json). */
export interface IntelFeedUpdateResponse {
  added: number;
  response: string;
  updated: number;
  [key: string]: unknown;
}

/** `GET /aianalyst/investigations` item (§7.5); `time` and `investigationTime` in epoch seconds. */
export interface AiaInvestigation {
  investigationId: string;
  time: number;
  investigationTime: number;
  did: number;
  status: 'pending' | 'processing' | 'finished';
  createdBy: string;
  pbid?: number;
  incidentId?: string;
  incidents?: { uuid: string; related: number[]; summariser: string }[];
  [key: string]: unknown;
}

/** One recipient of a Darktrace /EMAIL message (xsoar/get_email.json). */
export interface EmailRecipient {
  rcpt_to: string;
  rcpt_status: string;
  tags: string[];
  is_read: boolean;
  rcpt_actions_taken: string[];
  action_status: boolean;
  is_group_email: boolean;
  /** Only on the single-e-mail read. */
  summary?: string[];
  requestedRelease?: unknown;
  [key: string]: unknown;
}

/** A Darktrace /EMAIL message: the search summary, and with `summary`/`campaign_id` the single read. */
export interface Email {
  uuid: string;
  direction: string;
  /** ISO 8601. */
  dtime: string;
  dtime_unix: Millis;
  header_from: string;
  header_from_personal?: string;
  header_from_email: string;
  header_subject: string;
  in_progress: boolean;
  n_links: number;
  n_attachments: number;
  model_score: number;
  campaign_id?: string | null;
  rcpts: EmailRecipient[];
  restricted_recipients: string[];
  [key: string]: unknown;
}

/** `POST …/emails/search` criteria (XS-EM filter names). */
export interface EmailSearchBody {
  page?: number;
  itemsPerPage?: number;
  /** Epoch seconds. */
  timeFrom?: number;
  timeTo?: number;
  query?: {
    criteriaList: { apiFilter: string; value: string; operator: string }[];
    mode: 'and' | 'or';
  };
}

/** `POST …/emails/{uuid}/action` answer (xsoar/hold_email.json, release_email.json). */
export interface EmailActionResponse {
  code?: number;
  resp: string;
  [key: string]: unknown;
}

/** `GET …/resources/tags` item (xsoar/get_tags.json). */
export interface EmailTag {
  tag_id: string;
  name: string;
  description: string;
  status: 'info' | 'warn' | 'critical';
  readable_status: string;
  category: string;
}
