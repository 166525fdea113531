// The Darktrace SDK: a typed, signed client for the Threat Visualizer API.
export {
  type CatalogMethods,
  DarktraceClient,
  type DarktraceClientOptions,
  type Logger,
  type RequestOptions,
} from './client.ts';
export {
  type Endpoint,
  type EndpointName,
  type EndpointSpec,
  endpoints,
  listEndpoints,
  type Params,
} from './endpoints.ts';
export * from './errors.ts';
export { buildRequest, type WireRequest } from './request.ts';
export { type Param, type ParamsOf, UnknownParamError } from './schema.ts';
export { decodeSearchHash, type SearchQueryInput, searchDocument, searchHash } from './search.ts';
export { formatDtapiDate, parseDtapiDate, signature, signedTarget } from './signing.ts';
export type * from './types.ts';
