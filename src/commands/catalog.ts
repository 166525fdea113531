// The command catalog: every Darktrace action a SOC runs, declared once. The CLI (`dtc cmd`), the HTTP
// API (`/api/commands`, OpenAPI) and the console all read this table. Handlers make SDK calls only.
import type { Role } from '../auth/roles.ts';
import type { DarktraceClient } from '../darktrace/index.ts';
import type { SearchQueryInput } from '../darktrace/search.ts';
import type { AntigenaActionType, Device, Model, ModelBreach, TagEntity } from '../darktrace/types.ts';
import { ParamError, type ParamSpec } from './params.ts';

export type Params = Record<string, any>;

export interface CommandDef {
  /** kebab-case. */
  name: string;
  /**
   * The weakest role that may run it (src/auth/roles.ts): analyst for look-ups, acknowledgements,
   * comments and tags; responder for RESPOND actions, PCAPs and what changes the appliance's response.
   */
  role: Role;
  /** Other names that run it (the `darktrace-…` names SOAR users know). */
  aliases: string[];
  description: string;
  params: ParamSpec[];
  /** What the command returns, in words, for `dtc cmd help` and the OpenAPI document. */
  output: string;
  /** The endpoint catalog entries it calls (for the coverage report). */
  endpoints: string[];
  /** Cross-parameter rules, checked before any request. Throw ParamError. */
  validate?: (p: Params) => void;
  /** A multi-item command runs `run` once per item of `param` and reports each result. */
  each?: {
    param: string;
    failure: string;
    run: (dt: DarktraceClient, item: any, p: Params) => Promise<unknown>;
  };
  /** A single command. */
  run?: (dt: DarktraceClient, p: Params) => Promise<unknown>;
  /** The failure indicator of a single command (`Get status failed.`). */
  failure?: string;
}

// ── parameter building blocks ──
const breachIds: ParamSpec = {
  name: 'breachIds',
  type: 'integer[]',
  required: true,
  description: 'model breach IDs (pbid)',
  example: [95, 96],
};
const eventId: ParamSpec = {
  name: 'eventId',
  type: 'string',
  required: true,
  description: 'AI Analyst incident event ID (uuid)',
  example: 'bc64f242-ce29-4f35-bc94-230991116564',
};
const eventIds: ParamSpec = {
  ...eventId,
  name: 'eventIds',
  type: 'string[]',
  description: 'AI Analyst incident event IDs',
};
const deviceIds: ParamSpec = {
  name: 'deviceIds',
  type: 'integer[]',
  required: true,
  description: 'device IDs (did)',
  example: [12],
};
const deviceId: ParamSpec = {
  name: 'deviceId',
  type: 'integer',
  required: true,
  description: 'device ID (did)',
  example: 12,
};
const start: ParamSpec = {
  name: 'start',
  type: 'time',
  description: 'start: ISO 8601 (UTC unless an offset is given), epoch ms, or an age such as 24h',
  example: '24h',
};
const end: ParamSpec = {
  name: 'end',
  type: 'time',
  description: 'end: ISO 8601, epoch ms, or an age such as 1h',
  example: '2024-01-15T10:00:00Z',
};
const codeid: ParamSpec = {
  name: 'codeid',
  type: 'integer',
  required: true,
  description: 'RESPOND action ID (codeid)',
  example: 48,
};
const reason: ParamSpec = {
  name: 'reason',
  type: 'string',
  description: 'reason, recorded in the action history (required when Audit Antigena is on)',
  example: 'SOC-1234',
};
const seenSince = (max: 'week' | 'month'): ParamSpec => ({
  name: 'seenSince',
  type: 'string',
  description: `seen within this long: seconds, or N min|hour|day|week${max === 'month' ? '|month (at most 6 months)' : ''}, one unit only`,
  example: '1hour',
});

const searchQuery: ParamSpec = {
  name: 'query',
  type: 'string',
  required: true,
  description: 'Advanced Search query, e.g. @type:conn AND @fields.dest_port:"443"',
  example: '@type:conn AND @fields.dest_port:"443"',
};
const searchSize: ParamSpec = {
  name: 'size',
  type: 'integer',
  min: 1,
  max: 10_000,
  default: 50,
  description: 'hits to return (at most 10,000)',
};
const searchOffset: ParamSpec = {
  name: 'offset',
  type: 'integer',
  min: 0,
  default: 0,
  description: 'hits to skip',
};
const watchedEntries: ParamSpec = {
  name: 'entries',
  type: 'string[]',
  required: true,
  description: 'domains, hostnames or IPs',
  example: ['bad.example.com', '203.0.113.9'],
};
const emailUuids: ParamSpec = {
  name: 'uuids',
  type: 'string[]',
  required: true,
  description: 'Darktrace /EMAIL message uuids',
  example: ['BA13B274-03F3-46D6-8698-244DFF1037A0.1'],
};
const emailRecipients: ParamSpec = {
  name: 'recipients',
  type: 'string[]',
  description: 'recipient addresses (default: every recipient of the message)',
  example: ['jane.doe@example.com'],
};

function checkWindow(p: Params): void {
  if (p.start !== undefined && p.end !== undefined && p.start > p.end)
    throw new ParamError('start', 'must be before --end');
}

/** An Advanced Search window from start/end (default the last hour). */
function searchInput(p: Params): SearchQueryInput {
  const endtime = p.end ?? Date.now();
  return { search: p.query, starttime: p.start ?? endtime - 3_600_000, endtime };
}

const MAX_PCAP_MS = 30 * 60_000;
const ACTIONS = [
  'connection',
  'pol',
  'gpol',
  'quarantine',
  'quarantineOutgoing',
  'quarantineIncoming',
] as const;
const ENUM_TYPES: Record<string, string> = {
  applicationprotocols: 'Application protocol',
  protocols: 'Protocol',
  countries: 'Country',
  destinationdevicetypes: 'Destination device type',
  sourcedevicetypes: 'Internal source device type',
  vendors: 'Vendor',
};
const DATA_TYPES: Record<string, 'co' | 'sizeout' | 'sizein'> = {
  connections: 'co',
  dataSizeOut: 'sizeout',
  dataSizeIn: 'sizein',
};
const SEARCH_KEYS = ['did', 'minscore', 'pid', 'pbid', 'uuid'];

/** `3600`, `30min`, `5 hour`, `2day`, `1week` (and `month` where allowed) → Darktrace's `seensince`. */
export function seenSinceValue(text: string, param: string, allowMonth: boolean): string {
  const m =
    /^\s*(\d+)\s*(second|seconds|sec|min|mins|minute|minutes|hour|hours|day|days|week|weeks|month|months)?\s*$/i.exec(
      text,
    );
  if (!m) {
    throw new ParamError(
      param,
      `"${text}" is not a number of seconds or N min|hour|day|week${allowMonth ? '|month' : ''} with one unit`,
    );
  }
  const n = Number(m[1]);
  const unit = (m[2] ?? 'second')
    .toLowerCase()
    .replace(/s$/, '')
    .replace(/^minute$/, 'min')
    .replace(/^sec(ond)?$/, 'second');
  if (n < 1) throw new ParamError(param, 'must be at least 1 second');
  if (unit === 'month') {
    if (!allowMonth) throw new ParamError(param, 'months are not accepted here: use N week at most');
    if (n > 6) throw new ParamError(param, 'must be at most 6 months');
  }
  if (allowMonth && ((unit === 'week' && n > 26) || (unit === 'day' && n > 183)))
    throw new ParamError(param, 'must be at most 6 months');
  return unit === 'second' ? String(n) : `${n}${unit}`;
}

