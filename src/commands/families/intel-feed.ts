// Watched-list (intel feed) commands: list sources and entries, add and remove domains and IPs.
import { command, param } from '../define.ts';
import { ParamError } from '../params.ts';
import { end, iso } from './shared.ts';

const watchedEntries = param({
  name: 'entries',
  type: 'string[]',
  required: true,
  description: 'domains, hostnames or IPs',
  example: ['bad.example.com', '203.0.113.9'],
});

export const intelFeedCommands = [
  command({
    name: 'list-intel-feed-sources',
    role: 'analyst',
    aliases: ['darktrace-list-intel-feed-sources', 'list-watched-list-sources'],
    description: 'The sources of the watched-domain list',
    params: [],
    output: '[source name]',
    endpoints: ['intelFeed.list'],
    failure: 'List intel feed sources failed.',
    run: async (dt) => (await dt.intelFeed.list({ sources: true })) as string[],
  }),
  command({
    name: 'list-intel-feed',
    role: 'analyst',
    aliases: ['darktrace-list-intel-feed', 'list-watched-list', 'darktrace-get-watched-list'],
    description: 'Watched domains and IPs, with description, expiry and strength (all sources, or one)',
    params: [{ name: 'source', type: 'string', description: 'only this source', example: 'Default' }],
    output: '[{name, description, expiry, strength, iagn}] sorted by name',
    endpoints: ['intelFeed.list'],
    failure: 'List intel feed failed.',
    run: async (dt, p) =>
      ((await dt.intelFeed.list({ fulldetails: true, source: p.source })) as { name: string }[])
        .slice()
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  }),
  command({
    name: 'add-to-watched-list',
    role: 'responder',
    aliases: ['darktrace-post-to-watched-list', 'add-intel-feed-entries'],
    description: 'Add domains or IPs to the watched list, with a description, an expiry and a source',
    params: [
      watchedEntries,
      {
        name: 'description',
        type: 'string',
        description: 'why it is watched (under 256 characters, no quotes)',
        example: 'C2 from IR-1234',
      },
      { ...end, name: 'expiry', description: 'when the entry expires: ISO 8601, epoch ms (default never)' },
      { name: 'source', type: 'string', description: 'the list to add to (default Default)', example: 'SOC' },
      {
        name: 'iagn',
        type: 'boolean',
        description: 'let RESPOND act on connections to it',
      },
    ],
    output: 'per entry: {added, updated, response}',
    endpoints: ['intelFeed.update'],
    validate: (p) => {
      if (p.description !== undefined && (p.description.length >= 256 || /["']/.test(p.description)))
        throw new ParamError('description', 'must be under 256 characters, without quotes');
      if (p.source !== undefined && p.source.length >= 64)
        throw new ParamError('source', 'must be under 64 characters');
      if (p.expiry !== undefined && p.expiry <= Date.now())
        throw new ParamError('expiry', 'must be in the future');
    },
    each: {
      param: 'entries',
      failure: 'Add to watched list failed.',
      run: (dt, entry, p) =>
        dt.intelFeed.update({
          addentry: entry,
          description: p.description,
          source: p.source,
          expiry: p.expiry === undefined ? undefined : iso(p.expiry),
          hostname: !/^[\d.]+$|:/.test(entry),
          iagn: p.iagn,
        }),
    },
  }),
  command({
    name: 'remove-from-watched-list',
    role: 'responder',
    aliases: ['darktrace-remove-from-watched-list', 'remove-intel-feed-entries'],
    description: 'Remove domains or IPs from the watched list',
    params: [watchedEntries, { name: 'source', type: 'string', description: 'only from this source' }],
    output: 'per entry: {removed: true|false, response}',
    endpoints: ['intelFeed.list', 'intelFeed.update'],
    each: {
      param: 'entries',
      failure: 'Remove from watched list failed.',
      run: async (dt, entry, p) => {
        const before = (await dt.intelFeed.list({ source: p.source })) as string[];
        const r = await dt.intelFeed.update({ removeentry: entry, source: p.source });
        return { removed: before.includes(String(entry).toLowerCase()), response: r.response };
      },
    },
  }),
];
