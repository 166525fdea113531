// The stored instances an export reads and an import changes, as SDK clients. Tag changes run as the
// catalog's tag-devices and untag-devices commands, so they land in the command audit like any other
// tagging; priority and subnet labels have no command and go straight through the SDK.

import { instanceRecord } from '../collect/instance.ts';
import { commands, runOnInstance, UnknownInstanceError } from '../commands/index.ts';
import { DarktraceClient, type Logger } from '../darktrace/index.ts';
import type { Store } from '../store/index.ts';
import type { ExportSource } from './export.ts';
import type { ImportTarget } from './import.ts';
import { readDevices } from './inventory.ts';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The named instances (default: every enabled one), each with a client; close them when done. */
export async function openSources(
  store: Store,
  names?: readonly string[],
): Promise<ExportSource[] & { close(): Promise<void> }> {
  const all = await store.instances.list();
  const chosen = names?.length ? names : all.filter((i) => i.enabled).map((i) => i.name);
  const records = await Promise.all(chosen.map((name) => instanceRecord(store, name)));
  const sources = chosen.map((name, i) => {
    const rec = records[i];
    if (!rec)
      throw new UnknownInstanceError(
        name,
        all.map((i) => i.name),
      );
    return { name, client: new DarktraceClient({ ...rec, logger: silent }) };
  });
  return Object.assign(sources, {
    close: async () => {
      await Promise.all(sources.map((s) => s.client.close()));
    },
  });
}

/** An import target on stored instances; `who` is recorded in the audit of the tag commands. */
export function storeTarget(store: Store, sources: readonly ExportSource[], who: string): ImportTarget {
  const client = (instance: string) => {
    const s = sources.find((x) => x.name === instance);
    if (!s) throw new Error(`instance "${instance}" is not open`);
    return s.client;
  };
  const run = async (
    name: 'tag-devices' | 'untag-devices',
    instance: string,
    did: number,
    tags: string[],
  ) => {
    const command = commands.find((c) => c.name === name)!;
    const r = await runOnInstance(store, { instance, command, raw: { deviceIds: [did], tags }, who });
    const failed = r.error ?? r.items?.find((i) => !i.ok)?.error;
    if (failed) throw new Error(`${failed.indicator} ${failed.message}`);
  };
  return {
    devices: (instance) => readDevices(instance, client(instance)),
    tag: (instance, did, tags) => run('tag-devices', instance, did, tags),
    untag: (instance, did, tags) => run('untag-devices', instance, did, tags),
    setPriority: async (instance, did, priority) => {
      await client(instance).devices.update({ did, priority });
    },
    setSubnetLabel: async (instance, sid, label) => {
      await client(instance).network.updateSubnet({ sid, label });
    },
  };
}
