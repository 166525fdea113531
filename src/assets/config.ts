// The `assets:` section of the service config: the scheduled export. Only the schema lives here, so
// loading the config does not load the exporter.
import { z } from 'zod';
import { parseDuration } from '../util/time.ts';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A `sink:<name>` target's sink name, else undefined. */
export const sinkTargetName = (target: string) => (target.startsWith('sink:') ? target.slice(5) : undefined);

export const assetsScheduleSchema = z
  .strictObject({
    interval: z.string().superRefine((v, ctx) => {
      try {
        if (parseDuration(v) < 60_000) ctx.addIssue({ code: 'custom', message: 'must be at least 1m' });
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
    target: z.string().refine((v) => /^(file:\/\/\/|https?:\/\/|\/|sink:[^\s]+$)/.test(v), {
      message:
        'must be a file (file:///path or /path), an http(s):// URL, or sink:<name> (a sink the config declares)',
    }),
    format: z.enum(EXPORT_FORMATS, { message: `must be one of ${EXPORT_FORMATS.join(', ')}` }).default('csv'),
    instances: z.array(z.string()).optional(),
    incremental: z.boolean().default(false),
    /** Extra request headers for an http(s) target (an API key: use a ${ENV} reference). */
    headers: z.record(z.string(), z.string()).optional(),
  })
  .refine((s) => !sinkTargetName(s.target) || s.format === 'jsonl', {
    message: 'a sink:<name> target takes format: jsonl (each device one JSON record, as sinks carry them)',
    path: ['format'],
  });
export type AssetsSchedule = z.infer<typeof assetsScheduleSchema>;
