// Stored instances as the collector and the commands use them, with the private token decrypted.
import type { InstanceRecord } from '../collect/collector.ts';
import type { InstanceInput, Store } from '../store/index.ts';
import type { InstanceConfig } from './config.ts';

/** The collector's view of a stored instance, with its private token and proxy password decrypted (never logged). */
export function instanceRecord(store: Store, name: string): InstanceRecord | undefined {
  const i = store.instances.get(name);
  if (!i) return undefined;
  return {
    name: i.name,
    url: i.url,
    publicToken: i.publicToken,
    privateToken: store.instances.privateToken(name),
    pollIntervalSeconds: i.pollIntervalS,
    lookbackHours: i.lookbackS / 3600,
    minScore: i.minScore ?? 0,
    maxItemsPerPoll: i.maxItemsPerPoll ?? 50_000,
    tls: { insecure: i.tls.insecure, caFile: i.tls.caFile ?? undefined },
    proxy: store.instances.proxyUrl(name) ?? undefined,
    enabled: i.enabled,
    simulated: i.simulated,
    checkIntervalMinutes: i.checkIntervalMin ?? undefined,
  };
}

/** A validated instance (config file or `dtc instance add`) as the store takes it. */
export function instanceInput(i: InstanceConfig, simulated = false): InstanceInput {
  return {
    name: i.name,
    url: i.url,
    publicToken: i.publicToken,
    privateToken: i.privateToken,
    pollIntervalS: i.pollIntervalSeconds,
    lookbackS: i.lookbackHours * 3600,
    minScore: i.minScore,
    maxItemsPerPoll: i.maxItemsPerPoll,
    tls: { insecure: i.tls.insecure, caFile: i.tls.caFile ?? null },
    proxy: i.proxy ?? null,
    enabled: i.enabled,
    checkIntervalMin: i.checkIntervalMinutes ?? null,
    simulated,
  };
}
