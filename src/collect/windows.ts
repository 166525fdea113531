// How a poller reads each stream: how far it re-reads behind its cursor, how long AI Analyst events
// are re-read for updates, and the largest time window one request asks for. The config file's
// `collector:` takes these; the poller's defaults are these. Declared here once.
import { z } from 'zod';

export const windowsSpec = z.strictObject({
  overlapMinutes: z
    .number()
    .min(0)
    .default(10)
    .describe('each poll re-reads this far behind its cursor, for breaches created late'),
  updateHorizonHours: z
    .number()
    .min(0)
    .default(24)
    .describe('how long after creation AI Analyst events are re-read for their updates'),
  maxWindowMinutes: z.number().min(1).default(60).describe('the longest time window one request asks for'),
});

export type Windows = z.infer<typeof windowsSpec>;

/** The defaults, in milliseconds, as the poller takes them. */
export function windowsMs(w: Windows = windowsSpec.parse({})) {
  return {
    overlapMs: w.overlapMinutes * 60_000,
    updateHorizonMs: w.updateHorizonHours * 3_600_000,
    maxWindowMs: w.maxWindowMinutes * 60_000,
  };
}
