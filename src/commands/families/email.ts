// Darktrace /EMAIL commands: read and search messages, hold and release them.
import { command, param } from '../define.ts';
import { checkWindow, end, start } from './shared.ts';

const emailUuids = param({
  name: 'uuids',
  type: 'string[]',
  required: true,
  description: 'Darktrace /EMAIL message uuids',
  example: ['BA13B274-03F3-46D6-8698-244DFF1037A0.1'],
});

const emailRecipients = param({
  name: 'recipients',
  type: 'string[]',
  description: 'recipient addresses (default: every recipient of the message)',
  example: ['jane.doe@example.com'],
});

export const emailCommands = [
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
];
