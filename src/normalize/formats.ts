// The output formats of the normaliser, in a module of their own so that `dtc` can declare its
// `--to` choices without loading the mappers.
export const FORMATS = ['ecs', 'ocsf', 'cef', 'leef', 'json'] as const;
export type Format = (typeof FORMATS)[number];
