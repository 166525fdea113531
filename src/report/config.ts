// The `reports:` section of the service config: executive reports made on a schedule and delivered to
// a folder, a webhook or by e-mail. Only the schema lives here, so loading the config loads no renderer.
import { z } from 'zod';
import { httpUrl, NAME, secret } from '../util/spec.ts';
import { parseDuration } from '../util/time.ts';

export const WEEKDAYS = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
const FORMATS = ['pdf', 'html', 'json'] as const;

const email = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an e-mail address (name@example.com)');

export const smtpSpec = z.strictObject({
  host: z.string().min(1, 'is empty').describe('the SMTP server'),
  port: z.number().int().min(1).max(65_535).default(587),
  /** starttls: upgrade on the submission port (required); implicit: TLS from the start (465); none: plain (loopback relays only). */
  tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
  user: z.string().optional(),
  password: secret(
    z.string().min(1, 'is empty'),
    'the SMTP password, a ${ENV} reference in practice',
  ).optional(),
  /** Accept a server certificate no CA vouches for (test relays only). */
  insecure: z.boolean().default(false),
});

export const reportTargetSpec = z
  .strictObject({
    /** Write each report into this folder (created when missing). */
    folder: z.string().min(1, 'is empty').optional(),
    /** POST each report to this URL, its media type as content-type. */
    webhook: z
      .strictObject({
        url: httpUrl(),
        /** Extra request headers (an API key: use a ${ENV} reference). */
        headers: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
    /** Send each report as an attachment. */
    email: z
      .strictObject({
        smtp: smtpSpec,
        from: email,
        to: z.array(email).min(1, 'names no recipient'),
        subject: z.string().optional(),
      })
      .optional(),
  })
  .refine((t) => [t.folder, t.webhook, t.email].filter((x) => x !== undefined).length === 1, {
    message: 'must name exactly one of folder, webhook or email',
  });

export const reportScheduleSpec = z
  .strictObject({
    name: z.string().regex(NAME, 'letters, digits, - and _ only, at most 63 characters'),
    /** daily: every day at `hour`; weekly: every `day` at `hour` (UTC). */
    every: z.enum(['daily', 'weekly'], { message: 'must be daily or weekly' }),
    day: z.enum(WEEKDAYS, { message: `must be one of ${WEEKDAYS.join(', ')}` }).default('monday'),
    hour: z.number().int().min(0).max(23).default(6),
    /**
     * The period each report covers, ending at the run: `week` (the last full week, Monday to Monday
     * UTC), `day` (the last full UTC day) or a duration such as 7d or 30d. Default: week for weekly
     * reports, day for daily ones.
     */
    range: z
      .string()
      .superRefine((v, ctx) => {
        if (v === 'week' || v === 'day') return;
        try {
          if (parseDuration(v) < 3_600_000) ctx.addIssue({ code: 'custom', message: 'must be at least 1h' });
        } catch (e) {
          ctx.addIssue({
            code: 'custom',
            message: `must be week, day or a duration: ${(e as Error).message}`,
          });
        }
      })
      .optional(),
    format: z.enum(FORMATS, { message: `must be one of ${FORMATS.join(', ')}` }).default('pdf'),
    /** Only these instances (default: all). */
    instances: z.array(z.string().min(1)).optional(),
    title: z.string().optional(),
    target: reportTargetSpec,
  })
  .transform((s) => ({ ...s, range: s.range ?? (s.every === 'weekly' ? 'week' : 'day') }));

export const reportsSpec = z.array(reportScheduleSpec).superRefine((list, ctx) => {
  const names = new Set<string>();
  list.forEach((s, i) => {
    if (names.has(s.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${s.name}" is declared twice` });
    names.add(s.name);
  });
});

export type ReportSchedule = z.output<typeof reportScheduleSpec>;
export type ReportTarget = z.output<typeof reportTargetSpec>;
