// A connector's config: the fields every case system shares (filter, grouping, polling) and, by
// `type`, the system's own (registry.ts). One zod schema validates the config file's `cases:` section
// with defaults and descriptions; fields marked `.meta({ secret: true })` are never logged, returned
// or stored (the config file or `${ENV}` gives them at every start).
import { z } from 'zod';
import { FAMILIES } from '../normalize/model.ts';
import { SEVERITY_LABELS } from '../normalize/severity.ts';
import { CASE_SYSTEMS } from './registry.ts';

const LABELS = SEVERITY_LABELS.map((l) => l.toLowerCase());

export const caseFilterSpec = z
  .strictObject({
    minSeverity: z
      .union([z.number().int().min(0).max(5), z.enum(LABELS as [string, ...string[]])])
      .transform((v) => (typeof v === 'number' ? v : LABELS.indexOf(v)))
      .optional()
      .describe('0–5 or a label (low, medium, high, critical): less severe detections open no case'),
    minScore: z.number().min(0).max(100).optional().describe("the detection's 0–100 score at least this"),
    families: z
      .array(z.enum(FAMILIES as [string, ...string[]]))
      .default(['model_breach', 'ai_analyst'])
      .describe('detection families that open cases'),
    instances: z.array(z.string()).optional().describe('only these Darktrace instances'),
    models: z
      .array(z.string().min(1))
      .optional()
      .describe('only model names starting with one of these (e.g. "Anomalous Connection::")'),
  })
  .default({ families: ['model_breach', 'ai_analyst'] });

export const caseCommonSpec = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'letters, digits, - and _ only, at most 63 characters'),
  per: z
    .enum(['detection', 'incident'])
    .default('detection')
    .describe('one case per detection, or per AI Analyst incident group (its events share one case)'),
  filter: caseFilterSpec,
  resolveOnAcknowledge: z
    .boolean()
    .default(true)
    .describe('resolve the case when the detection is acknowledged in Darktrace (reopen on unacknowledge)'),
  onCaseGone: z
    .enum(['stop', 'reopen'])
    .default('stop')
    .describe(
      'a case deleted or no longer visible in the case system: stop updating it (its link is marked gone), or open a new case for the next change',
    ),
  pollIntervalSeconds: z
    .number()
    .min(1)
    .max(86_400)
    .default(60)
    .describe('how often the case system is read for what analysts did (webhooks come at once)'),
  batchSize: z.number().int().min(1).max(1000).default(100).describe('log rows read per pass'),
  publicUrl: z
    .url()
    .optional()
    .describe(
      'where people reach our console, for links in cases (default api.publicUrl, else the API address)',
    ),
});

export type CaseFilter = z.infer<typeof caseFilterSpec>;

/** Every connector type's schema: the shared fields, `type`, and the system's own. */
const variants = CASE_SYSTEMS.map((m) =>
  caseCommonSpec.extend({ type: z.literal(m.type) }).extend(m.spec.shape),
) as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]];

export const caseConnectorSpec = z.discriminatedUnion('type', variants, {
  message: `type must be one of ${CASE_SYSTEMS.map((m) => m.type).join(', ')}`,
});

export type CaseConnectorConfig = z.infer<typeof caseCommonSpec> & { type: string } & Record<string, unknown>;

/** The names of a system's secret fields. */
export function secretFieldsOf(type: string): string[] {
  const m = CASE_SYSTEMS.find((s) => s.type === type);
  if (!m) return [];
  return Object.entries(m.spec.shape)
    .filter(([, f]) => (f as z.ZodType).meta()?.secret === true)
    .map(([k]) => k);
}

/** The config as listings show it: secrets replaced. */
export function publicCaseConfig(c: CaseConnectorConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  for (const k of secretFieldsOf(c.type)) if (out[k] !== undefined) out[k] = 'redacted';
  return out;
}

/** The values of a config's secrets, to scrub from any message (a server may echo one). */
export function secretValues(c: CaseConnectorConfig): string[] {
  const user = typeof c.username === 'string' ? c.username : typeof c.email === 'string' ? c.email : '';
  const values = secretFieldsOf(c.type)
    .map((k) => c[k])
    .filter((v): v is string => typeof v === 'string' && v.length >= 4);
  const basic = values.map((v) => Buffer.from(`${user}:${v}`).toString('base64'));
  return [...values, ...basic].sort((a, b) => b.length - a.length);
}
