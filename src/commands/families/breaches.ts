// Model breach commands: acknowledge, comment, read and search breaches, and the SOAR fetch-events.

import type { Model, ModelBreach } from '../../darktrace/types.ts';
import { command, param } from '../define.ts';
import { ParamError } from '../params.ts';
import { end, iso, start } from './shared.ts';

const breachIds = param({
  name: 'breachIds',
  type: 'integer[]',
  required: true,
  description: 'model breach IDs (pbid)',
  example: [95, 96],
});

const SEARCH_KEYS = ['did', 'minscore', 'pid', 'pbid', 'uuid'];

const flatModel = (b: ModelBreach): Partial<Model> =>
  ('then' in b.model ? (b.model.now ?? b.model.then) : b.model) as Model;

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

export const breachesCommands = [
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
];
