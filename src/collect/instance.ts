// The poller source's spec: one Darktrace instance, as the config file, `dtc instance add|update`, the
// API and the store all take it. Names carry their unit (`pollIntervalSeconds`, `lookbackHours`), and
// every default is declared here once.
import { z } from 'zod';
import type { InstancePatch, Store } from '../store/index.ts';
import { flag, flagsOf, httpUrl, name, secret } from '../util/spec.ts';
import { parseDuration } from '../util/time.ts';

export const INSTANCE_DEFAULTS = {
  pollIntervalSeconds: 300,
  lookbackHours: 24,
  minScore: 0,
  maxItemsPerPoll: 50_000,
} as const;

export const instanceSpec = z.strictObject({
  name: name().describe('a short name, e.g. prod'),
  url: httpUrl().describe('appliance base URL'),
  publicToken: z.string().min(1, 'is empty').describe('API public token'),
  privateToken: secret(z.string().min(1, 'is empty'), 'API private token (stored encrypted)'),
  pollIntervalSeconds: flag(
    z.number().int().min(10).max(86_400).default(INSTANCE_DEFAULTS.pollIntervalSeconds),
    { flag: 'poll-interval', arg: '<seconds>' },
  ).describe('seconds between polls'),
  lookbackHours: flag(
    z
      .number()
      .min(0)
      .max(24 * 365)
      .default(INSTANCE_DEFAULTS.lookbackHours),
    { flag: 'lookback', arg: '<duration>', parse: (t) => parseDuration(t) / 3_600_000 },
  ).describe('how far back the first fetch reaches (flag: a duration such as 24h or 2d)'),
  minScore: flag(z.number().min(0).max(1).default(INSTANCE_DEFAULTS.minScore), { arg: '<0-1>' }).describe(
    'minimum model breach score',
  ),
  maxItemsPerPoll: flag(z.number().int().min(100).max(1_000_000).default(INSTANCE_DEFAULTS.maxItemsPerPoll), {
    flag: 'max-items',
  }).describe('maximum records per poll'),
  tls: z
    .strictObject({
      insecure: z.boolean().default(false).describe('skip TLS verification'),
      caFile: flag(z.string().optional(), { arg: '<path>' }).describe(
        'PEM CA bundle for the appliance certificate',
      ),
    })
    .default({ insecure: false }),
  proxy: flag(httpUrl().optional(), { arg: '<url>' }).describe(
    'HTTP(S) proxy (its password is stored encrypted)',
  ),
  enabled: z.boolean().default(true).describe('poll the instance (false: keep it, do not poll)'),
  checkIntervalMinutes: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('run a connection check every N minutes and keep its history'),
});

export type InstanceConfig = z.infer<typeof instanceSpec>;

/** An instance as the collector runs it: the spec's shape, plus whether the demo's simulator feeds it. */
export type InstanceRecord = Omit<InstanceConfig, 'tls'> & {
  tls: { insecure?: boolean; caFile?: string };
  simulated?: boolean;
};

/** The spec's flags that `dtc instance add|update` take (the name is `--name` or the argument; `enabled` is --enable/--disable). */
export const INSTANCE_FLAGS = flagsOf(instanceSpec).filter(
  (f) => f.path[0] !== 'name' && f.path[0] !== 'enabled',
);

/** A stored instance in the spec's shape, with its private token and proxy password decrypted (never logged). */
export async function instanceRecord(store: Store, name: string): Promise<InstanceRecord | undefined> {
  const i = await store.instances.get(name);
  if (!i) return undefined;
  const proxy = await store.instances.proxyUrl(name);
  return {
    name: i.name,
    url: i.url,
    publicToken: i.publicToken,
    privateToken: await store.instances.privateToken(name),
    pollIntervalSeconds: i.pollIntervalSeconds,
    lookbackHours: i.lookbackHours,
    minScore: i.minScore ?? INSTANCE_DEFAULTS.minScore,
    maxItemsPerPoll: i.maxItemsPerPoll ?? INSTANCE_DEFAULTS.maxItemsPerPoll,
    tls: { insecure: i.tls.insecure, ...(i.tls.caFile ? { caFile: i.tls.caFile } : {}) },
    ...(proxy ? { proxy } : {}),
    enabled: i.enabled,
    simulated: i.simulated,
    ...(i.checkIntervalMinutes ? { checkIntervalMinutes: i.checkIntervalMinutes } : {}),
  };
}

/** A whole validated instance as a store patch: a field it leaves out is cleared, not kept. */
export function replacing(i: InstanceConfig): Required<Omit<InstancePatch, 'simulated'>> {
  const { name: _name, ...rest } = i;
  return {
    ...rest,
    tls: { insecure: i.tls.insecure, caFile: i.tls.caFile ?? null },
    proxy: i.proxy ?? null,
    checkIntervalMinutes: i.checkIntervalMinutes ?? null,
  };
}