const flatModel = (b: ModelBreach): Partial<Model> =>
  ('then' in b.model ? (b.model.now ?? b.model.then) : b.model) as Model;
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const seconds = (ms: number) => Math.floor(ms / 1000);
const array = <T>(x: T[] | { actions: T[] }) => (Array.isArray(x) ? x : x.actions);

/** The fields a SOAR maps out of a model breach (fetch-events). */
export function eventFields(b: ModelBreach) {
  const m = flatModel(b);
  const comps = (b.triggeredComponents ?? []) as {
    metric?: { mlid?: number; name?: string };
    device?: ModelBreach['device'];
  }[];
  const dev = b.device ?? comps.find((c) => c.device)?.device;
  return {
    eventKey: b.pbid,
    eventType: m.name,
    startTime: iso(b.time),
    description: m.description,
    score: b.score,
    deviceHostname: dev?.hostname,
    ip: dev?.ip,
    mac: dev?.macaddress,
    category: m.category,
    deviceId: dev?.did,
    acknowledged: b.acknowledged !== false && b.acknowledged !== undefined,
    creationTime: iso(b.creationTime),
    severity: m.category,
    priority: m.priority,
    metricLogicIds: comps.map((c) => c.metric?.mlid).filter((x) => x !== undefined),
    metricNames: comps.map((c) => c.metric?.name).filter((x) => x !== undefined),
  };
}

function parseSearchCondition(text: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const part of text.split('&').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (!SEARCH_KEYS.includes(k) || v === undefined || v === '') {
      throw new ParamError(
        'search-condition',
        `"${part}" is not one of ${SEARCH_KEYS.map((x) => `${x}=…`).join(', ')} joined by &`,
      );
    }
    if (k !== 'uuid' && !Number.isFinite(Number(v)))
      throw new ParamError('search-condition', `${k} must be a number, got "${v}"`);
    out[k] = k === 'uuid' ? v : Number(v);
  }
  return out;
}

