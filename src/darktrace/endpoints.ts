// The endpoint catalog: every Threat Visualizer call this product makes, declared once. The SDK's
// methods (client.ts), the simulator's routes (simulator/routes.ts) and the coverage report
// (`dtc endpoints`) are all derived from this table, so they cannot drift apart.
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
  /** The parameters the appliance documents for this call (API doc section in `doc`). */
  params: readonly string[];
  summary: string;
  doc: string;
  /** `binary` for PCAP downloads; everything else answers JSON. */
  returns?: 'json' | 'binary';
  /**
   * Other paths that serve the same call on some appliance versions (the two /EMAIL base paths, §15).
   * The simulator serves every one; the SDK tries `path` first and falls back to these on a 302 /login.
   */
  altPaths?: readonly string[];
}

/** A catalog entry with its parameter and response types attached (types only, no runtime cost). */
export interface Endpoint<P extends Params = Params, R = unknown> extends EndpointSpec {
  readonly __types?: { params: P; response: R };
}

const ep = <P extends Params = Params, R = unknown>(spec: EndpointSpec): Endpoint<P, R> => spec;

/** The two /EMAIL base paths in use (§15): XS-EM's, and the SDK's and the transcribed guide's. */
export const EMAIL_BASE = '/agemail/api/v1.0';
export const EMAIL_BASE_EP = '/agemail/api/ep/api/v1.0';
const email = (rest: string) => ({ path: `${EMAIL_BASE}${rest}`, altPaths: [`${EMAIL_BASE_EP}${rest}`] });

type Bool = boolean | 'true' | 'false';
type TimeWindow = { starttime?: number; endtime?: number; from?: string; to?: string };

export interface BreachQuery extends Params, TimeWindow {
  creationtime?: Bool;
  minscore?: number;
  did?: number;
  pid?: number;
  pbid?: number | readonly number[];
  uuid?: string;
  includeacknowledged?: Bool;
  includesuppressed?: Bool;
  expandenums?: Bool;
  historicmodelonly?: Bool;
  includebreachurl?: Bool;
  minimal?: Bool;
  deviceattop?: Bool;
  saasonly?: Bool;
  group?: 'device';
  responsedata?: string;
  count?: number;
}

export interface AiaQuery extends Params, TimeWindow {
  includeacknowledged?: Bool;
  includeallpinned?: Bool;
  includeonlypinned?: Bool;
  includeincidenteventurl?: Bool;
  locale?: string;
  minscore?: number;
  maxscore?: number;
  mingroupscore?: number;
  maxgroupscore?: number;
  did?: number;
  sid?: number;
  groupid?: string;
  uuid?: string;
}

const breachParams = [
  'starttime',
  'endtime',
  'from',
  'to',
  'creationtime',
  'minscore',
  'did',
  'pid',
  'pbid',
  'uuid',
  'includeacknowledged',
  'includesuppressed',
  'expandenums',
  'historicmodelonly',
  'includebreachurl',
  'minimal',
  'deviceattop',
  'saasonly',
  'saasfilter',
  'group',
  'responsedata',
  'count',
] as const;
const aiaParams = [
  'starttime',
  'endtime',
  'includeacknowledged',
  'includeallpinned',
  'includeonlypinned',
  'includeincidenteventurl',
  'locale',
  'groupcompliance',
  'groupsuspicious',
  'groupcritical',
  'minscore',
  'maxscore',
  'mingroupscore',
  'maxgroupscore',
  'did',
  'excludedid',
  'sid',
  'excludesid',
  'saasonly',
  'groupid',
  'uuid',
] as const;

