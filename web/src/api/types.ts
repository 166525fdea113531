// The API's types, all derived from the routes' own schemas through the generated OpenAPI types
// (schema.gen.ts, made by `npm run build`), plus the normaliser's canonical Detection, imported as a type
// from the server's sources. Nothing here is declared by hand.
import type { Detection as CanonicalDetection } from '../../../src/normalize/model.ts';
import type { components, paths } from './schema.gen.ts';

type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never;

export type ApiErrorBody = components['schemas']['Error'];
export type Me = Json<paths['/api/auth/me']['get']['responses'][200]>;
export type LoginBody = paths['/api/auth/login']['post']['requestBody'] extends
  | { content: { 'application/json': infer B } }
  | undefined
  ? B
  : never;
export type Instance = Json<paths['/api/instances']['get']['responses'][200]>[number];
export type InstanceState = Instance['status']['state'];
export type InstanceInput = NonNullable<
  paths['/api/instances']['post']['requestBody']
>['content']['application/json'];
export type InstancePatch = NonNullable<
  paths['/api/instances/{name}']['patch']['requestBody']
>['content']['application/json'];
export type Sink = Json<paths['/api/sinks']['get']['responses'][200]>[number];
export type ConnectionCheck = Json<paths['/api/instances/{name}/test']['post']['responses'][200]>;
export type CheckStep = NonNullable<ConnectionCheck['steps']>[number];
export type SinkReset = Json<paths['/api/sinks/{name}/reset']['post']['responses'][200]>;
export type SearchQuery = NonNullable<paths['/api/detections']['get']['parameters']['query']>;
export type SearchResult = Json<paths['/api/detections']['get']['responses'][200]>;
export type HistogramQuery = NonNullable<paths['/api/detections/histogram']['get']['parameters']['query']>;
export type Histogram = Json<paths['/api/detections/histogram']['get']['responses'][200]>;
export type CatalogEntry = Json<paths['/api/commands']['get']['responses'][200]>[number];
export type CommandRun = Json<paths['/api/command-runs']['get']['responses'][200]>[number];
export type InstanceDetail = Json<paths['/api/instances/{name}']['get']['responses'][200]>;
export type DetectionRow = SearchResult['items'][number];
export type DetectionDetail = Json<paths['/api/detections/{id}']['get']['responses'][200]>;
export type DetectionVersion = DetectionDetail['versions'][number];
export type Rendering = Json<paths['/api/detections/{id}/render/{format}']['get']['responses'][200]>;
export type RenderFormat = Rendering['format'];
export type AcknowledgeBody = NonNullable<
  paths['/api/instances/{name}/commands/acknowledge']['post']['requestBody']
>['content']['application/json'];
export type CommandResult = Json<
  paths['/api/instances/{name}/commands/acknowledge']['post']['responses'][200]
>;

/** The canonical detection (the normaliser's model) without the raw record, as the API sends it. */
export type Canonical = Omit<CanonicalDetection, 'raw'>;
