// The package's main entry: the signed SDK, and the normaliser's one-call API. The rest is public under
// its own subpath: darktrace-hub/sdk, /normalize, /simulator, /commands.
export * from './darktrace/index.ts';
export {
  type Detection,
  FORMATS,
  type Format,
  isFormat,
  NormalizeError,
  type NormalizeOptions,
  normalize,
  render,
} from './normalize/index.ts';
