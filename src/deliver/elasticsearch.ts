// elasticsearch://host:port/index (HTTP) or elasticsearch+https://…: the `_bulk` API with `_id` = the
// detection's stable key, so a replay rewrites the same documents instead of adding new ones, and a
// later version of a detection replaces the earlier one. The answer is read per item: only items with
// a retryable status (429, 5xx) are retried; items the cluster will never take (mapping errors) go to
// the dead-letter table.

import { z } from 'zod';
import { redactUrl } from '../util/redact.ts';
import { secret } from '../util/spec.ts';
import { asJson, basicAuth, post, tlsDispatcher } from './http.ts';
import { httpError } from './retry.ts';
import { TLS_OPTIONS } from './tls.ts';
import { BatchError, defineSink, SinkError } from './types.ts';

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string };
}

export const elasticsearchSink = defineSink({
  type: 'elasticsearch',
  schemes: ['elasticsearch:', 'elasticsearch+http:', 'elasticsearch+https:'],
  summary: 'Elasticsearch/OpenSearch _bulk with _id = the stable key (idempotent replays)',
  example: 'ecs:elasticsearch://127.0.0.1:9200/darktrace',
  idempotent: true,
  options: z.strictObject({
    op: z
      .enum(['index', 'create'], { error: 'must be index or create' })
      .default('index')
      .describe('index (replace by _id) or create (data streams; 409 counts as done)'),
    apiKey: secret(z.string().min(1), 'API key (Authorization: ApiKey …)').optional(),
    ...TLS_OPTIONS,
  }),
  create(url, o) {
    const index = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
    if (!index)
      throw new Error(
        'elasticsearch sink: the URL needs an index, e.g. elasticsearch://127.0.0.1:9200/darktrace',
      );
    const op = o.op;
    const scheme = url.protocol === 'elasticsearch+https:' ? 'https' : 'http';
    const target = `${scheme}://${url.host}/_bulk`;
    const what = `elasticsearch ${redactUrl(url)}`;
    const dispatcher = tlsDispatcher(o, what);
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    const apiKey = o.apiKey;
    if (apiKey) headers.authorization = `ApiKey ${apiKey}`;
    else if (url.username) headers.authorization = basicAuth(url);
    const bulkAction = `{"${op}":{"_index":${JSON.stringify(index)},"_id":`; // the same for every item
    return {
      async write(items) {
        let body = '';
        for (const i of items) body += `${bulkAction}${JSON.stringify(i.key)}}}\n${asJson(i)}\n`;
        const r = await post(what, target, body, headers, dispatcher);
        if (r.status < 200 || r.status >= 300) throw httpError(what, r.status, r.text, r.retryAfter);
        let answer: { errors?: boolean; items?: Record<string, BulkItem>[] };
        try {
          answer = JSON.parse(r.text);
        } catch {
          throw new SinkError(`${what}: _bulk answer is not JSON`);
        }
        if (!answer.errors) return;
        const failed = new Map<number, SinkError>();
        (answer.items ?? []).forEach((entry, n) => {
          const it = Object.values(entry)[0];
          if (!it || (it.status >= 200 && it.status < 300)) return;
          if (op === 'create' && it.status === 409) return; // already there: a replay
          // Per item (Vector's retry.rs): overloaded or failing shards retry, anything else never will.
          const action = it.status === 429 || it.status >= 500 ? 'retry' : 'dead_letter';
          const why = `${it.error?.type ?? 'error'}: ${it.error?.reason ?? ''}`.slice(0, 300);
          failed.set(n, new SinkError(`${what}: item ${n} ${it.status} ${why}`, action));
        });
        if ((answer.items ?? []).length !== items.length && failed.size === 0)
          throw new SinkError(`${what}: _bulk answered ${answer.items?.length} items for ${items.length}`);
        if (failed.size)
          throw new BatchError(`${what}: ${failed.size} of ${items.length} items failed`, failed);
      },
      async close() {
        await dispatcher?.close();
      },
    };
  },
});
