// AI Analyst commands: incident events and groups, their acknowledgement, pins and comments, and
// investigations.
import { command, param } from '../define.ts';
import { ParamError } from '../params.ts';
import { checkWindow, deviceId, end, iso, seconds, start } from './shared.ts';

const eventId = param({
  name: 'eventId',
  type: 'string',
  required: true,
  description: 'AI Analyst incident event ID (uuid)',
  example: 'bc64f242-ce29-4f35-bc94-230991116564',
});

const eventIds = param({
  ...eventId,
  name: 'eventIds',
  type: 'string[]',
  description: 'AI Analyst incident event IDs',
});

export const aiAnalystCommands = [
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),

  command({
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
  }),
  command({
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
  }),
];
