// The instance form's values as typed (strings) and what is sent: the whole instance to add one, and
// only the fields that changed to edit one (an empty private token keeps the stored one; an emptied
// proxy removes it). The TLS choice is one of: verify with the system's CAs, verify with a CA file, or
// insecure (no verification).
import type { Instance, InstanceInput, InstancePatch } from '../api/types.ts';

export type TlsMode = 'verify' | 'ca' | 'insecure';

export interface InstanceFormValues {
  name: string;
  url: string;
  publicToken: string;
  privateToken: string;
  pollIntervalSeconds: string;
  lookbackHours: string;
  minScore: string;
  maxItemsPerPoll: string;
  tlsMode: TlsMode;
  caFile: string;
  proxy: string;
}

/** The form's starting values: the defaults of the instance schema, or those of an instance. */
export function formValues(i?: Instance): InstanceFormValues {
  const tls = (i?.tls ?? {}) as { insecure?: boolean; caFile?: string | null };
  return {
    name: i?.name ?? '',
    url: i?.url ?? '',
    publicToken: i?.publicToken ?? '',
    privateToken: '',
    pollIntervalSeconds: String(i?.pollIntervalSeconds ?? 300),
    lookbackHours: String(i?.lookbackHours ?? 24),
    minScore: String(i?.minScore ?? 0),
    maxItemsPerPoll: String(i?.maxItemsPerPoll ?? 50_000),
    tlsMode: tls.insecure ? 'insecure' : tls.caFile ? 'ca' : 'verify',
    caFile: tls.caFile ?? '',
    proxy: (i?.proxy as string | null | undefined) ?? '',
  };
}

const num = (s: string) => Number(s.trim());
const tlsOf = (v: InstanceFormValues) =>
  v.tlsMode === 'insecure'
    ? { insecure: true }
    : v.tlsMode === 'ca' && v.caFile.trim()
      ? { insecure: false, caFile: v.caFile.trim() }
      : { insecure: false };

/** The body of POST /api/instances. */
export function toInput(v: InstanceFormValues): InstanceInput {
  return {
    name: v.name.trim(),
    url: v.url.trim(),
    publicToken: v.publicToken.trim(),
    privateToken: v.privateToken,
    pollIntervalSeconds: num(v.pollIntervalSeconds),
    lookbackHours: num(v.lookbackHours),
    minScore: num(v.minScore),
    maxItemsPerPoll: num(v.maxItemsPerPoll),
    tls: tlsOf(v),
    ...(v.proxy.trim() ? { proxy: v.proxy.trim() } : {}),
  } as InstanceInput;
}

/** The body of PATCH /api/instances/:name: only what differs from `before`. */
export function toPatch(before: InstanceFormValues, after: InstanceFormValues): InstancePatch {
  const patch: Record<string, unknown> = {};
  const text = ['url', 'publicToken'] as const;
  for (const k of text) if (after[k].trim() !== before[k].trim()) patch[k] = after[k].trim();
  if (after.privateToken) patch.privateToken = after.privateToken;
  const numbers = ['pollIntervalSeconds', 'lookbackHours', 'minScore', 'maxItemsPerPoll'] as const;
  for (const k of numbers) if (num(after[k]) !== num(before[k])) patch[k] = num(after[k]);
  if (JSON.stringify(tlsOf(after)) !== JSON.stringify(tlsOf(before))) patch.tls = tlsOf(after);
  if (after.proxy.trim() !== before.proxy.trim()) patch.proxy = after.proxy.trim() || null;
  return patch as InstancePatch;
}
