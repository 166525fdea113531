// The endpoint catalog: every Threat Visualizer call this product makes, declared once. Each entry's
// parameter schema gives both its TypeScript type and the runtime list the request builder accepts
// (schema.ts). The SDK's methods (client.ts), the simulator's routes (simulator/routes.ts) and the
// coverage report (`dtc endpoints`) are all derived from this table, so they cannot drift apart.
import {
  type Answer,
  type AnswerOf,
  binary,
  json,
  optional,
  type ParamShape,
  type ParamsOf,
  required,
} from './schema.ts';
import type * as T from './types.ts';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
/** How parameters travel: in the query (`none`), as a form body, or as a JSON body. */
export type BodyKind = 'none' | 'form' | 'json';
/** Query and form values are scalars or lists; JSON bodies may also carry objects. */
export type ParamValue =
  | string
  | number
  | boolean
  | readonly unknown[]
  | { readonly [key: string]: unknown }
  | null
  | undefined;
export type Params = { [key: string]: ParamValue };

export interface EndpointSpec {
  method: HttpMethod;
  /** Path with `{name}` placeholders filled from the parameters of the same name. */
  path: string;
  body: BodyKind;
  /** Every parameter the call takes (path placeholders included); the request builder refuses others. */
  params: readonly string[];
  /** The same parameters with whether each is required (the type of each lives in `Endpoint`). */
  schema: ParamShape;
  summary: string;
  doc: string;
  /** `binary` for PCAP downloads; everything else answers JSON. */
  returns: 'json' | 'binary';
  /**
   * Other paths that serve the same call on some appliance versions (the two /EMAIL base paths, §15).
   * The simulator serves every one; the SDK tries `path` first and falls back to these on a 302 /login.
   */
  altPaths?: readonly string[];
}

/** A catalog entry with its parameter and response types attached (types only, no runtime cost). */
export interface Endpoint<P = Params, R = unknown> extends EndpointSpec {
  readonly params: readonly (keyof P & string)[];
  readonly __types?: { params: P; response: R };
}

/** Declares an entry: the `params` schema becomes the runtime name list and the parameter type. */
function ep<const S extends ParamShape, A extends Answer>(
  spec: Omit<EndpointSpec, 'params' | 'schema' | 'returns'> & { params: S; returns: A },
): Endpoint<ParamsOf<S>, AnswerOf<A>> {
  const params = Object.keys(spec.params) as (keyof ParamsOf<S> & string)[];
  return { ...spec, schema: spec.params, params };
}

/** The two /EMAIL base paths in use (§15): XS-EM's, and the SDK's and the transcribed guide's. */
export const EMAIL_BASE = '/agemail/api/v1.0';
export const EMAIL_BASE_EP = '/agemail/api/ep/api/v1.0';
const email = (rest: string) => ({ path: `${EMAIL_BASE}${rest}`, altPaths: [`${EMAIL_BASE_EP}${rest}`] });

type Bool = boolean | 'true' | 'false';
const num = optional<number>();
const str = optional<string>();
const bool = optional<Bool>();
const responsedata = str;
const seensince = optional<string | number>();
const window = { starttime: num, endtime: num, from: str, to: str };
/** Port and protocol filters shared by /details and /metricdata (§10.7, §10.8). */
const traffic = {
  port: num,
  sourceport: num,
  destinationport: num,
  protocol: str,
  applicationprotocol: str,
  ddid: num,
  odid: num,
};

