// Parameters and helpers shared by the command families.
import { param } from '../define.ts';
import { ParamError } from '../params.ts';

export const deviceIds = param({
  name: 'deviceIds',
  type: 'integer[]',
  required: true,
  description: 'device IDs (did)',
  example: [12],
});

export const deviceId = param({
  name: 'deviceId',
  type: 'integer',
  required: true,
  description: 'device ID (did)',
  example: 12,
});

export const start = param({
  name: 'start',
  type: 'time',
  description: 'start: ISO 8601 (UTC unless an offset is given), epoch ms, or an age such as 24h',
  example: '24h',
});

export const end = param({
  name: 'end',
  type: 'time',
  description: 'end: ISO 8601, epoch ms, or an age such as 1h',
  example: '2024-01-15T10:00:00Z',
});

/** Cross-parameter rule of a command with a start and an end. */
export function checkWindow(p: { start?: number; end?: number }): void {
  if (p.start !== undefined && p.end !== undefined && p.start > p.end)
    throw new ParamError('start', 'must be before --end');
}

export const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export const seconds = (ms: number) => Math.floor(ms / 1000);
