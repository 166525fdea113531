// The `assets:` section of the service config: the scheduled export. Only the schema lives here, so
// loading the config does not load the exporter.
import { z } from 'zod';
import { parseDuration } from '../util/time.ts';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const assetsScheduleSchema = z.strictObject({
  interval: z.string().superRefine((v, ctx) => {
    try {
      if (parseDuration(v) < 60_000) ctx.addIssue({ code: 'custom', message: 'must be at least 1m' });
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
  target: z.string().refine((v) => /^(file:\/\/\/|https?:\/\/|\/)/.test(v), {
    message: 'must be a file (file:///path or /path) or an http(s):// URL',
  }),
  format: z.enum(EXPORT_FORMATS, { message: `must be one of ${EXPORT_FORMATS.join(', ')}` }).default('csv'),
  instances: z.array(z.string()).optional(),
  incremental: z.boolean().default(false),
  /** Extra request headers for an http(s) target (an API key: use a ${ENV} reference). */
  headers: z.record(z.string(), z.string()).optional(),
});
export type AssetsSchedule = z.infer<typeof assetsScheduleSchema>;
