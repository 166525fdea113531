// Appliance commands: health and the connection test.
import { command } from '../define.ts';

export const applianceCommands = [
  command({
    name: 'get-status',
    role: 'analyst',
    aliases: ['darktrace-get-status', 'status'],
    description: 'Appliance health: version, load, probes, licence',
    params: [],
    output: 'the /status object',
    endpoints: ['system.status'],
    failure: 'Get status failed.',
    run: (dt) => dt.system.status(),
  }),
  command({
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
  }),
];
