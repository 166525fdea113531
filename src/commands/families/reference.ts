// Model and reference data commands: models, components, filter types, metrics, enums and the tag list.
import { command } from '../define.ts';

const ENUM_TYPES: Record<string, string> = {
  applicationprotocols: 'Application protocol',
  protocols: 'Protocol',
  countries: 'Country',
  destinationdevicetypes: 'Destination device type',
  sourcedevicetypes: 'Internal source device type',
  vendors: 'Vendor',
};

export const referenceCommands = [
  command({
    name: 'get-models',
    role: 'analyst',
    aliases: ['darktrace-get-model', 'get-model'],
    description: 'Model definitions by UUID (all when none given)',
    params: [
      {
        name: 'uuids',
        type: 'string[]',
        description: 'model UUIDs',
        example: ['80010119-6d7f-0000-0305-5e0000000325'],
      },
    ],
    output: '[model]',
    endpoints: ['models.list'],
    failure: 'Get models failed.',
    run: async (dt, p) => {
      if (!p.uuids?.length) return dt.models.list();
      const out = [];
      for (const uuid of p.uuids) {
        const r = await dt.models.list({ uuid });
        out.push(...(Array.isArray(r) ? r : [r]));
      }
      return out;
    },
  }),
  command({
    name: 'get-model-components',
    role: 'analyst',
    aliases: ['darktrace-get-model-component', 'get-model-component'],
    description: 'Model components by ID',
    params: [
      {
        name: 'componentIds',
        type: 'integer[]',
        required: true,
        description: 'component IDs (cid)',
        example: [1234],
      },
    ],
    output: 'per component: {cid, chid, mlid, threshold, interval, logic, filters, active}',
    endpoints: ['models.component'],
    each: {
      param: 'componentIds',
      failure: 'Get model component failed.',
      run: (dt, cid) => dt.models.component({ cid }),
    },
  }),
  command({
    name: 'list-filter-types',
    role: 'analyst',
    aliases: ['darktrace-list-filter-types'],
    description: 'Filter types usable in model components',
    params: [],
    output: '[{filtertype, valuetype, graphable, comparators}]',
    endpoints: ['reference.filterTypes'],
    failure: 'List filter types failed.',
    run: (dt) => dt.reference.filterTypes(),
  }),
  command({
    name: 'list-metrics',
    role: 'analyst',
    aliases: ['darktrace-list-metrics'],
    description: 'Metrics the appliance computes',
    params: [],
    output: '[{mlid, name, label, units, filtertypes}]',
    endpoints: ['reference.metrics'],
    failure: 'List metrics failed.',
    run: (dt) => dt.reference.metrics(),
  }),
  command({
    name: 'get-enumerated-types',
    role: 'analyst',
    aliases: ['darktrace-get-enums', 'get-enums'],
    description: `Enumerated types: ${Object.keys(ENUM_TYPES).join(', ')} (all when none given)`,
    params: [
      {
        name: 'types',
        type: 'string[]',
        enum: Object.keys(ENUM_TYPES),
        description: Object.keys(ENUM_TYPES).join(', '),
        example: ['countries'],
      },
    ],
    output: '{<type>: [{code, name}]}',
    endpoints: ['reference.enums'],
    failure: 'Get enumerated types failed.',
    run: async (dt, p) => {
      const all = await dt.reference.enums();
      const wanted: string[] = p.types?.length ? p.types : Object.keys(ENUM_TYPES);
      return Object.fromEntries(wanted.map((t) => [t, all[ENUM_TYPES[t]] ?? []]));
    },
  }),
  command({
    name: 'list-tags',
    role: 'analyst',
    aliases: ['darktrace-list-tags'],
    description: 'Tags, all or by name (case-insensitive)',
    params: [{ name: 'names', type: 'string[]', description: 'tag names', example: ['Admin'] }],
    output: '[{tid, name, data, restricted, ...}]',
    endpoints: ['tags.list'],
    failure: 'List tags failed.',
    run: async (dt, p) => {
      const all = await dt.tags.list();
      if (!p.names?.length) return all;
      const wanted = new Set(p.names.map((n: string) => n.toLowerCase()));
      return all.filter((t) => wanted.has(t.name.toLowerCase()));
    },
  }),
];
