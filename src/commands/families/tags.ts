// Device tag commands: tags on a device, tagging and untagging, and the devices with a tag.

import type { Device, TagEntity } from '../../darktrace/types.ts';
import { command } from '../define.ts';
import { deviceIds, iso } from './shared.ts';

export const tagsCommands = [
  command({
    name: 'get-device-tags',
    role: 'analyst',
    aliases: ['darktrace-get-tags-for-device', 'get-tags-of-devices'],
    description: 'Tags on devices (the tags each device carries; see get-tagged-devices for the reverse)',
    params: [deviceIds],
    output: 'per device: [tag]',
    endpoints: ['tags.entities'],
    each: {
      param: 'deviceIds',
      failure: 'Get device tags failed.',
      run: (dt, did) => dt.tags.entities({ did }),
    },
  }),
  command({
    name: 'tag-devices',
    role: 'analyst',
    aliases: ['darktrace-post-tag-to-device', 'tag-device'],
    description: 'Put tags on devices, optionally for a duration',
    params: [
      deviceIds,
      { name: 'tags', type: 'string[]', required: true, description: 'tag names', example: ['Admin'] },
      {
        name: 'duration',
        type: 'integer',
        min: 1,
        description: 'seconds the tag lasts (default: until removed)',
      },
    ],
    output: 'per device and tag: the appliance answer',
    endpoints: ['tags.tagDevice'],
    each: {
      param: 'deviceIds',
      failure: 'Tag device failed.',
      run: async (dt, did, p) => {
        const out: Record<string, unknown> = {};
        for (const tag of p.tags) out[tag] = await dt.tags.tagDevice({ did, tag, duration: p.duration });
        return out;
      },
    },
  }),
  command({
    name: 'untag-devices',
    role: 'analyst',
    aliases: ['darktrace-delete-tag-from-device', 'remove-device-tags'],
    description: 'Remove tags from devices',
    params: [
      deviceIds,
      { name: 'tags', type: 'string[]', required: true, description: 'tag names', example: ['Admin'] },
    ],
    output: 'per device and tag: the appliance answer',
    endpoints: ['tags.untagDevice'],
    each: {
      param: 'deviceIds',
      failure: 'Remove tag failed.',
      run: async (dt, did, p) => {
        const out: Record<string, unknown> = {};
        for (const tag of p.tags) out[tag] = await dt.tags.untagDevice({ did, tag });
        return out;
      },
    },
  }),
  command({
    name: 'get-tagged-devices',
    role: 'analyst',
    aliases: ['darktrace-get-tagged-devices', 'list-tagged-devices'],
    description: 'Devices carrying a tag, with their details and when the tag expires on each',
    params: [{ name: 'tag', type: 'string', required: true, description: 'tag name', example: 'Admin' }],
    output:
      '{tag, tid, count, devices: [{did, hostname, ip, macaddress, typelabel, devicelabel, tagExpiry (ISO or null), ...}]}',
    endpoints: ['tags.entities'],
    failure: 'Get tagged devices failed.',
    run: async (dt, p) => {
      const r = await dt.tags.entities({ tag: p.tag, fulldevicedetails: true });
      const { entities, devices } = Array.isArray(r)
        ? { entities: r as TagEntity[], devices: [] as Device[] }
        : (r as { entities: TagEntity[]; devices: Device[] });
      const byDid = new Map(devices.map((d) => [d.did, d]));
      const rows = entities
        .filter((e) => e.entityType === 'Device')
        .map((e) => {
          const d = byDid.get(Number(e.entityValue));
          const { tags, ...rest } = d ?? ({ did: Number(e.entityValue) } as Device);
          return { ...rest, tagExpiry: e.expiry ? iso(e.expiry) : null };
        })
        .sort((a, b) => a.did - b.did);
      return { tag: p.tag, tid: entities[0]?.tid ?? null, count: rows.length, devices: rows };
    },
  }),
];
