// A Darktrace client that records the catalog entry of every call it makes, so a test can hold each
// command to the endpoints it declares. Every typed method goes through `request`; `raw` (the
// `dtc call` path) is recorded too, as what no command may use.

import type { RequestOptions } from '../../src/darktrace/client.ts';
import { DarktraceClient, type EndpointSpec, listEndpoints, type Params } from '../../src/darktrace/index.ts';

const names = new Map<EndpointSpec, string>(listEndpoints().map((e) => [e.spec, e.name]));

export class RecordingClient extends DarktraceClient {
  /** `family.operation` per call, in order; `raw GET /path` for a raw call. */
  readonly calls: string[] = [];

  override request(ep: EndpointSpec, params?: Params, options?: RequestOptions): Promise<any> {
    this.calls.push(names.get(ep) ?? `unlisted ${ep.method} ${ep.path}`);
    return super.request(ep, params, options);
  }

  override raw(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    input?: { query?: Params; form?: Params; json?: unknown },
    options?: RequestOptions,
  ): Promise<unknown> {
    this.calls.push(`raw ${method} ${path}`);
    return super.raw(method, path, input, options);
  }
}