export const commands: CommandDef[] = [
  // ── model breaches ──
  {
    name: 'acknowledge',
    role: 'analyst',
    aliases: ['darktrace-acknowledge', 'acknowledge-breaches'],
    description: 'Acknowledge model breaches',
    params: [breachIds],
    output: 'per breach: {"response":"SUCCESS"} (or the Unified View replication answer)',
    endpoints: ['modelBreaches.acknowledge'],
    each: {
      param: 'breachIds',
      failure: 'Acknowledge failed.',
      run: (dt, pbid) => dt.modelBreaches.acknowledge({ pbid, acknowledge: 'true' }),
    },
  },
  {
    name: 'unacknowledge',
    role: 'analyst',
    aliases: ['darktrace-unacknowledge', 'unacknowledge-breaches'],
    description: 'Unacknowledge model breaches',
    params: [breachIds],
    output: 'per breach: {"response":"SUCCESS"}',
    endpoints: ['modelBreaches.unacknowledge'],
    each: {
      param: 'breachIds',
      failure: 'Unacknowledge failed.',
      run: (dt, pbid) => dt.modelBreaches.unacknowledge({ pbid, unacknowledge: 'true' }),
    },
  },
  {
    name: 'add-comments',
    role: 'analyst',
    aliases: ['darktrace-post-comment', 'add-comment'],
    description: 'Add a comment to model breaches',
    params: [
      breachIds,
      {
        name: 'comment',
        type: 'string',
        required: true,
        description: 'comment text',
        example: 'Investigating',
      },
    ],
    output: 'per breach: the stored comment(s)',
    endpoints: ['modelBreaches.addComment'],
    each: {
      param: 'breachIds',
      failure: 'Add comment failed.',
      run: (dt, pbid, p) => dt.modelBreaches.addComment({ pbid, message: p.comment }),
    },
  },
  {
    name: 'get-comments',
    role: 'analyst',
    aliases: ['darktrace-get-comments'],
    description: 'Comments on model breaches, oldest first',
    params: [breachIds],
    output: 'per breach: [{message, username, time (ISO), pid}] sorted by time ascending',
    endpoints: ['modelBreaches.comments'],
    each: {
      param: 'breachIds',
      failure: 'Get comments failed.',
      run: async (dt, pbid) =>
        (await dt.modelBreaches.comments({ pbid }))
          .slice()
          .sort((a, b) => a.time - b.time)
          .map((c) => ({ ...c, timeIso: iso(c.time) })),
    },
  },
  {
    name: 'get-breaches',
    role: 'analyst',
    aliases: ['darktrace-get-model-breach', 'get-breach'],
    description: 'Model breaches by ID, acknowledged ones included',
    params: [breachIds],
    output: 'per breach: the model breach object',
    endpoints: ['modelBreaches.get'],
    each: {
      param: 'breachIds',
      failure: 'Get breach failed.',
      run: (dt, pbid) =>
        dt.modelBreaches.get({ pbid, includeacknowledged: true, deviceattop: true, includebreachurl: true }),
    },
  },
  {
    name: 'search-breaches',
    role: 'analyst',
    aliases: ['darktrace-search-model-breaches'],
    description: 'Search model breaches; without parameters, the latest 100 unacknowledged',
    params: [
      start,
      end,
      {
        name: 'minScore',
        type: 'number',
        min: 0,
        max: 1,
        description: 'minimum breach score, 0 to 1',
        example: 0.5,
      },
      { name: 'deviceId', type: 'integer', description: 'only breaches of this device (did)', example: 12 },
      {
        name: 'includeAcknowledged',
        type: 'boolean',
        default: false,
        description: 'include acknowledged breaches',
      },
      {
        name: 'count',
        type: 'integer',
        min: 1,
        max: 10_000,
        default: 100,
        description: 'at most this many, the newest',
      },
    ],
    output: 'the newest `count` breaches in the window, newest first',
    endpoints: ['modelBreaches.list'],
    validate: (p) => {
      if (p.start !== undefined && p.end !== undefined && p.start > p.end)
        throw new ParamError('start', 'must be before --end');
    },
    run: async (dt, p) => {
      const window =
        p.start !== undefined || p.end !== undefined
          ? { starttime: p.start ?? (p.end as number) - 365 * 86_400_000, endtime: p.end ?? Date.now() }
          : {};
      const list = await dt.modelBreaches.list({
        ...window,
        minscore: p.minScore,
        did: p.deviceId,
        includeacknowledged: p.includeAcknowledged,
        deviceattop: true,
        includebreachurl: true,
      });
      return list.sort((a, b) => b.time - a.time).slice(0, p.count);
    },
  },
  {
    name: 'fetch-events',
    role: 'analyst',
    aliases: ['darktrace-fetch-events', 'fetch-event'],
    description:
      'Model breaches in [start − tolerance, end] with the fields a SOAR maps; without parameters up to 100 from the last year',
    params: [
      start,
      end,
      {
        name: 'count',
        type: 'integer',
        min: 1,
        max: 10_000,
        default: 100,
        description: 'at most this many, oldest first',
      },
      {
        name: 'searchCondition',
        type: 'string',
        description: 'did=..&minscore=..&pid=..&pbid=..&uuid=..',
        example: 'did=12&minscore=0.5',
      },
      {
        name: 'toleranceMinutes',
        type: 'integer',
        min: 0,
        max: 1440,
        default: 10,
        description: 'minutes fetched before start, for late breaches',
      },
    ],
    output:
      '{events: [{eventKey, eventType, startTime, description, score, deviceHostname, ip, mac, category, deviceId, acknowledged, creationTime, severity, priority, metricLogicIds, metricNames}], raw: [breaches]}',
    endpoints: ['modelBreaches.list'],
    validate: (p) => {
      if (p.searchCondition) parseSearchCondition(p.searchCondition);
      if (p.start !== undefined && p.end !== undefined && p.start > p.end)
        throw new ParamError('start', 'must be before --end');
    },
    run: async (dt, p) => {
      const endtime = p.end ?? Date.now();
      const from = p.start ?? endtime - 365 * 86_400_000;
      const list = await dt.modelBreaches.list({
        starttime: Math.max(endtime - 365 * 86_400_000, from - p.toleranceMinutes * 60_000),
        endtime,
        ...(p.searchCondition ? parseSearchCondition(p.searchCondition) : {}),
        includeacknowledged: true,
        deviceattop: true,
        includebreachurl: true,
      });
      const raw = list.sort((a, b) => a.time - b.time).slice(0, p.count);
      return { events: raw.map(eventFields), raw };
    },
  },

  // ── AI Analyst ──
  {
    name: 'get-ai-analyst-incident-event',
    role: 'analyst',
    aliases: ['darktrace-get-ai-analyst-incident-event'],
    description: 'One AI Analyst incident event',
    params: [eventId],
    output: 'the incident event object',
    endpoints: ['aiAnalyst.incidentEvents'],
    failure: 'Get AI Analyst incident event failed.',
    run: async (dt, p) => {
      const [event] = await dt.aiAnalyst.incidentEvents({
        uuid: p.eventId,
        includeacknowledged: true,
        includeincidenteventurl: true,
      });
      if (!event)
        throw Object.assign(new Error(`no AI Analyst incident event ${p.eventId}`), { status: 404 });
      return event;
    },
  },
  {
    name: 'get-comments-for-ai-analyst-incident-event',
    role: 'analyst',
    aliases: ['darktrace-get-comments-for-ai-analyst-incident-event'],
    description: 'Comments on an AI Analyst incident event, oldest first',
    params: [eventId],
    output: '[{message, username, time, incident_id}]',
    endpoints: ['aiAnalyst.comments'],
    failure: 'Get comments failed.',
    run: async (dt, p) =>
      (await dt.aiAnalyst.comments({ incident_id: p.eventId })).comments.sort((a, b) => a.time - b.time),
  },
  {
    name: 'post-comment-to-ai-analyst-incident-event',
    role: 'analyst',
    aliases: ['darktrace-post-comment-to-ai-analyst-incident-event'],
    description: 'Comment on an AI Analyst incident event',
    params: [
      eventId,
      { name: 'comment', type: 'string', required: true, description: 'comment text', example: 'Escalated' },
    ],
    output: '{eventId, message, response} (the event commented on, the message posted, the appliance answer)',
    endpoints: ['aiAnalyst.addComment'],
    failure: 'Post comment failed.',
    run: async (dt, p) => {
      const r = await dt.aiAnalyst.addComment({ incident_id: p.eventId, message: p.comment });
      const response = (r as Record<string, unknown>).aianalyst ?? (r as Record<string, unknown>).response;
      return { eventId: p.eventId, message: p.comment, response };
    },
  },
  {
    name: 'acknowledge-ai-analyst-incident-event',
    role: 'analyst',
    aliases: ['darktrace-acknowledge-ai-analyst-incident-event'],
    description: 'Acknowledge AI Analyst incident events',
    params: [eventIds],
    output: 'per event: {"aianalyst":"SUCCESS"}',
    endpoints: ['aiAnalyst.acknowledge'],
    each: {
      param: 'eventIds',
      failure: 'Acknowledge failed.',
      run: (dt, uuid) => dt.aiAnalyst.acknowledge({ uuid }),
    },
  },
  {
    name: 'unacknowledge-ai-analyst-incident-event',
    role: 'analyst',
    aliases: ['darktrace-unacknowledge-ai-analyst-incident-event'],
    description: 'Unacknowledge AI Analyst incident events',
    params: [eventIds],
    output: 'per event: {"aianalyst":"SUCCESS"}',
    endpoints: ['aiAnalyst.unacknowledge'],
    each: {
      param: 'eventIds',
      failure: 'Unacknowledge failed.',
      run: (dt, uuid) => dt.aiAnalyst.unacknowledge({ uuid }),
    },
  },
  {
    name: 'get-ai-analyst-incident-group-from-event-id',
    role: 'analyst',
    aliases: ['darktrace-get-ai-analyst-incident-group-from-event-id'],
    description: 'The AI Analyst incident (group) that holds an event',
    params: [eventId],
    output: 'the group object: {id, incidentEvents, devices, groupScore, ...}',
    endpoints: ['aiAnalyst.groups'],
    failure: 'Get incident group failed.',
    run: async (dt, p) => {
      const [group] = await dt.aiAnalyst.groups({ uuid: p.eventId, includeacknowledged: true });
      if (!group)
        throw Object.assign(new Error(`no incident group holds event ${p.eventId}`), { status: 404 });
      return group;
    },
  },
  {
    name: 'search-ai-analyst-incident-events',
    role: 'analyst',
    aliases: ['darktrace-search-ai-analyst-incident-events'],
    description:
      'AI Analyst incident events by time, minimum score and acknowledgement (default the last 7 days)',
    params: [
      start,
      end,
      {
        name: 'minScore',
        type: 'number',
        min: 0,
        max: 100,
        description: 'minimum event score, 0 to 100',
        example: 50,
      },
      {
        name: 'minGroupScore',
        type: 'number',
        min: 0,
        max: 100,
        description: 'minimum incident score, 0 to 100',
      },
      {
        name: 'includeAcknowledged',
        type: 'boolean',
        default: false,
        description: 'include acknowledged events',
      },
    ],
    output: 'incident events, newest first',
    endpoints: ['aiAnalyst.incidentEvents'],
    failure: 'Search AI Analyst incident events failed.',
    run: async (dt, p) =>
      (
        await dt.aiAnalyst.incidentEvents({
          starttime: p.start,
          endtime: p.end,
          minscore: p.minScore,
          mingroupscore: p.minGroupScore,
          includeacknowledged: p.includeAcknowledged,
          includeincidenteventurl: true,
        })
      ).sort((a, b) => b.createdAt - a.createdAt),
  },

  {
    name: 'list-ai-analyst-investigations',
    role: 'analyst',
    aliases: ['darktrace-list-ai-analyst-investigations'],
    description: 'AI Analyst investigations, all or one, with their state',
    params: [start, end, { name: 'investigationId', type: 'string', description: 'only this investigation' }],
    output:
      '[{investigationId, status, did, createdBy, time (ISO), investigationTime (ISO), incidents}] newest first',
    endpoints: ['aiAnalyst.investigations'],
    validate: checkWindow,
    failure: 'List AI Analyst investigations failed.',
    run: async (dt, p) =>
      (
        await dt.aiAnalyst.investigations({
          starttime: p.start ?? (p.end !== undefined ? p.end - 7 * 86_400_000 : undefined),
          endtime: p.end ?? (p.start !== undefined ? Date.now() : undefined),
          investigationId: p.investigationId,
        })
      )
        .map((x) => ({ ...x, time: iso(x.time * 1000), investigationTime: iso(x.investigationTime * 1000) }))
        .sort((a, b) => (a.time! < b.time! ? 1 : -1)),
  },
  {
    name: 'start-ai-analyst-investigation',
    role: 'analyst',
    aliases: ['darktrace-start-ai-analyst-investigation', 'investigate-device'],
    description: 'Ask AI Analyst to investigate a device around a time (default now)',
    params: [
      deviceId,
      {
        ...end,
        name: 'time',
        description: 'the time to investigate: ISO 8601, epoch ms or an age such as 2h',
      },
    ],
    output: '{investigationId, deviceId, investigateTime (ISO)}',
    endpoints: ['aiAnalyst.investigate'],
    validate: (p) => {
      if (p.time !== undefined && p.time > Date.now() + 60_000)
        throw new ParamError('time', 'must not be in the future');
    },
    failure: 'Start AI Analyst investigation failed.',
    run: async (dt, p) => {
      const t = p.time ?? Date.now();
      const r = await dt.aiAnalyst.investigate({ did: p.deviceId, investigateTime: String(seconds(t)) });
      return {
        investigationId: r.investigationId,
        deviceId: p.deviceId,
        investigateTime: iso(seconds(t) * 1000),
      };
    },
  },

  // ── RESPOND ──
  {
    name: 'create-actions',
    role: 'responder',
    aliases: ['darktrace-create-actions', 'create-action'],
    description: 'Create a manual RESPOND action on devices',
    params: [
      deviceIds,
      {
        name: 'action',
        type: 'string',
        required: true,
        enum: ACTIONS,
        description: `one of ${ACTIONS.join(', ')}`,
        example: 'quarantine',
      },
      { name: 'duration', type: 'integer', min: 1, max: 31 * 86_400, default: 60, description: 'seconds' },
      reason,
      {
        name: 'connections',
        type: 'json',
        description: 'for action connection only: [{"src","dst","port"?}]',
        example: [{ src: '10.0.0.5', dst: '203.0.113.7', port: 443 }],
      },
    ],
    output: 'per device: {codeid}',
    endpoints: ['antigena.create'],
    validate: (p) => {
      if (p.connections !== undefined && p.action !== 'connection') {
        throw new ParamError('connections', `is only valid with --action connection, not ${p.action}`);
      }
      if (p.action === 'connection' && !p.connections)
        throw new ParamError('connections', 'is required with --action connection');
      if (p.connections !== undefined) {
        if (!Array.isArray(p.connections) || p.connections.length === 0)
          throw new ParamError('connections', 'must be a non-empty list of {src, dst, port?}');
        for (const [i, c] of p.connections.entries()) {
          if (!c || typeof c.src !== 'string' || typeof c.dst !== 'string')
            throw new ParamError('connections', `item ${i} needs "src" and "dst" strings`);
          if (c.port !== undefined && !(Number.isInteger(c.port) && c.port > 0 && c.port < 65_536)) {
            throw new ParamError('connections', `item ${i}: port must be 1-65535`);
          }
        }
      }
    },
    each: {
      param: 'deviceIds',
      failure: 'Create action failed.',
      run: (dt, did, p) =>
        dt.antigena.create({
          did,
          action: p.action as AntigenaActionType,
          duration: p.duration,
          reason: p.reason,
          connections: p.connections,
        }),
    },
  },
  {
    name: 'list-actions',
    role: 'analyst',
    aliases: ['darktrace-list-actions'],
    description: 'RESPOND actions: active ones and those that expired in the last 14 days, or a window',
    params: [
      { ...start, name: 'from' },
      { ...end, name: 'to' },
      { name: 'breachId', type: 'integer', description: 'actions of this model breach (pbid)' },
      { name: 'includeCleared', type: 'boolean', default: false, description: 'include cleared actions' },
      { name: 'includeHistory', type: 'boolean', default: false, description: 'include each action history' },
      {
        name: 'needConfirming',
        type: 'boolean',
        description: 'only actions that need confirming (true) or not (false)',
      },
    ],
    output:
      '[{codeid, did, ip, action, label, manual, triggerer, start, expires, active, cleared, history?}]',
    endpoints: ['antigena.list'],
    failure: 'List actions failed.',
    run: async (dt, p) =>
      array(
        await dt.antigena.list({
          starttime: p.from,
          endtime: p.to ?? (p.from !== undefined ? Date.now() : undefined),
          pbid: p.breachId,
          includecleared: p.includeCleared,
          includehistory: p.includeHistory,
          needconfirming: p.needConfirming,
        }),
      ),
  },
  {
    name: 'activate-action',
    role: 'responder',
    aliases: ['darktrace-activate-action', 'confirm-action'],
    description: 'Activate a RESPOND action that needs confirming (or reactivate an expired one)',
    params: [
      codeid,
      reason,
      { name: 'duration', type: 'integer', min: 1, description: 'seconds, when reactivating' },
    ],
    output: '{"response":"SUCCESS"}',
    endpoints: ['antigena.update'],
    failure: 'Activate action failed.',
    run: (dt, p) => dt.activateAction(p.codeid, p.reason, p.duration),
  },
  {
    name: 'extend-action',
    role: 'responder',
    aliases: ['darktrace-extend-action'],
    description: 'Set the remaining duration of a RESPOND action (a new length, not an increment)',
    params: [
      codeid,
      {
        name: 'duration',
        type: 'integer',
        required: true,
        min: 1,
        description: 'new remaining duration in seconds',
      },
      reason,
    ],
    output: '{"response":"SUCCESS"}',
    endpoints: ['antigena.update'],
    failure: 'Extend action failed.',
    run: (dt, p) => dt.extendAction(p.codeid, p.duration, p.reason),
  },
  {
    name: 'clear-action',
    role: 'responder',
    aliases: ['darktrace-clear-action'],
    description: 'Clear (stop) a RESPOND action',
    params: [codeid, reason],
    output: '{"response":"SUCCESS"}',
    endpoints: ['antigena.update'],
    failure: 'Clear action failed.',
    run: (dt, p) => dt.clearAction(p.codeid, p.reason),
  },

  // ── PCAP ──
  {
    name: 'create-pcap',
    role: 'responder',
    aliases: ['darktrace-create-pcap'],
    description: 'Request a packet capture of at most 30 minutes (default the last 10 minutes)',
    params: [
      {
        name: 'sourceIp',
        type: 'string',
        required: true,
        description: 'source IP (ip1)',
        example: '10.0.0.5',
      },
      { name: 'sourcePort', type: 'integer', min: 1, max: 65_535, description: 'source port (port1)' },
      { name: 'destinationIp', type: 'string', description: 'destination IP (ip2)', example: '203.0.113.7' },
      {
        name: 'destinationPort',
        type: 'integer',
        min: 1,
        max: 65_535,
        description: 'destination port (port2)',
        example: 443,
      },
      start,
      end,
      {
        name: 'protocol',
        type: 'string',
        enum: ['tcp', 'udp'],
        description: 'tcp or udp; needs --destination-ip and --destination-port',
      },
    ],
    output: 'the PCAP request {tmqid, filename, state: "pending", ...}',
    endpoints: ['pcaps.create'],
    validate: (p) => {
      const endMs = p.end ?? Date.now();
      const startMs = p.start ?? endMs - 10 * 60_000;
      if (startMs >= endMs) throw new ParamError('start', 'must be before --end');
      if (endMs - startMs > MAX_PCAP_MS)
        throw new ParamError(
          'end',
          `the capture window is ${Math.round((endMs - startMs) / 60_000)} minutes; at most 30 minutes`,
        );
      if (p.protocol && (p.destinationIp === undefined || p.destinationPort === undefined)) {
        throw new ParamError('protocol', 'needs --destination-ip and --destination-port');
      }
    },
    failure: 'Create PCAP failed.',
    run: (dt, p) => {
      const endMs = p.end ?? Date.now();
      const startMs = p.start ?? endMs - 10 * 60_000;
      return dt.pcaps.create({
        ip1: p.sourceIp,
        port1: p.sourcePort,
        ip2: p.destinationIp,
        port2: p.destinationPort,
        start: seconds(startMs),
        end: seconds(endMs),
        protocol: p.protocol,
      });
    },
  },
  {
    name: 'list-pcaps',
    role: 'responder',
    aliases: ['darktrace-list-pcaps'],
    description: 'PCAP requests and their state',
    params: [],
    output: '[{tmqid, filename, state, ip1, ip2, start, end, ...}]',
    endpoints: ['pcaps.list'],
    failure: 'List PCAPs failed.',
    run: (dt) => dt.pcaps.list(),
  },
  {
    name: 'download-pcap',
    role: 'responder',
    aliases: ['darktrace-download-pcap'],
    description:
      'Download a finished capture; the bytes are returned base64-encoded (dtc cmd writes them to the file given by --out-file)',
    params: [
      {
        name: 'filename',
        type: 'string',
        required: true,
        description: 'the PCAP filename as listed (with or without /tm/)',
        example: 'DCIP_1_2_10.0.0.5_0_0_0_any_1_m.pcap',
      },
    ],
    output: '{filename, bytes, state, base64}',
    endpoints: ['pcaps.list', 'pcaps.download'],
    failure: 'Download PCAP failed.',
    run: async (dt, p) => {
      const name = String(p.filename).replace(/^\/?tm\//, '');
      const listed = (await dt.pcaps.list()).find((x) => x.filename.replace(/^\/?tm\//, '') === name);
      if (!listed) throw Object.assign(new Error(`no PCAP named ${name}: see list-pcaps`), { status: 404 });
      if (listed.state !== 'finished') {
        throw Object.assign(
          new Error(`the capture is not finished yet (state ${listed.state}): try again shortly`),
          { status: 409 },
        );
      }
      const bytes = await dt.pcaps.download({ filename: name });
      return {
        filename: name,
        bytes: bytes.length,
        state: listed.state,
        base64: Buffer.from(bytes).toString('base64'),
      };
    },
  },

  // ── devices and network ──
  {
    name: 'list-devices',
    role: 'analyst',
    aliases: ['darktrace-list-devices'],
    description: 'Devices seen recently (default 7 days), sorted by device ID',
    params: [seenSince('week')],
    output: '[device], sorted by did',
    endpoints: ['devices.list'],
    validate: (p) => {
      if (p.seenSince) seenSinceValue(p.seenSince, 'seen-since', false);
    },
    failure: 'List devices failed.',
    run: async (dt, p) => {
      const r = await dt.devices.list({
        seensince: p.seenSince ? seenSinceValue(p.seenSince, 'seen-since', false) : undefined,
      });
      return (Array.isArray(r) ? r : [r]).sort((a, b) => a.did - b.did);
    },
  },
  {
    name: 'get-device-summary',
    role: 'analyst',
    aliases: ['darktrace-get-device-summary'],
    description:
      'Everything about devices: the device, similar devices, details, device info, model breaches',
    params: [deviceIds],
    output: 'per device: {data: {devices, similardevices, details, deviceinfo, modelbreaches}}',
    endpoints: ['devices.summary'],
    each: {
      param: 'deviceIds',
      failure: 'Get device summary failed.',
      run: (dt, did) => dt.devices.summary({ did }),
    },
  },
  {
    name: 'get-device-info',
    role: 'analyst',
    aliases: ['darktrace-get-device-connection-info', 'get-device-connection-info'],
    description: 'Connection or data volume graphs of a device',
    params: [
      deviceId,
      {
        name: 'dataType',
        type: 'string',
        enum: Object.keys(DATA_TYPES),
        default: 'connections',
        description: 'connections, dataSizeOut or dataSizeIn',
      },
      { name: 'destinationDeviceId', type: 'integer', description: 'the other device (0 = external)' },
      { name: 'externalDomain', type: 'string', description: 'restrict to this external domain' },
      { name: 'port', type: 'integer', min: 1, max: 65_535, description: 'restrict to this port' },
    ],
    output: '{deviceInfo: [{did, graphData, info}]}',
    endpoints: ['devices.info'],
    failure: 'Get device info failed.',
    run: (dt, p) =>
      dt.devices.info({
        did: p.deviceId,
        datatype: DATA_TYPES[p.dataType],
        odid: p.destinationDeviceId,
        externaldomain: p.externalDomain,
        port: p.port,
      }),
  },
  {
    name: 'get-device-metric-data',
    role: 'analyst',
    aliases: ['darktrace-get-device-metric-data'],
    description: 'Time series of metrics for a device (default the last 10 hours)',
    params: [
      deviceId,
      {
        name: 'metrics',
        type: 'string[]',
        required: true,
        description: 'metric names (see list-metrics)',
        example: ['connections'],
      },
      start,
      end,
    ],
    output: 'per metric: [{metric, data: [{time, timems, size, in, out}]}]',
    endpoints: ['devices.metricData'],
    failure: 'Get device metric data failed.',
    run: async (dt, p) => {
      const endtime = p.end ?? Date.now();
      const starttime = p.start ?? endtime - 10 * 3_600_000;
      const out = [];
      for (const metric of p.metrics)
        out.push(...(await dt.devices.metricData({ metric, did: p.deviceId, starttime, endtime })));
      return out;
    },
  },
  {
    name: 'get-device-tags',
    role: 'analyst',
    aliases: ['darktrace-get-tags-for-device', 'get-tags-of-devices'],
    description: 'Tags on devices (the tags each device carries; see get-tagged-devices for the reverse)',
    params: [deviceIds],
    output: 'per device: [tag]',
    endpoints: ['tags.entities'],
    each: {
      param: 'deviceIds',
      failure: 'Get device tags failed.',
      run: (dt, did) => dt.tags.entities({ did }),
    },
  },
  {
    name: 'tag-devices',
    role: 'analyst',
    aliases: ['darktrace-post-tag-to-device', 'tag-device'],
    description: 'Put tags on devices, optionally for a duration',
    params: [
      deviceIds,
      { name: 'tags', type: 'string[]', required: true, description: 'tag names', example: ['Admin'] },
      {
        name: 'duration',
        type: 'integer',
        min: 1,
        description: 'seconds the tag lasts (default: until removed)',
      },
    ],
    output: 'per device and tag: the appliance answer',
    endpoints: ['tags.tagDevice'],
    each: {
      param: 'deviceIds',
      failure: 'Tag device failed.',
      run: async (dt, did, p) => {
        const out: Record<string, unknown> = {};
        for (const tag of p.tags) out[tag] = await dt.tags.tagDevice({ did, tag, duration: p.duration });
        return out;
      },
    },
  },
  {
    name: 'untag-devices',
    role: 'analyst',
    aliases: ['darktrace-delete-tag-from-device', 'remove-device-tags'],
    description: 'Remove tags from devices',
    params: [
      deviceIds,
      { name: 'tags', type: 'string[]', required: true, description: 'tag names', example: ['Admin'] },
    ],
    output: 'per device and tag: the appliance answer',
    endpoints: ['tags.untagDevice'],
    each: {
      param: 'deviceIds',
      failure: 'Remove tag failed.',
      run: async (dt, did, p) => {
        const out: Record<string, unknown> = {};
        for (const tag of p.tags) out[tag] = await dt.tags.untagDevice({ did, tag });
        return out;
      },
    },
  },
  {
    name: 'list-similar-devices',
    role: 'analyst',
    aliases: ['darktrace-get-similar-devices'],
    description: 'Devices that behave like a device',
    params: [
      deviceId,
      { name: 'count', type: 'integer', min: 1, max: 300, default: 5, description: 'how many' },
    ],
    output: '[device with score]',
    endpoints: ['devices.similar'],
    failure: 'List similar devices failed.',
    run: (dt, p) => dt.devices.similar({ did: p.deviceId, count: p.count }),
  },
  {
    name: 'list-subnets',
    role: 'analyst',
    aliases: ['darktrace-list-subnets'],
    description: 'Subnets seen (at most 6 months back)',
    params: [seenSince('month')],
    output: '[{sid, network, label, firstSeen, lastSeen, ...}]',
    endpoints: ['network.subnets'],
    validate: (p) => {
      if (p.seenSince) seenSinceValue(p.seenSince, 'seen-since', true);
    },
    failure: 'List subnets failed.',
    run: (dt, p) =>
      dt.network.subnets({
        seensince: p.seenSince ? seenSinceValue(p.seenSince, 'seen-since', true) : undefined,
      }),
  },
  {
    name: 'get-external-endpoint-details',
    role: 'analyst',
    aliases: ['darktrace-get-external-endpoint-details', 'get-endpoint-details'],
    description: 'What the appliance knows about an external IPv4, IPv6 or hostname',
    params: [
      {
        name: 'endpoint',
        type: 'string',
        required: true,
        description: 'IPv4, IPv6 or hostname',
        example: 'example.com',
      },
    ],
    output: 'hostname: {hostname, firsttime, devices, ips, popularity, ...}; IP: {ip, country, asn, ...}',
    endpoints: ['endpointDetails.get'],
    validate: (p) => {
      const e = String(p.endpoint);
      const ok =
        /^(\d{1,3}\.){3}\d{1,3}$/.test(e) ||
        (e.includes(':') && /^[0-9a-f:.]+$/i.test(e)) ||
        /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(e);
      if (!ok) throw new ParamError('endpoint', `"${e}" is not an IPv4, IPv6 address or hostname`);
    },
    failure: 'Get endpoint details failed.',
    run: (dt, p) => {
      const e = String(p.endpoint);
      const isIp = /^(\d{1,3}\.){3}\d{1,3}$/.test(e) || e.includes(':');
      return dt.endpointDetails.get({
        ...(isIp ? { ip: e } : { hostname: e }),
        additionalinfo: true,
        devices: true,
        score: true,
      });
    },
  },
  {
    name: 'get-details',
    role: 'analyst',
    aliases: ['darktrace-get-model-breach-connections', 'darktrace-get-details'],
    description: 'Connections, notices and history of a device, a breach or a message (at least one)',
    params: [
      { name: 'deviceId', type: 'integer', description: 'device ID (did)' },
      { name: 'breachId', type: 'integer', description: 'model breach ID (pbid)' },
      { name: 'message', type: 'string', description: 'a notice message (msg)' },
      start,
      end,
      {
        name: 'eventType',
        type: 'string',
        enum: ['connection', 'unusualconnection', 'newconnection', 'notice', 'devicehistory', 'modelbreach'],
        description:
          'connection (default), unusualconnection, newconnection, notice, devicehistory or modelbreach',
      },
      {
        name: 'count',
        type: 'integer',
        min: 1,
        max: 10_000,
        default: 200,
        description: 'at most this many records',
      },
    ],
    output: 'time-ordered records (with a breach ID, the breach record first)',
    endpoints: ['details.get'],
    validate: (p) => {
      if (p.deviceId === undefined && p.breachId === undefined && p.message === undefined) {
        throw new ParamError('device-id', 'give at least one of --device-id, --breach-id or --message');
      }
    },
    failure: 'Get details failed.',
    run: (dt, p) =>
      dt.details.get({
        did: p.deviceId,
        pbid: p.breachId,
        msg: p.message,
        eventtype: p.eventType,
        ...(p.start !== undefined || p.end !== undefined
          ? { starttime: p.start ?? (p.end as number) - 3_600_000, endtime: p.end ?? Date.now() }
          : { count: p.count }),
      }),
  },

  {
    name: 'get-tagged-devices',
    role: 'analyst',
    aliases: ['darktrace-get-tagged-devices', 'list-tagged-devices'],
    description: 'Devices carrying a tag, with their details and when the tag expires on each',
    params: [{ name: 'tag', type: 'string', required: true, description: 'tag name', example: 'Admin' }],
    output:
      '{tag, tid, count, devices: [{did, hostname, ip, macaddress, typelabel, devicelabel, tagExpiry (ISO or null), ...}]}',
    endpoints: ['tags.entities'],
    failure: 'Get tagged devices failed.',
    run: async (dt, p) => {
      const r = await dt.tags.entities({ tag: p.tag, fulldevicedetails: true });
      const { entities, devices } = Array.isArray(r)
        ? { entities: r as TagEntity[], devices: [] as Device[] }
        : (r as { entities: TagEntity[]; devices: Device[] });
      const byDid = new Map(devices.map((d) => [d.did, d]));
      const rows = entities
        .filter((e) => e.entityType === 'Device')
        .map((e) => {
          const d = byDid.get(Number(e.entityValue));
          const { tags, ...rest } = d ?? ({ did: Number(e.entityValue) } as Device);
          return { ...rest, tagExpiry: e.expiry ? iso(e.expiry) : null };
        })
        .sort((a, b) => a.did - b.did);
      return { tag: p.tag, tid: entities[0]?.tid ?? null, count: rows.length, devices: rows };
    },
  },

  // ── Advanced Search ──
  {
    name: 'advanced-search',
    role: 'analyst',
    aliases: ['darktrace-advanced-search', 'search-advanced'],
    description: 'Run an Advanced Search query over a window (default the last hour)',
    params: [searchQuery, start, end, searchSize, searchOffset],
    output: '{total, took, hits: [{time, type, fields, message}]}',
    endpoints: ['advancedSearch.search'],
    validate: checkWindow,
    failure: 'Advanced search failed.',
    run: async (dt, p) => {
      const r = await dt.advancedSearchQuery({ ...searchInput(p), size: p.size, offset: p.offset });
      return {
        total: r.hits.total,
        took: r.took,
        hits: r.hits.hits.map((h) => {
          const src = (h._source ?? {}) as Record<string, unknown>;
          return {
            time: src['@timestamp'],
            type: src['@type'],
            fields: src['@fields'],
            message: src['@message'],
          };
        }),
      };
    },
  },
  {
    name: 'advanced-search-analyze',
    role: 'analyst',
    aliases: ['darktrace-run-advanced-search-analysis', 'advanced-search-analysis'],
    description: 'Analyze a field over an Advanced Search query: terms, mean, trend or score',
    params: [
      {
        name: 'field',
        type: 'string',
        required: true,
        description: 'the field to analyze',
        example: 'source_ip',
      },
      {
        name: 'operation',
        type: 'string',
        required: true,
        enum: ['terms', 'mean', 'trend', 'score'],
        description: 'terms (top values), mean, trend (change over the window) or score',
      },
      { ...searchQuery, required: false, default: '*' },
      start,
      end,
    ],
    output: '{field, operation, total, values: [{id, count, trend?}], mean?}',
    endpoints: ['advancedSearch.analyze'],
    validate: checkWindow,
    failure: 'Advanced search analysis failed.',
    run: async (dt, p) => {
      const r = await dt.advancedSearchAnalyze(p.field, p.operation, searchInput(p));
      const out: Record<string, unknown> = { field: p.field, operation: p.operation, total: r.hits.total };
      if (p.operation === 'mean')
        out.mean = (r.aggregations?.mean as { value?: number } | undefined)?.value ?? null;
      else out.values = r.hits.hits;
      return out;
    },
  },
  {
    name: 'advanced-search-graph',
    role: 'analyst',
    aliases: ['darktrace-advanced-search-graph'],
    description: 'A histogram of an Advanced Search query: count (or mean) per interval',
    params: [
      { ...searchQuery, required: false, default: '*' },
      {
        name: 'mode',
        type: 'string',
        enum: ['count', 'mean'],
        default: 'count',
        description: 'count or mean',
      },
      {
        name: 'interval',
        type: 'integer',
        min: 1000,
        default: 3_600_000,
        description: 'bucket width in milliseconds',
        example: 60_000,
      },
      start,
      end,
    ],
    output: '{total, buckets: [{time (ISO), count, mean?}]}',
    endpoints: ['advancedSearch.graph'],
    validate: checkWindow,
    failure: 'Advanced search graph failed.',
    run: async (dt, p) => {
      const r = await dt.advancedSearchGraph(p.mode, p.interval, searchInput(p));
      const buckets = (
        (r.aggregations?.graph as { buckets?: Record<string, any>[] } | undefined)?.buckets ?? []
      ).map((b) => ({
        time: b.key_as_string ?? iso(b.key),
        count: b.doc_count,
        ...(p.mode === 'mean' ? { mean: b.mean?.value ?? null } : {}),
      }));
      return { total: r.hits.total, buckets };
    },
  },

  // ── intel feed (watched domains) ──
  {
    name: 'list-intel-feed-sources',
    role: 'analyst',
    aliases: ['darktrace-list-intel-feed-sources', 'list-watched-list-sources'],
    description: 'The sources of the watched-domain list',
    params: [],
    output: '[source name]',
    endpoints: ['intelFeed.list'],
    failure: 'List intel feed sources failed.',
    run: async (dt) => (await dt.intelFeed.list({ sources: true })) as string[],
  },
  {
    name: 'list-intel-feed',
    role: 'analyst',
    aliases: ['darktrace-list-intel-feed', 'list-watched-list', 'darktrace-get-watched-list'],
    description: 'Watched domains and IPs, with description, expiry and strength (all sources, or one)',
    params: [{ name: 'source', type: 'string', description: 'only this source', example: 'Default' }],
    output: '[{name, description, expiry, strength, iagn}] sorted by name',
    endpoints: ['intelFeed.list'],
    failure: 'List intel feed failed.',
    run: async (dt, p) =>
      ((await dt.intelFeed.list({ fulldetails: true, source: p.source })) as { name: string }[])
        .slice()
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  },
  {
    name: 'add-to-watched-list',
    role: 'responder',
    aliases: ['darktrace-post-to-watched-list', 'add-intel-feed-entries'],
    description: 'Add domains or IPs to the watched list, with a description, an expiry and a source',
    params: [
      watchedEntries,
      {
        name: 'description',
        type: 'string',
        description: 'why it is watched (under 256 characters, no quotes)',
        example: 'C2 from IR-1234',
      },
      { ...end, name: 'expiry', description: 'when the entry expires: ISO 8601, epoch ms (default never)' },
      { name: 'source', type: 'string', description: 'the list to add to (default Default)', example: 'SOC' },
      {
        name: 'iagn',
        type: 'boolean',
        description: 'let RESPOND act on connections to it',
      },
    ],
    output: 'per entry: {added, updated, response}',
    endpoints: ['intelFeed.update'],
    validate: (p) => {
      if (p.description !== undefined && (p.description.length >= 256 || /["']/.test(p.description)))
        throw new ParamError('description', 'must be under 256 characters, without quotes');
      if (p.source !== undefined && p.source.length >= 64)
        throw new ParamError('source', 'must be under 64 characters');
      if (p.expiry !== undefined && p.expiry <= Date.now())
        throw new ParamError('expiry', 'must be in the future');
    },
    each: {
      param: 'entries',
      failure: 'Add to watched list failed.',
      run: (dt, entry, p) =>
        dt.intelFeed.update({
          addentry: entry,
          description: p.description,
          source: p.source,
          expiry: p.expiry === undefined ? undefined : iso(p.expiry),
          hostname: !/^[\d.]+$|:/.test(entry),
          iagn: p.iagn,
        }),
    },
  },
  {
    name: 'remove-from-watched-list',
    role: 'responder',
    aliases: ['darktrace-remove-from-watched-list', 'remove-intel-feed-entries'],
    description: 'Remove domains or IPs from the watched list',
    params: [watchedEntries, { name: 'source', type: 'string', description: 'only from this source' }],
    output: 'per entry: {removed: true|false, response}',
    endpoints: ['intelFeed.list', 'intelFeed.update'],
    each: {
      param: 'entries',
      failure: 'Remove from watched list failed.',
      run: async (dt, entry, p) => {
        const before = (await dt.intelFeed.list({ source: p.source })) as string[];
        const r = await dt.intelFeed.update({ removeentry: entry, source: p.source });
        return { removed: before.includes(String(entry).toLowerCase()), response: r.response };
      },
    },
  },

  // ── models and reference data ──
  {
    name: 'get-models',
    role: 'analyst',
    aliases: ['darktrace-get-model', 'get-model'],
    description: 'Model definitions by UUID (all when none given)',
    params: [
      {
        name: 'uuids',
        type: 'string[]',
        description: 'model UUIDs',
        example: ['80010119-6d7f-0000-0305-5e0000000325'],
      },
    ],
    output: '[model]',
    endpoints: ['models.list'],
    failure: 'Get models failed.',
    run: async (dt, p) => {
      if (!p.uuids?.length) return dt.models.list();
      const out = [];
      for (const uuid of p.uuids) {
        const r = await dt.models.list({ uuid });
        out.push(...(Array.isArray(r) ? r : [r]));
      }
      return out;
    },
  },
  {
    name: 'get-model-components',
    role: 'analyst',
    aliases: ['darktrace-get-model-component', 'get-model-component'],
    description: 'Model components by ID',
    params: [
      {
        name: 'componentIds',
        type: 'integer[]',
        required: true,
        description: 'component IDs (cid)',
        example: [1234],
      },
    ],
    output: 'per component: {cid, chid, mlid, threshold, interval, logic, filters, active}',
    endpoints: ['models.component'],
    each: {
      param: 'componentIds',
      failure: 'Get model component failed.',
      run: (dt, cid) => dt.models.component({ cid }),
    },
  },
  {
    name: 'list-filter-types',
    role: 'analyst',
    aliases: ['darktrace-list-filter-types'],
    description: 'Filter types usable in model components',
    params: [],
    output: '[{filtertype, valuetype, graphable, comparators}]',
    endpoints: ['reference.filterTypes'],
    failure: 'List filter types failed.',
    run: (dt) => dt.reference.filterTypes(),
  },
  {
    name: 'list-metrics',
    role: 'analyst',
    aliases: ['darktrace-list-metrics'],
    description: 'Metrics the appliance computes',
    params: [],
    output: '[{mlid, name, label, units, filtertypes}]',
    endpoints: ['reference.metrics'],
    failure: 'List metrics failed.',
    run: (dt) => dt.reference.metrics(),
  },
  {
    name: 'get-enumerated-types',
    role: 'analyst',
    aliases: ['darktrace-get-enums', 'get-enums'],
    description: `Enumerated types: ${Object.keys(ENUM_TYPES).join(', ')} (all when none given)`,
    params: [
      {
        name: 'types',
        type: 'string[]',
        enum: Object.keys(ENUM_TYPES),
        description: Object.keys(ENUM_TYPES).join(', '),
        example: ['countries'],
      },
    ],
    output: '{<type>: [{code, name}]}',
    endpoints: ['reference.enums'],
    failure: 'Get enumerated types failed.',
    run: async (dt, p) => {
      const all = await dt.reference.enums();
      const wanted: string[] = p.types?.length ? p.types : Object.keys(ENUM_TYPES);
      return Object.fromEntries(wanted.map((t) => [t, all[ENUM_TYPES[t]] ?? []]));
    },
  },
  {
    name: 'list-tags',
    role: 'analyst',
    aliases: ['darktrace-list-tags'],
    description: 'Tags, all or by name (case-insensitive)',
    params: [{ name: 'names', type: 'string[]', description: 'tag names', example: ['Admin'] }],
    output: '[{tid, name, data, restricted, ...}]',
    endpoints: ['tags.list'],
    failure: 'List tags failed.',
    run: async (dt, p) => {
      const all = await dt.tags.list();
      if (!p.names?.length) return all;
      const wanted = new Set(p.names.map((n: string) => n.toLowerCase()));
      return all.filter((t) => wanted.has(t.name.toLowerCase()));
    },
  },

  // ── Darktrace /EMAIL ──
  {
    name: 'get-email',
    role: 'analyst',
    aliases: ['darktrace-email-get-email'],
    description:
      'Darktrace /EMAIL messages by uuid: sender, subject, score, recipients with status and actions',
    params: [emailUuids],
    output:
      'per message: {uuid, direction, dtime, header_from, header_subject, model_score, rcpts: [...], ...}',
    endpoints: ['email.get'],
    each: {
      param: 'uuids',
      failure: 'Get email failed.',
      run: (dt, uuid) => dt.email.get({ uuid }),
    },
  },
  {
    name: 'hold-email',
    role: 'responder',
    aliases: ['darktrace-email-hold-email'],
    description: 'Hold messages (for the given recipients, or every recipient)',
    params: [emailUuids, emailRecipients],
    output: 'per message: {uuid, action, recipients, previousStatus, response: {code, resp}}',
    endpoints: ['email.get', 'email.action'],
    each: {
      param: 'uuids',
      failure: 'Hold email failed.',
      run: (dt, uuid, p) => dt.emailAction(uuid, 'hold', p.recipients),
    },
  },
  {
    name: 'release-email',
    role: 'responder',
    aliases: ['darktrace-email-release-email'],
    description: 'Release held messages (for the given recipients, or every recipient)',
    params: [emailUuids, emailRecipients],
    output: 'per message: {uuid, action, recipients, previousStatus, response: {resp}}',
    endpoints: ['email.get', 'email.action'],
    each: {
      param: 'uuids',
      failure: 'Release email failed.',
      run: (dt, uuid, p) => dt.emailAction(uuid, 'release', p.recipients),
    },
  },
  {
    name: 'search-emails',
    role: 'analyst',
    aliases: ['darktrace-email-search-emails'],
    description: 'Darktrace /EMAIL messages in a window (default the last 24 hours), newest first',
    params: [
      start,
      end,
      {
        name: 'minScore',
        type: 'number',
        min: 0,
        max: 100,
        description: 'only messages scored above this (0 to 100)',
        example: 50,
      },
      {
        name: 'direction',
        type: 'string',
        enum: ['inbound', 'outbound', 'internal'],
        description: 'inbound, outbound or internal',
      },
    ],
    output: '[{uuid, dtime, header_from_email, header_subject, model_score, rcpts, ...}]',
    endpoints: ['email.search'],
    validate: checkWindow,
    failure: 'Search emails failed.',
    run: (dt, p) => {
      const endtime = p.end ?? Date.now();
      return dt.searchEmails({
        starttime: p.start ?? endtime - 86_400_000,
        endtime,
        minScore: p.minScore,
        direction: p.direction,
      });
    },
  },

  // ── the appliance ──
  {
    name: 'get-status',
    role: 'analyst',
    aliases: ['darktrace-get-status', 'status'],
    description: 'Appliance health: version, load, probes, licence',
    params: [],
    output: 'the /status object',
    endpoints: ['system.status'],
    failure: 'Get status failed.',
    run: (dt) => dt.system.status(),
  },
  {
    name: 'test-connection',
    role: 'analyst',
    aliases: ['darktrace-test-connection', 'test'],
    description: 'Check the URL, the token pair and the clock against the appliance',
    params: [],
    output: '{ok, latencyMs, version, hostname, clockOffsetSeconds}',
    endpoints: ['system.status'],
    failure: 'Test connection failed.',
    run: async (dt) => {
      const t = Date.now();
      const s = await dt.system.status({ includechildren: false, fast: true });
      return {
        ok: true,
        latencyMs: Date.now() - t,
        version: s.version,
        hostname: s.hostname,
        clockOffsetSeconds: Math.round(dt.clockOffsetMs / 1000),
      };
    },
  },
];

const byName = new Map<string, CommandDef>();
for (const c of commands) {
  for (const n of [c.name, ...c.aliases]) {
    if (byName.has(n)) throw new Error(`command name "${n}" is declared twice`);
    byName.set(n, c);
  }
}

/** A command by its name or an alias. */
export function findCommand(name: string): CommandDef | undefined {
  return byName.get(name);
}
