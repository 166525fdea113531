// RESPOND (Antigena) commands: create, list, activate, extend and clear actions on devices.

import { command, param } from '../define.ts';
import { ParamError } from '../params.ts';
import { deviceIds, end, start } from './shared.ts';

const codeid = param({
  name: 'codeid',
  type: 'integer',
  required: true,
  description: 'RESPOND action ID (codeid)',
  example: 48,
});

const reason = param({
  name: 'reason',
  type: 'string',
  description: 'reason, recorded in the action history (required when Audit Antigena is on)',
  example: 'SOC-1234',
});

const ACTIONS = [
  'connection',
  'pol',
  'gpol',
  'quarantine',
  'quarantineOutgoing',
  'quarantineIncoming',
] as const;

const array = <T>(x: T[] | { actions: T[] }) => (Array.isArray(x) ? x : x.actions);

export const respondCommands = [
  command({
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
          action: p.action,
          duration: p.duration,
          reason: p.reason,
          // Checked by validate above.
          connections: p.connections as { src: string; dst: string; port?: number }[] | undefined,
        }),
    },
  }),
  command({
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
  }),
  command({
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
  }),
  command({
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
  }),
  command({
    name: 'clear-action',
    role: 'responder',
    aliases: ['darktrace-clear-action'],
    description: 'Clear (stop) a RESPOND action',
    params: [codeid, reason],
    output: '{"response":"SUCCESS"}',
    endpoints: ['antigena.update'],
    failure: 'Clear action failed.',
    run: (dt, p) => dt.clearAction(p.codeid, p.reason),
  }),
];