export const endpoints = {
  modelBreaches: {
    list: ep<BreachQuery, T.ModelBreach[]>({
      method: 'GET',
      path: '/modelbreaches',
      body: 'none',
      params: breachParams,
      doc: '§6.1',
      summary:
        'Search model breaches in a time window (on `time`, or on `creationTime` with creationtime=true)',
    }),
    get: ep<{ pbid: number } & BreachQuery, T.ModelBreach>({
      method: 'GET',
      path: '/modelbreaches/{pbid}',
      body: 'none',
      params: breachParams,
      doc: '§6.1',
      summary: 'One model breach by pbid',
    }),
    acknowledge: ep<{ pbid: number; acknowledge?: 'true' }, T.SuccessResponse>({
      method: 'POST',
      path: '/modelbreaches/{pbid}/acknowledge',
      body: 'form',
      params: ['acknowledge'],
      doc: '§6.2',
      summary: 'Acknowledge a model breach',
    }),
    unacknowledge: ep<{ pbid: number; unacknowledge?: 'true' }, T.SuccessResponse>({
      method: 'POST',
      path: '/modelbreaches/{pbid}/unacknowledge',
      body: 'form',
      params: ['unacknowledge'],
      doc: '§6.2',
      summary: 'Unacknowledge a model breach',
    }),
    comments: ep<{ pbid: number; responsedata?: string }, T.BreachComment[]>({
      method: 'GET',
      path: '/modelbreaches/{pbid}/comments',
      body: 'none',
      params: ['responsedata'],
      doc: '§6.3',
      summary: 'Comments on a model breach',
    }),
    addComment: ep<{ pbid: number; message: string }, T.BreachComment[] | T.SuccessResponse>({
      method: 'POST',
      path: '/modelbreaches/{pbid}/comments',
      body: 'json',
      params: ['message'],
      doc: '§6.3',
      summary: 'Add a comment to a model breach',
    }),
    searchComments: ep<
      TimeWindow & { pbid?: number; count?: number; responsedata?: string },
      T.BreachComment[]
    >({
      method: 'GET',
      path: '/mbcomments',
      body: 'none',
      params: ['starttime', 'endtime', 'count', 'pbid', 'responsedata'],
      doc: '§6.3',
      summary: 'Model breach comments across breaches, by time window or pbid',
    }),
  },
  aiAnalyst: {
    incidentEvents: ep<AiaQuery, T.AiaIncidentEvent[]>({
      method: 'GET',
      path: '/aianalyst/incidentevents',
      body: 'none',
      params: aiaParams,
      doc: '§7.1',
      summary: 'AI Analyst incident events (default: the last 7 days, plus pinned ones)',
    }),
    groups: ep<AiaQuery, T.AiaGroup[]>({
      method: 'GET',
      path: '/aianalyst/groups',
      body: 'none',
      params: [
        ...aiaParams.filter((p) => !p.startsWith('group')),
        'compliance',
        'suspicious',
        'critical',
        'includegroupurl',
      ],
      doc: '§7.2',
      summary: 'AI Analyst incident groups; with uuid=<event id>, the group holding that event',
    }),
    acknowledge: ep<{ uuid: string | readonly string[] }, T.AiaSuccessResponse>({
      method: 'POST',
      path: '/aianalyst/acknowledge',
      body: 'form',
      params: ['uuid'],
      doc: '§7.3',
      summary: 'Acknowledge AI Analyst incident events (comma-separated uuids)',
    }),
    unacknowledge: ep<{ uuid: string | readonly string[] }, T.AiaSuccessResponse>({
      method: 'POST',
      path: '/aianalyst/unacknowledge',
      body: 'form',
      params: ['uuid'],
      doc: '§7.3',
      summary: 'Unacknowledge AI Analyst incident events',
    }),
    pin: ep<{ uuid: string | readonly string[] }, T.AiaSuccessResponse>({
      method: 'POST',
      path: '/aianalyst/pin',
      body: 'form',
      params: ['uuid'],
      doc: '§7.3',
      summary: 'Pin AI Analyst incident events',
    }),
    unpin: ep<{ uuid: string | readonly string[] }, T.AiaSuccessResponse>({
      method: 'POST',
      path: '/aianalyst/unpin',
      body: 'form',
      params: ['uuid'],
      doc: '§7.3',
      summary: 'Unpin AI Analyst incident events',
    }),
    comments: ep<{ incident_id: string; responsedata?: string }, { comments: T.AiaComment[] }>({
      method: 'GET',
      path: '/aianalyst/incident/comments',
      body: 'none',
      params: ['incident_id', 'responsedata'],
      doc: '§7.4',
      summary: 'Comments on an AI Analyst incident event',
    }),
    addComment: ep<{ incident_id: string; message: string }, T.AiaSuccessResponse>({
      method: 'POST',
      path: '/aianalyst/incident/comments',
      body: 'json',
      params: ['incident_id', 'message'],
      doc: '§7.4',
      summary: 'Comment on an AI Analyst incident event',
    }),
    investigations: ep<
      TimeWindow & { investigationId?: string; responsedata?: string },
      T.AiaInvestigation[]
    >({
      method: 'GET',
      path: '/aianalyst/investigations',
      body: 'none',
      params: ['starttime', 'endtime', 'investigationId', 'responsedata'],
      doc: '§7.5',
      summary: 'AI Analyst investigations (times in epoch seconds), all or one by investigationId',
    }),
    investigate: ep<{ did: number; investigateTime: string }, { investigationId: string }>({
      method: 'POST',
      path: '/aianalyst/investigations',
      body: 'json',
      params: ['did', 'investigateTime'],
      doc: '§7.5',
      summary: 'Start an AI Analyst investigation of a device around a time (epoch seconds as text)',
    }),
  },
  antigena: {
    list: ep<
      TimeWindow & {
        fulldevicedetails?: Bool;
        includecleared?: Bool;
        includehistory?: Bool;
        needconfirming?: Bool;
        includeconnections?: Bool;
        pbid?: number;
        did?: number;
        responsedata?: string;
      },
      T.AntigenaAction[] | { actions: T.AntigenaAction[]; devices?: T.Device[]; connections?: unknown[] }
    >({
      method: 'GET',
      path: '/antigena',
      body: 'none',
      params: [
        'fulldevicedetails',
        'includecleared',
        'includehistory',
        'needconfirming',
        'includeconnections',
        'starttime',
        'endtime',
        'from',
        'to',
        'pbid',
        'did',
        'responsedata',
      ],
      doc: '§8.1',
      summary: 'RESPOND actions: active ones and those expired in the last 14 days',
    }),
    update: ep<
      { codeid: number; activate?: boolean; clear?: boolean; duration?: number; reason?: string },
      T.SuccessResponse
    >({
      method: 'POST',
      path: '/antigena',
      body: 'json',
      params: ['codeid', 'activate', 'clear', 'duration', 'reason'],
      doc: '§8.2',
      summary: 'Activate, clear, extend or reactivate a RESPOND action',
    }),
    create: ep<
      {
        did: number;
        action: T.AntigenaActionType;
        duration: number;
        reason?: string;
        connections?: readonly { src: string; dst: string; port?: number }[];
      },
      { codeid: number }
    >({
      method: 'POST',
      path: '/antigena/manual',
      body: 'json',
      params: ['did', 'action', 'duration', 'reason', 'connections'],
      doc: '§8.3',
      summary: 'Create a manual RESPOND action on a device',
    }),
    summary: ep<
      { starttime?: number; endtime?: number },
      {
        pendingCount: number;
        activeCount: number;
        pendingActionDevices: number[];
        activeActionDevices: number[];
      }
    >({
      method: 'GET',
      path: '/antigena/summary',
      body: 'none',
      params: ['starttime', 'endtime'],
      doc: '§8.4',
      summary: 'Counts of pending and active RESPOND actions',
    }),
  },
  pcaps: {
    list: ep<{ responsedata?: string }, T.Pcap[]>({
      method: 'GET',
      path: '/pcaps',
      body: 'none',
      params: ['responsedata'],
      doc: '§9',
      summary: 'PCAP requests and their state',
    }),
    create: ep<
      {
        ip1: string;
        ip2?: string;
        port1?: number;
        port2?: number;
        start: number;
        end: number;
        protocol?: 'tcp' | 'udp';
      },
      T.Pcap
    >({
      method: 'POST',
      path: '/pcaps',
      body: 'json',
      params: ['ip1', 'ip2', 'port1', 'port2', 'start', 'end', 'protocol'],
      doc: '§9',
      summary: 'Request a packet capture (window at most 30 minutes, times in seconds)',
    }),
    download: ep<{ filename: string }, Uint8Array>({
      method: 'GET',
      path: '/pcaps/{filename}',
      body: 'none',
      params: [],
      doc: '§9',
      returns: 'binary',
      summary: 'Download a finished capture (filename without the /tm/ prefix)',
    }),
  },
  devices: {
    list: ep<
      {
        did?: number;
        ip?: string;
        iptime?: number;
        mac?: string;
        seensince?: string | number;
        sid?: number;
        count?: number;
        includetags?: Bool;
        responsedata?: string;
      },
      T.Device[] | T.Device
    >({
      method: 'GET',
      path: '/devices',
      body: 'none',
      params: [
        'did',
        'ip',
        'iptime',
        'mac',
        'seensince',
        'sid',
        'count',
        'includetags',
        'cloudsecurity',
        'saasfilter',
        'responsedata',
      ],
      doc: '§10.1',
      summary: 'Devices seen recently (default 7 days); one object with did=',
    }),
    update: ep<
      { did: number; label?: string; priority?: number; type?: number },
      { response: string; device?: T.Device }
    >({
      method: 'POST',
      path: '/devices',
      body: 'json',
      params: ['did', 'label', 'priority', 'type'],
      doc: '§10.1',
      summary: 'Change a device’s label, priority (-5..5) or type',
    }),
    search: ep<
      {
        count?: number;
        orderBy?: string;
        order?: 'asc' | 'desc';
        query?: string;
        offset?: number;
        seensince?: string | number;
        responsedata?: string;
      },
      { totalCount: number; devices: T.Device[] }
    >({
      method: 'GET',
      path: '/devicesearch',
      body: 'none',
      params: ['count', 'orderBy', 'order', 'query', 'offset', 'seensince', 'responsedata'],
      doc: '§10.2',
      summary: 'Search devices with paging',
    }),
    summary: ep<{ did: number }, { data: Record<string, unknown> }>({
      method: 'GET',
      path: '/devicesummary',
      body: 'none',
      params: ['did'],
      doc: '§10.3',
      summary: 'Everything about one device: itself, similar devices, details, device info, breaches',
    }),
    info: ep<
      {
        did: number;
        datatype?: 'co' | 'sizeout' | 'sizein';
        odid?: number;
        externaldomain?: string;
        port?: number;
        fulldevicedetails?: Bool;
        showallgraphdata?: Bool;
        similardevices?: number;
        intervalhours?: number;
      },
      { deviceInfo: unknown[]; devices?: T.Device[] }
    >({
      method: 'GET',
      path: '/deviceinfo',
      body: 'none',
      params: [
        'did',
        'datatype',
        'odid',
        'externaldomain',
        'port',
        'fulldevicedetails',
        'showallgraphdata',
        'similardevices',
        'intervalhours',
      ],
      doc: '§10.4',
      summary: 'Connection and data volume graphs for a device',
    }),
    similar: ep<
      { did: number; count?: number; fulldevicedetails?: Bool; token?: string; responsedata?: string },
      T.Device[]
    >({
      method: 'GET',
      path: '/similardevices',
      body: 'none',
      params: ['did', 'count', 'fulldevicedetails', 'token', 'responsedata'],
      doc: '§10.5',
      summary: 'Devices that behave like the given one',
    }),
    metricData: ep<
      TimeWindow & {
        metric: string;
        did?: number;
        odid?: number;
        port?: number;
        interval?: number;
        breachtimes?: Bool;
        fulldevicedetails?: Bool;
      },
      T.MetricSeries[]
    >({
      method: 'GET',
      path: '/metricdata',
      body: 'none',
      params: [
        'metric',
        'did',
        'ddid',
        'odid',
        'port',
        'sourceport',
        'destinationport',
        'protocol',
        'applicationprotocol',
        'starttime',
        'endtime',
        'from',
        'to',
        'interval',
        'breachtimes',
        'fulldevicedetails',
      ],
      doc: '§10.8',
      summary: 'Time series of a metric for a device',
    }),
  },
  details: {
    get: ep<
      TimeWindow & {
        did?: number;
        pbid?: number;
        msg?: string;
        blockedconnections?: string;
        eventtype?: string;
        count?: number;
        port?: number;
        protocol?: string;
        applicationprotocol?: string;
        deduplicate?: Bool;
        fulldevicedetails?: Bool;
      },
      T.DetailRecord[]
    >({
      method: 'GET',
      path: '/details',
      body: 'none',
      params: [
        'did',
        'pbid',
        'msg',
        'blockedconnections',
        'eventtype',
        'count',
        'starttime',
        'endtime',
        'from',
        'to',
        'applicationprotocol',
        'protocol',
        'port',
        'sourceport',
        'destinationport',
        'ddid',
        'odid',
        'externalhostname',
        'intext',
        'uid',
        'deduplicate',
        'fulldevicedetails',
        'responsedata',
      ],
      doc: '§10.7',
      summary: 'Connections, notices and history of a device or a breach (a breach first)',
    }),
  },
  endpointDetails: {
    get: ep<
      {
        ip?: string;
        hostname?: string;
        additionalinfo?: Bool;
        devices?: Bool;
        score?: Bool;
        responsedata?: string;
      },
      T.EndpointDetails
    >({
      method: 'GET',
      path: '/endpointdetails',
      body: 'none',
      params: ['ip', 'hostname', 'additionalinfo', 'devices', 'score', 'responsedata'],
      doc: '§10.6',
      summary: 'What the appliance knows about an external IP or hostname',
    }),
  },
  models: {
    list: ep<{ uuid?: string; responsedata?: string }, T.Model[]>({
      method: 'GET',
      path: '/models',
      body: 'none',
      params: ['uuid', 'responsedata'],
      doc: '§11',
      summary: 'Model definitions (all, or one by uuid)',
    }),
    components: ep<{ responsedata?: string }, T.Component[]>({
      method: 'GET',
      path: '/components',
      body: 'none',
      params: ['responsedata'],
      doc: '§11',
      summary: 'Model components',
    }),
    component: ep<{ cid: number }, T.Component>({
      method: 'GET',
      path: '/components/{cid}',
      body: 'none',
      params: [],
      doc: '§11',
      summary: 'One model component',
    }),
  },
  reference: {
    enums: ep<{ responsedata?: string }, T.Enums>({
      method: 'GET',
      path: '/enums',
      body: 'none',
      params: ['responsedata'],
      doc: '§11',
      summary: 'Enumerated types (countries, protocols, device types, vendors, ...)',
    }),
    filterTypes: ep<{ responsedata?: string }, T.FilterType[]>({
      method: 'GET',
      path: '/filtertypes',
      body: 'none',
      params: ['responsedata'],
      doc: '§11',
      summary: 'Filter types usable in model components',
    }),
    metrics: ep<{ responsedata?: string }, T.Metric[]>({
      method: 'GET',
      path: '/metrics',
      body: 'none',
      params: ['responsedata'],
      doc: '§11',
      summary: 'Metrics',
    }),
    metric: ep<{ mlid: number }, T.Metric>({
      method: 'GET',
      path: '/metrics/{mlid}',
      body: 'none',
      params: [],
      doc: '§11',
      summary: 'One metric',
    }),
  },
  tags: {
    list: ep<{ tag?: string; responsedata?: string }, T.Tag[]>({
      method: 'GET',
      path: '/tags',
      body: 'none',
      params: ['tag', 'responsedata'],
      doc: '§12',
      summary: 'Tags',
    }),
    create: ep<{ name: string; data: { description?: string; color?: number } }, T.Tag>({
      method: 'POST',
      path: '/tags',
      body: 'json',
      params: ['name', 'data'],
      doc: '§12',
      summary: 'Create a tag',
    }),
    get: ep<{ tid: number; responsedata?: string }, T.Tag>({
      method: 'GET',
      path: '/tags/{tid}',
      body: 'none',
      params: ['responsedata'],
      doc: '§12',
      summary: 'One tag',
    }),
    remove: ep<{ tid: number }, T.SuccessResponse>({
      method: 'DELETE',
      path: '/tags/{tid}',
      body: 'none',
      params: [],
      doc: '§12',
      summary: 'Delete a tag',
    }),
    entities: ep<
      { did?: number; tag?: string; fulldevicedetails?: Bool; responsedata?: string },
      T.Tag[] | { entities: T.TagEntity[]; devices: T.Device[] } | T.TagEntity[]
    >({
      method: 'GET',
      path: '/tags/entities',
      body: 'none',
      params: ['did', 'tag', 'fulldevicedetails', 'responsedata'],
      doc: '§12',
      summary: 'Tags on a device (did=), or devices with a tag (tag=)',
    }),
    tagDevice: ep<{ did: number; tag: string; duration?: number }, T.SuccessResponse | { tid: number }>({
      method: 'POST',
      path: '/tags/entities',
      body: 'form',
      params: ['did', 'tag', 'duration'],
      doc: '§12',
      summary: 'Tag a device (optionally for a duration in seconds)',
    }),
    untagDevice: ep<{ did: number; tag: string }, T.SuccessResponse>({
      method: 'DELETE',
      path: '/tags/entities',
      body: 'none',
      params: ['did', 'tag'],
      doc: '§12',
      summary: 'Remove a tag from a device',
    }),
    tagEntities: ep<
      { tid: number; fulldevicedetails?: Bool; responsedata?: string },
      T.TagEntity[] | { entities: T.TagEntity[]; devices: T.Device[] }
    >({
      method: 'GET',
      path: '/tags/{tid}/entities',
      body: 'none',
      params: ['fulldevicedetails', 'responsedata'],
      doc: '§12',
      summary: 'The entities (devices, credentials) carrying a tag, by tag id',
    }),
    addTagEntities: ep<
      {
        tid: number;
        entityType: 'Device' | 'Credential';
        entityValue: string | readonly string[];
        expiryDuration?: number;
      },
      T.TagEntity[]
    >({
      method: 'POST',
      path: '/tags/{tid}/entities',
      body: 'json',
      params: ['entityType', 'entityValue', 'expiryDuration'],
      doc: '§12',
      summary: 'Put a tag (by id) on devices or credentials, optionally for expiryDuration seconds',
    }),
    removeTagEntity: ep<{ tid: number; teid: number }, T.SuccessResponse>({
      method: 'DELETE',
      path: '/tags/{tid}/entities/{teid}',
      body: 'none',
      params: [],
      doc: '§12',
      summary: 'Remove one entity link from a tag',
    }),
  },
  network: {
    subnets: ep<{ seensince?: string | number; sid?: number; responsedata?: string }, T.Subnet[]>({
      method: 'GET',
      path: '/subnets',
      body: 'none',
      params: ['seensince', 'sid', 'responsedata'],
      doc: '§13',
      summary: 'Subnets seen (seensince at most 6 months)',
    }),
    updateSubnet: ep<
      {
        sid: number;
        label?: string;
        network?: string;
        dhcp?: Bool;
        uniqueUsernames?: Bool;
        uniqueHostnames?: Bool;
      },
      T.SuccessResponse
    >({
      method: 'POST',
      path: '/subnets',
      body: 'json',
      params: ['sid', 'label', 'network', 'dhcp', 'uniqueUsernames', 'uniqueHostnames'],
      doc: '§13',
      summary: 'Change a subnet’s label or settings',
    }),
  },
  system: {
    status: ep<{ includechildren?: Bool; fast?: Bool; responsedata?: string }, T.Status>({
      method: 'GET',
      path: '/status',
      body: 'none',
      params: ['includechildren', 'fast', 'responsedata', 'format'],
      doc: '§13',
      summary: 'Appliance health: version, load, probes, licence',
    }),
    summaryStatistics: ep<
      {
        responsedata?: string;
        eventtype?: string;
        endtime?: number;
        to?: string;
        hours?: number;
        csensor?: Bool;
        mitreTactics?: Bool;
      },
      Record<string, unknown>
    >({
      method: 'GET',
      path: '/summarystatistics',
      body: 'none',
      params: ['responsedata', 'eventtype', 'endtime', 'to', 'hours', 'csensor', 'mitreTactics'],
      doc: '§13',
      summary: 'Counts of devices, bandwidth, RESPOND actions',
    }),
  },
  advancedSearch: {
    search: ep<{ hash: string }, T.AdvancedSearchResult>({
      method: 'POST',
      path: '/advancedsearch/api/search',
      body: 'json',
      params: ['hash'],
      doc: '§14',
      summary: 'Advanced Search (the query document, base64-encoded, in `hash`; 6.1+)',
    }),
    searchGet: ep<{ hash: string }, T.AdvancedSearchResult>({
      method: 'GET',
      path: '/advancedsearch/api/search/{hash}',
      body: 'none',
      params: [],
      doc: '§14',
      summary: 'Advanced Search with the base64 query in the path (signed as transmitted, §3.2)',
    }),
    analyze: ep<
      { field: string; operation: T.AdvancedSearchOperation; hash: string },
      T.AdvancedSearchResult
    >({
      method: 'GET',
      path: '/advancedsearch/api/analyze/{field}/{operation}/{hash}',
      body: 'none',
      params: [],
      doc: '§14',
      summary: 'Analyze a field over an Advanced Search query: terms, mean, trend or score',
    }),
    graph: ep<{ mode: 'count' | 'mean'; interval: number; hash: string }, T.AdvancedSearchResult>({
      method: 'GET',
      path: '/advancedsearch/api/graph/{mode}/{interval}/{hash}',
      body: 'none',
      params: [],
      doc: '§14',
      summary: 'A histogram of an Advanced Search query (count or mean per interval ms)',
    }),
  },
  intelFeed: {
    list: ep<
      { sources?: Bool; source?: string; fulldetails?: Bool; responsedata?: string },
      string[] | T.IntelFeedEntry[]
    >({
      method: 'GET',
      path: '/intelfeed',
      body: 'none',
      params: ['sources', 'source', 'fulldetails', 'responsedata'],
      doc: '§13',
      summary:
        'The watched-domain list: entries (names, or details with fulldetails=true), or the source names (sources=true)',
    }),
    update: ep<
      {
        addentry?: string;
        addlist?: string | readonly string[];
        removeentry?: string;
        removeall?: Bool;
        description?: string;
        source?: string;
        expiry?: string;
        hostname?: Bool;
        iagn?: Bool;
      },
      T.IntelFeedUpdateResponse
    >({
      method: 'POST',
      path: '/intelfeed',
      body: 'json',
      params: [
        'addentry',
        'addlist',
        'removeentry',
        'removeall',
        'description',
        'source',
        'expiry',
        'hostname',
        'iagn',
      ],
      doc: '§13',
      summary: 'Add or remove watched domains and IPs (description, source, expiry)',
    }),
  },
  email: {
    get: ep<{ uuid: string; dtime?: number; include_headers?: Bool }, T.Email>({
      method: 'GET',
      ...email('/emails/{uuid}'),
      body: 'none',
      params: ['dtime', 'include_headers'],
      doc: '§15',
      summary: 'One Darktrace /EMAIL message by uuid, with per-recipient summaries and actions',
    }),
    search: ep<T.EmailSearchBody & Params, T.Email[]>({
      method: 'POST',
      ...email('/emails/search'),
      body: 'json',
      params: ['page', 'itemsPerPage', 'timeFrom', 'timeTo', 'query'],
      doc: '§15',
      summary: 'Darktrace /EMAIL messages in a window (epoch seconds), newest first, paged',
    }),
    action: ep<
      { uuid: string; action: 'hold' | 'release'; recipients: readonly string[] },
      T.EmailActionResponse
    >({
      method: 'POST',
      ...email('/emails/{uuid}/action'),
      body: 'json',
      params: ['action', 'recipients'],
      doc: '§15',
      summary: 'Hold or release a message for some recipients (409 when already held or released)',
    }),
    tags: ep<Params, T.EmailTag[]>({
      method: 'GET',
      ...email('/resources/tags'),
      body: 'none',
      params: [],
      doc: '§15',
      summary: 'The /EMAIL tags with their severity (info, warn, critical)',
    }),
  },
} as const;

export type Catalog = typeof endpoints;
export type Family = keyof Catalog;

/** Every catalog entry as `family.operation`, in declaration order. */
export function listEndpoints(): { name: string; family: string; operation: string; spec: EndpointSpec }[] {
  const out: { name: string; family: string; operation: string; spec: EndpointSpec }[] = [];
  for (const [family, ops] of Object.entries(endpoints)) {
    for (const [operation, spec] of Object.entries(ops)) {
      out.push({ name: `${family}.${operation}`, family, operation, spec: spec as EndpointSpec });
    }
  }
  return out;
}
