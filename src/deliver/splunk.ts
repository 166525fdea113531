// splunk://host:port?token=… (HTTP) or splunk+https://…: Splunk HTTP Event Collector. One POST per
// batch to /services/collector/event, events concatenated, `Authorization: Splunk <token>`, each with
// its event time in epoch seconds and the SC4S sourcetypes (`darktrace`, `darktrace:audit`). A 200
// means received, not indexed; replays duplicate (HEC has no idempotency key).
import { asJson, post, redactUrl, tlsDispatcher } from './http.ts';
import { httpError } from './retry.ts';
import { TLS_FIELDS } from './tls.ts';
import { SinkError, type SinkModule } from './types.ts';

export const splunkSink: SinkModule = {
  type: 'splunk',
  schemes: ['splunk:', 'splunk+http:', 'splunk+https:'],
  summary: 'Splunk HTTP Event Collector (/services/collector/event)',
  example: 'json:splunk+https://splunk.example:8088?token=${HEC_TOKEN}',
  fields: [
    { name: 'token', description: 'HEC token', secret: true },
    { name: 'index', description: 'target index', default: 'the token default' },
    { name: 'sourcetype', description: 'sourcetype', default: 'darktrace (darktrace:audit for audit)' },
    { name: 'source', description: 'source field', default: 'dtc' },
    ...TLS_FIELDS,
  ],
  idempotent: false,
  create(url) {
    const q = url.searchParams;
    const token = q.get('token');
    if (!token) throw new Error('splunk sink: the URL needs ?token=<HEC token>');
    const scheme = url.protocol === 'splunk+https:' ? 'https' : 'http';
    const target = `${scheme}://${url.host}${url.pathname && url.pathname !== '/' ? url.pathname : '/services/collector/event'}`;
    const what = `splunk ${redactUrl(url)}`;
    const dispatcher = tlsDispatcher(new URL(url.href), what);
    const index = q.get('index') ?? undefined;
    const source = q.get('source') ?? 'dtc';
    const headers = { authorization: `Splunk ${token}`, 'content-type': 'application/json' };
    return {
      async write(items) {
        let body = '';
        for (const i of items) {
          const sourcetype = q.get('sourcetype') ?? (i.family === 'audit' ? 'darktrace:audit' : 'darktrace');
          // The event is spliced in as already-rendered JSON: no parse and re-stringify per event.
          body += `{"time":${(i.time / 1000).toFixed(3)},"host":${JSON.stringify(i.instance)},"source":${JSON.stringify(source)},"sourcetype":${JSON.stringify(sourcetype)}${index ? `,"index":${JSON.stringify(index)}` : ''},"fields":{"dtc_key":${JSON.stringify(i.key)},"dtc_seq":${i.seq}},"event":${asJson(i)}}\n`;
        }
        const r = await post(what, target, body, headers, dispatcher);
        if (r.status < 200 || r.status >= 300) throw httpError(what, r.status, r.text, r.retryAfter);
        // HEC answers {"text":"Success","code":0}; any other code is a refusal even on 200.
        try {
          const a = JSON.parse(r.text) as { code?: number; text?: string };
          if (a.code !== undefined && a.code !== 0)
            throw new SinkError(`${what}: HEC code ${a.code} ${a.text ?? ''}`);
        } catch (err) {
          if (err instanceof SinkError) throw err;
        }
      },
      async close() {
        await dispatcher?.close();
      },
    };
  },
};
