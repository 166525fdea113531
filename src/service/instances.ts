// Stored instances as the collector and the commands run them: the store's record in the one instance
// shape (src/collect/instance.ts), with the private token and the proxy password decrypted (never logged).
import { INSTANCE_DEFAULTS, type InstanceConfig, type InstanceRecord } from '../collect/instance.ts';
import type { InstancePatch, Store } from '../store/index.ts';

export function instanceRecord(store: Store, name: string): InstanceRecord | undefined {
  const i = store.instances.get(name);
  if (!i) return undefined;
  const proxy = store.instances.proxyUrl(name);
  return {
    name: i.name,
    url: i.url,
    publicToken: i.publicToken,
    privateToken: store.instances.privateToken(name),
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