const breachQuery = {
  ...window,
  creationtime: bool,
  minscore: num,
  did: num,
  pid: num,
  pbid: optional<number | readonly number[]>(),
  uuid: str,
  includeacknowledged: bool,
  includesuppressed: bool,
  expandenums: bool,
  historicmodelonly: bool,
  includebreachurl: bool,
  minimal: bool,
  deviceattop: bool,
  saasonly: bool,
  /** `office365*`-style wildcard (trailing `*` required); the appliance takes it repeated. */
  saasfilter: str,
  group: optional<'device'>(),
  responsedata,
  count: num,
};
/** §7.1's filters; /aianalyst/groups names the category filters without the `group` prefix (§7.2). */
const aiaQuery = {
  starttime: num,
  endtime: num,
  includeacknowledged: bool,
  includeallpinned: bool,
  includeonlypinned: bool,
  includeincidenteventurl: bool,
  locale: str,
  minscore: num,
  maxscore: num,
  mingroupscore: num,
  maxgroupscore: num,
  did: num,
  excludedid: num,
  sid: num,
  excludesid: num,
  master: num,
  saasonly: bool,
  groupid: str,
  uuid: str,
};
const uuids = { uuid: required<string | readonly string[]>() };

export const endpoints = {
  modelBreaches: {
    list: ep({
      method: 'GET',
      path: '/modelbreaches',
      body: 'none',
      params: breachQuery,
      returns: json<T.ModelBreach[]>(),
      doc: '§6.1',
      summary:
        'Search model breaches in a time window (on `time`, or on `creationTime` with creationtime=true)',
    }),
    get: ep({
      method: 'GET',
      path: '/modelbreaches/{pbid}',
      body: 'none',
      params: { ...breachQuery, pbid: required<number>() },
      returns: json<T.ModelBreach>(),
      doc: '§6.1',
      summary: 'One model breach by pbid',
    }),
    acknowledge: ep({
      method: 'POST',
      path: '/modelbreaches/{pbid}/acknowledge',
      body: 'form',
      params: { pbid: required<number>(), acknowledge: optional<'true'>() },
      returns: json<T.SuccessResponse>(),
      doc: '§6.2',
      summary: 'Acknowledge a model breach',
    }),
    unacknowledge: ep({
      method: 'POST',
      path: '/modelbreaches/{pbid}/unacknowledge',
      body: 'form',
      params: { pbid: required<number>(), unacknowledge: optional<'true'>() },
      returns: json<T.SuccessResponse>(),
      doc: '§6.2',
      summary: 'Unacknowledge a model breach',
    }),
    comments: ep({
      method: 'GET',
      path: '/modelbreaches/{pbid}/comments',
      body: 'none',
      params: { pbid: required<number>(), responsedata },
      returns: json<T.BreachComment[]>(),
      doc: '§6.3',
      summary: 'Comments on a model breach',
    }),
    addComment: ep({
      method: 'POST',
      path: '/modelbreaches/{pbid}/comments',
      body: 'json',
      params: { pbid: required<number>(), message: required<string>() },
      returns: json<T.BreachComment[] | T.SuccessResponse>(),
      doc: '§6.3',
      summary: 'Add a comment to a model breach',
    }),
    searchComments: ep({
      method: 'GET',
      path: '/mbcomments',
      body: 'none',
      params: { ...window, count: num, pbid: num, responsedata },
      returns: json<T.BreachComment[]>(),
      doc: '§6.3',
      summary: 'Model breach comments across breaches, by time window or pbid',
    }),
  },
  aiAnalyst: {
    incidentEvents: ep({
      method: 'GET',
      path: '/aianalyst/incidentevents',
      body: 'none',
      params: { ...aiaQuery, groupcompliance: bool, groupsuspicious: bool, groupcritical: bool },
      returns: json<T.AiaIncidentEvent[]>(),
      doc: '§7.1',
      summary: 'AI Analyst incident events (default: the last 7 days, plus pinned ones)',
    }),
    groups: ep({
      method: 'GET',
      path: '/aianalyst/groups',
      body: 'none',
      params: { ...aiaQuery, compliance: bool, suspicious: bool, critical: bool, includegroupurl: bool },
      returns: json<T.AiaGroup[]>(),
      doc: '§7.2',
      summary: 'AI Analyst incident groups; with uuid=<event id>, the group holding that event',
    }),
    acknowledge: ep({
      method: 'POST',
      path: '/aianalyst/acknowledge',
      body: 'form',
      params: uuids,
      returns: json<T.AiaSuccessResponse>(),
      doc: '§7.3',
      summary: 'Acknowledge AI Analyst incident events (comma-separated uuids)',
    }),
    unacknowledge: ep({
      method: 'POST',
      path: '/aianalyst/unacknowledge',
      body: 'form',
      params: uuids,
      returns: json<T.AiaSuccessResponse>(),
      doc: '§7.3',
      summary: 'Unacknowledge AI Analyst incident events',
    }),
    pin: ep({
      method: 'POST',
      path: '/aianalyst/pin',
      body: 'form',
      params: uuids,
      returns: json<T.AiaSuccessResponse>(),
      doc: '§7.3',
      summary: 'Pin AI Analyst incident events',
    }),
    unpin: ep({
      method: 'POST',
      path: '/aianalyst/unpin',
      body: 'form',
      params: uuids,
      returns: json<T.AiaSuccessResponse>(),
      doc: '§7.3',
      summary: 'Unpin AI Analyst incident events',
    }),
    comments: ep({
      method: 'GET',
      path: '/aianalyst/incident/comments',
      body: 'none',
      params: { incident_id: required<string>(), responsedata },
      returns: json<{ comments: T.AiaComment[] }>(),
      doc: '§7.4',
      summary: 'Comments on an AI Analyst incident event',
    }),
    addComment: ep({
      method: 'POST',
      path: '/aianalyst/incident/comments',
      body: 'json',
      params: { incident_id: required<string>(), message: required<string>() },
      returns: json<T.AiaSuccessResponse>(),
      doc: '§7.4',
      summary: 'Comment on an AI Analyst incident event',
    }),
    investigations: ep({
      method: 'GET',
      path: '/aianalyst/investigations',
      body: 'none',
      params: { starttime: num, endtime: num, investigationId: str, responsedata },
      returns: json<T.AiaInvestigation[]>(),
      doc: '§7.5',
      summary: 'AI Analyst investigations (times in epoch seconds), all or one by investigationId',
    }),
    investigate: ep({
      method: 'POST',
      path: '/aianalyst/investigations',
      body: 'json',
      params: { did: required<number>(), investigateTime: required<string>() },
      returns: json<{ investigationId: string }>(),
      doc: '§7.5',
      summary: 'Start an AI Analyst investigation of a device around a time (epoch seconds as text)',
    }),
  },
  antigena: {
    list: ep({
      method: 'GET',
      path: '/antigena',
      body: 'none',
      params: {
        fulldevicedetails: bool,
        includecleared: bool,
        includehistory: bool,
        needconfirming: bool,
        includeconnections: bool,
        ...window,
        pbid: num,
        did: num,
        responsedata,
      },
      returns: json<
        T.AntigenaAction[] | { actions: T.AntigenaAction[]; devices?: T.Device[]; connections?: unknown[] }
      >(),
      doc: '§8.1',
      summary: 'RESPOND actions: active ones and those expired in the last 14 days',
    }),
    update: ep({
      method: 'POST',
      path: '/antigena',
      body: 'json',
      params: {
        codeid: required<number>(),
        activate: optional<boolean>(),
        clear: optional<boolean>(),
        duration: num,
        reason: str,
      },
      returns: json<T.SuccessResponse>(),
      doc: '§8.2',
      summary: 'Activate, clear, extend or reactivate a RESPOND action',
    }),
    create: ep({
      method: 'POST',
      path: '/antigena/manual',
      body: 'json',
      params: {
        did: required<number>(),
        action: required<T.AntigenaActionType>(),
        duration: required<number>(),
        reason: str,
        connections: optional<readonly { src: string; dst: string; port?: number }[]>(),
      },
      returns: json<{ codeid: number }>(),
      doc: '§8.3',
      summary: 'Create a manual RESPOND action on a device',
    }),
    summary: ep({
      method: 'GET',
      path: '/antigena/summary',
      body: 'none',
      params: { starttime: num, endtime: num },
      returns: json<{
        pendingCount: number;
        activeCount: number;
        pendingActionDevices: number[];
        activeActionDevices: number[];
      }>(),
      doc: '§8.4',
      summary: 'Counts of pending and active RESPOND actions',
    }),
  },
  pcaps: {
    list: ep({
      method: 'GET',
      path: '/pcaps',
      body: 'none',
      params: { responsedata },
      returns: json<T.Pcap[]>(),
      doc: '§9',
      summary: 'PCAP requests and their state',
    }),
    create: ep({
      method: 'POST',
      path: '/pcaps',
      body: 'json',
      params: {
        ip1: required<string>(),
        ip2: str,
        port1: num,
        port2: num,
        start: required<number>(),
        end: required<number>(),
        protocol: optional<'tcp' | 'udp'>(),
      },
      returns: json<T.Pcap>(),
      doc: '§9',
      summary: 'Request a packet capture (window at most 30 minutes, times in seconds)',
    }),
    download: ep({
      method: 'GET',
      path: '/pcaps/{filename}',
      body: 'none',
      params: { filename: required<string>() },
      returns: binary(),
      doc: '§9',
      summary: 'Download a finished capture (filename without the /tm/ prefix)',
    }),
  },
  devices: {
    list: ep({
      method: 'GET',
      path: '/devices',
      body: 'none',
      params: {
        did: num,
        ip: str,
        iptime: num,
        mac: str,
        seensince,
        sid: num,
        count: num,
        includetags: bool,
        cloudsecurity: bool,
        /** `office365*`-style wildcard over SaaS users (trailing `*` required). */
        saasfilter: str,
        responsedata,
      },
      returns: json<T.Device[] | T.Device>(),
      doc: '§10.1',
      summary: 'Devices seen recently (default 7 days); one object with did=',
    }),
    update: ep({
      method: 'POST',
      path: '/devices',
      body: 'json',
      params: { did: required<number>(), label: str, priority: num, type: num },
      returns: json<{ response: string; device?: T.Device }>(),
      doc: '§10.1',
      summary: 'Change a device’s label, priority (-5..5) or type',
    }),
    search: ep({
      method: 'GET',
      path: '/devicesearch',
      body: 'none',
      params: {
        count: num,
        orderBy: str,
        order: optional<'asc' | 'desc'>(),
        query: str,
        offset: num,
        seensince,
        responsedata,
      },
      returns: json<{ totalCount: number; devices: T.Device[] }>(),
      doc: '§10.2',
      summary: 'Search devices with paging',
    }),
    summary: ep({
      method: 'GET',
      path: '/devicesummary',
      body: 'none',
      params: { did: required<number>() },
      returns: json<{ data: Record<string, unknown> }>(),
      doc: '§10.3',
      summary: 'Everything about one device: itself, similar devices, details, device info, breaches',
    }),
    info: ep({
      method: 'GET',
      path: '/deviceinfo',
      body: 'none',
      params: {
        did: required<number>(),
        datatype: optional<'co' | 'sizeout' | 'sizein'>(),
        odid: num,
        externaldomain: str,
        port: num,
        fulldevicedetails: bool,
        showallgraphdata: bool,
        similardevices: num,
        intervalhours: num,
      },
      returns: json<{ deviceInfo: unknown[]; devices?: T.Device[] }>(),
      doc: '§10.4',
      summary: 'Connection and data volume graphs for a device',
    }),
    similar: ep({
      method: 'GET',
      path: '/similardevices',
      body: 'none',
      params: { did: required<number>(), count: num, fulldevicedetails: bool, token: str, responsedata },
      returns: json<T.Device[]>(),
      doc: '§10.5',
      summary: 'Devices that behave like the given one',
    }),
    metricData: ep({
      method: 'GET',
      path: '/metricdata',
      body: 'none',
      params: {
        metric: required<string>(),
        did: num,
        ...traffic,
        ...window,
        interval: num,
        breachtimes: bool,
        fulldevicedetails: bool,
      },
      returns: json<T.MetricSeries[]>(),
      doc: '§10.8',
      summary: 'Time series of a metric for a device',
    }),
  },
  details: {
    get: ep({
      method: 'GET',
      path: '/details',
      body: 'none',
      params: {
        did: num,
        pbid: num,
        msg: str,
        blockedconnections: str,
        eventtype: str,
        count: num,
        ...window,
        ...traffic,
        externalhostname: str,
        intext: optional<'internal' | 'external'>(),
        uid: str,
        deduplicate: bool,
        fulldevicedetails: bool,
        responsedata,
      },
      returns: json<T.DetailRecord[]>(),
      doc: '§10.7',
      summary: 'Connections, notices and history of a device or a breach (a breach first)',
    }),
  },
  endpointDetails: {
    get: ep({
      method: 'GET',
      path: '/endpointdetails',
      body: 'none',
      params: { ip: str, hostname: str, additionalinfo: bool, devices: bool, score: bool, responsedata },
      returns: json<T.EndpointDetails>(),
      doc: '§10.6',
      summary: 'What the appliance knows about an external IP or hostname',
    }),
  },
  models: {
    list: ep({
      method: 'GET',
      path: '/models',
      body: 'none',
      params: { uuid: str, responsedata },
      returns: json<T.Model[]>(),
      doc: '§11',
      summary: 'Model definitions (all, or one by uuid)',
    }),
    components: ep({
      method: 'GET',
      path: '/components',
      body: 'none',
      params: { responsedata },
      returns: json<T.Component[]>(),
      doc: '§11',
      summary: 'Model components',
    }),
    component: ep({
      method: 'GET',
      path: '/components/{cid}',
      body: 'none',
      params: { cid: required<number>() },
      returns: json<T.Component>(),
      doc: '§11',
      summary: 'One model component',
    }),
  },
  reference: {
    enums: ep({
      method: 'GET',
      path: '/enums',
      body: 'none',
      params: { responsedata },
      returns: json<T.Enums>(),
      doc: '§11',
      summary: 'Enumerated types (countries, protocols, device types, vendors, ...)',
    }),
    filterTypes: ep({
      method: 'GET',
      path: '/filtertypes',
      body: 'none',
      params: { responsedata },
      returns: json<T.FilterType[]>(),
      doc: '§11',
      summary: 'Filter types usable in model components',
    }),
    metrics: ep({
      method: 'GET',
      path: '/metrics',
      body: 'none',
      params: { responsedata },
      returns: json<T.Metric[]>(),
      doc: '§11',
      summary: 'Metrics',
    }),
    metric: ep({
      method: 'GET',
      path: '/metrics/{mlid}',
      body: 'none',
      params: { mlid: required<number>() },
      returns: json<T.Metric>(),
      doc: '§11',
      summary: 'One metric',
    }),
  },
  tags: {
    list: ep({
      method: 'GET',
      path: '/tags',
      body: 'none',
      params: { tag: str, responsedata },
      returns: json<T.Tag[]>(),
      doc: '§12',
      summary: 'Tags',
    }),
    create: ep({
      method: 'POST',
      path: '/tags',
      body: 'json',
      params: {
        name: required<string>(),
        data: required<{ description?: string; color?: number }>(),
      },
      returns: json<T.Tag>(),
      doc: '§12',
      summary: 'Create a tag',
    }),
    get: ep({
      method: 'GET',
      path: '/tags/{tid}',
      body: 'none',
      params: { tid: required<number>(), responsedata },
      returns: json<T.Tag>(),
      doc: '§12',
      summary: 'One tag',
    }),
    remove: ep({
      method: 'DELETE',
      path: '/tags/{tid}',
      body: 'none',
      params: { tid: required<number>() },
      returns: json<T.SuccessResponse>(),
      doc: '§12',
      summary: 'Delete a tag',
    }),
    entities: ep({
      method: 'GET',
      path: '/tags/entities',
      body: 'none',
      params: { did: num, tag: str, fulldevicedetails: bool, responsedata },
      returns: json<T.Tag[] | { entities: T.TagEntity[]; devices: T.Device[] } | T.TagEntity[]>(),
      doc: '§12',
      summary: 'Tags on a device (did=), or devices with a tag (tag=)',
    }),
    tagDevice: ep({
      method: 'POST',
      path: '/tags/entities',
      body: 'form',
      params: { did: required<number>(), tag: required<string>(), duration: num },
      returns: json<T.SuccessResponse | { tid: number }>(),
      doc: '§12',
      summary: 'Tag a device (optionally for a duration in seconds)',
    }),
    untagDevice: ep({
      method: 'DELETE',
      path: '/tags/entities',
      body: 'none',
      params: { did: required<number>(), tag: required<string>() },
      returns: json<T.SuccessResponse>(),
      doc: '§12',
      summary: 'Remove a tag from a device',
    }),
    tagEntities: ep({
      method: 'GET',
      path: '/tags/{tid}/entities',
      body: 'none',
      params: { tid: required<number>(), fulldevicedetails: bool, responsedata },
      returns: json<T.TagEntity[] | { entities: T.TagEntity[]; devices: T.Device[] }>(),
      doc: '§12',
      summary: 'The entities (devices, credentials) carrying a tag, by tag id',
    }),
    addTagEntities: ep({
      method: 'POST',
      path: '/tags/{tid}/entities',
      body: 'json',
      params: {
        tid: required<number>(),
        entityType: required<'Device' | 'Credential'>(),
        entityValue: required<string | readonly string[]>(),
        expiryDuration: num,
      },
      returns: json<T.TagEntity[]>(),
      doc: '§12',
      summary: 'Put a tag (by id) on devices or credentials, optionally for expiryDuration seconds',
    }),
    removeTagEntity: ep({
      method: 'DELETE',
      path: '/tags/{tid}/entities/{teid}',
      body: 'none',
      params: { tid: required<number>(), teid: required<number>() },
      returns: json<T.SuccessResponse>(),
      doc: '§12',
      summary: 'Remove one entity link from a tag',
    }),
  },
  network: {
    subnets: ep({
      method: 'GET',
      path: '/subnets',
      body: 'none',
      params: { seensince, sid: num, responsedata },
      returns: json<T.Subnet[]>(),
      doc: '§13',
      summary: 'Subnets seen (seensince at most 6 months)',
    }),
    updateSubnet: ep({
      method: 'POST',
      path: '/subnets',
      body: 'json',
      params: {
        sid: required<number>(),
        label: str,
        network: str,
        dhcp: bool,
        uniqueUsernames: bool,
        uniqueHostnames: bool,
      },
      returns: json<T.SuccessResponse>(),
      doc: '§13',
      summary: 'Change a subnet’s label or settings',
    }),
  },
  system: {
    status: ep({
      method: 'GET',
      path: '/status',
      body: 'none',
      params: { includechildren: bool, fast: bool, responsedata, format: optional<'json'>() },
      returns: json<T.Status>(),
      doc: '§13',
      summary: 'Appliance health: version, load, probes, licence',
    }),
    summaryStatistics: ep({
      method: 'GET',
      path: '/summarystatistics',
      body: 'none',
      params: {
        responsedata,
        eventtype: str,
        endtime: num,
        to: str,
        hours: num,
        csensor: bool,
        mitreTactics: bool,
      },
      returns: json<Record<string, unknown>>(),
      doc: '§13',
      summary: 'Counts of devices, bandwidth, RESPOND actions',
    }),
  },
  advancedSearch: {
    search: ep({
      method: 'POST',
      path: '/advancedsearch/api/search',
      body: 'json',
      params: { hash: required<string>() },
      returns: json<T.AdvancedSearchResult>(),
      doc: '§14',
      summary: 'Advanced Search (the query document, base64-encoded, in `hash`; 6.1+)',
    }),
    searchGet: ep({
      method: 'GET',
      path: '/advancedsearch/api/search/{hash}',
      body: 'none',
      params: { hash: required<string>() },
      returns: json<T.AdvancedSearchResult>(),
      doc: '§14',
      summary: 'Advanced Search with the base64 query in the path (signed as transmitted, §3.2)',
    }),
    analyze: ep({
      method: 'GET',
      path: '/advancedsearch/api/analyze/{field}/{operation}/{hash}',
      body: 'none',
      params: {
        field: required<string>(),
        operation: required<T.AdvancedSearchOperation>(),
        hash: required<string>(),
      },
      returns: json<T.AdvancedSearchResult>(),
      doc: '§14',
      summary: 'Analyze a field over an Advanced Search query: terms, mean, trend or score',
    }),
    graph: ep({
      method: 'GET',
      path: '/advancedsearch/api/graph/{mode}/{interval}/{hash}',
      body: 'none',
      params: {
        mode: required<'count' | 'mean'>(),
        interval: required<number>(),
        hash: required<string>(),
      },
      returns: json<T.AdvancedSearchResult>(),
      doc: '§14',
      summary: 'A histogram of an Advanced Search query (count or mean per interval ms)',
    }),
  },
  intelFeed: {
    list: ep({
      method: 'GET',
      path: '/intelfeed',
      body: 'none',
      params: { sources: bool, source: str, fulldetails: bool, responsedata },
      returns: json<string[] | T.IntelFeedEntry[]>(),
      doc: '§13',
      summary:
        'The watched-domain list: entries (names, or details with fulldetails=true), or the source names (sources=true)',
    }),
    update: ep({
      method: 'POST',
      path: '/intelfeed',
      body: 'json',
      params: {
        addentry: str,
        addlist: optional<string | readonly string[]>(),
        removeentry: str,
        removeall: bool,
        description: str,
        source: str,
        expiry: str,
        hostname: bool,
        iagn: bool,
      },
      returns: json<T.IntelFeedUpdateResponse>(),
      doc: '§13',
      summary: 'Add or remove watched domains and IPs (description, source, expiry)',
    }),
  },
  email: {
    get: ep({
      method: 'GET',
      ...email('/emails/{uuid}'),
      body: 'none',
      params: { uuid: required<string>(), dtime: num, include_headers: bool },
      returns: json<T.Email>(),
      doc: '§15',
      summary: 'One Darktrace /EMAIL message by uuid, with per-recipient summaries and actions',
    }),
    search: ep({
      method: 'POST',
      ...email('/emails/search'),
      body: 'json',
      params: {
        page: num,
        itemsPerPage: num,
        timeFrom: num,
        timeTo: num,
        query: optional<T.EmailSearchBody['query']>(),
      },
      returns: json<T.Email[]>(),
      doc: '§15',
      summary: 'Darktrace /EMAIL messages in a window (epoch seconds), newest first, paged',
    }),
    action: ep({
      method: 'POST',
      ...email('/emails/{uuid}/action'),
      body: 'json',
      params: {
        uuid: required<string>(),
        action: required<'hold' | 'release'>(),
        recipients: required<readonly string[]>(),
      },
      returns: json<T.EmailActionResponse>(),
      doc: '§15',
      summary: 'Hold or release a message for some recipients (409 when already held or released)',
    }),
    tags: ep({
      method: 'GET',
      ...email('/resources/tags'),
      body: 'none',
      params: {},
      returns: json<T.EmailTag[]>(),
      doc: '§15',
      summary: 'The /EMAIL tags with their severity (info, warn, critical)',
    }),
  },
} as const;

export type Catalog = typeof endpoints;
export type Family = keyof Catalog;
/** An endpoint's name as `family.operation`, checked against the catalog. */
export type EndpointName = { [F in Family]: `${F}.${keyof Catalog[F] & string}` }[Family];

/** Every catalog entry as `family.operation`, in declaration order. */
export function listEndpoints(): {
  name: EndpointName;
  family: string;
  operation: string;
  spec: EndpointSpec;
}[] {
  const out: { name: EndpointName; family: string; operation: string; spec: EndpointSpec }[] = [];
  for (const [family, ops] of Object.entries(endpoints)) {
    for (const [operation, spec] of Object.entries(ops)) {
      out.push({
        name: `${family}.${operation}` as EndpointName,
        family,
        operation,
        spec: spec as EndpointSpec,
      });
    }
  }
  return out;
}
