// splunk://host:port?token=… (HTTP) or splunk+https://…: Splunk HTTP Event Collector. One POST per
// batch to /services/collector/event, events concatenated, `Authorization: Splunk <token>`, each with
// its event time in epoch seconds and the SC4S sourcetypes (`darktrace`, `darktrace:audit`).
// A plain 200 means received, not indexed. With `?ack=true` the batch counts as delivered only once
// Splunk's indexer acknowledgement says it is indexed (POST /services/collector/ack on the same
// channel); a batch not confirmed in time is sent again. Replays can duplicate: HEC has no idempotency key.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { redactUrl } from '../util/redact.ts';
import { secret, textBoolean, textNumber } from '../util/spec.ts';
import { retryAfterMs } from '../util/time.ts';
import { asJson, post, tlsDispatcher } from './http.ts';
import { httpError } from './retry.ts';
import { TLS_OPTIONS } from './tls.ts';
import { BatchError, defineSink, SinkError } from './types.ts';

const ACK_HINT =
  'turn on indexer acknowledgement for this HEC token in Splunk (Settings > Data inputs > HTTP Event Collector) or drop ?ack=true';

/**
 * HEC answer codes that a fix on the Splunk side (token, index, acknowledgement) makes pass: retried,
 * never dead-lettered, so the offset waits for the fix instead of skipping detections.
 */
const CONFIG_CODES: Record<number, string> = {
  1: 'the HEC token is disabled',
  2: 'the HEC token is missing',
  3: 'the Authorization header is not accepted',
  4: 'the HEC token is not valid',
  7: 'the token may not write to this index (check the allowed indexes of the HEC token)',
  10: 'the data channel is missing',
  11: 'the data channel is not valid',
  14: `indexer acknowledgement is off: ${ACK_HINT}`,
  16: 'query string authorization is not enabled',
};
/** Codes about the events themselves: sending them again cannot help. */
const DATA_CODES = new Set([5, 6, 12, 13, 15]);

/** HEC's JSON answer; `{}` when the body is not JSON (a proxy's error page). */
function hecAnswer(text: string): {
  code?: number;
  ackId?: unknown;
  acks?: Record<string, boolean>;
  'invalid-event-number'?: number;
} {
  try {
    const a = JSON.parse(text);
    return a && typeof a === 'object' ? a : {};
  } catch {
    return {};
  }
}

const ACK_DISABLED = 14;

/**
 * The error for a HEC refusal: by its HEC code when it has one, else by the HTTP status. A data code
 * that names the event (`invalid-event-number`) refuses that one alone: HEC took the events before it
 * and never read those after, which are sent again.
 */
function hecError(
  what: string,
  status: number,
  text: string,
  retryAfter?: string | null,
  batchSize?: number,
): SinkError | BatchError {
  const answer = hecAnswer(text);
  const { code } = answer;
  const said = `${what} answered ${status}: ${text.slice(0, 300)}`;
  if (code !== undefined && CONFIG_CODES[code])
    return new SinkError(`${said} (${CONFIG_CODES[code]})`, 'retry', retryAfterMs(retryAfter));
  if (code !== undefined && DATA_CODES.has(code)) {
    const bad = answer['invalid-event-number'];
    if (batchSize === undefined || !Number.isInteger(bad) || bad! < 0 || bad! >= batchSize)
      return new SinkError(said, 'dead_letter');
    const failed = new Map<number, SinkError>([[bad!, new SinkError(said, 'dead_letter')]]);
    for (let i = bad! + 1; i < batchSize; i++)
      failed.set(i, new SinkError(`${what}: not read, after the refused event ${bad}`, 'retry'));
    return new BatchError(said, failed);
  }
  if (status >= 200 && status < 300) return new SinkError(said, 'retry'); // a code we do not know, on 200
  return httpError(what, status, text, retryAfter);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const OPTIONS = z.strictObject({
  token: secret(z.string({ error: 'is required: the HEC token' }).min(1, 'is empty'), 'HEC token'),
  index: z.string().min(1).optional().describe("target index (default: the token's)"),
  sourcetype: z
    .string()
    .min(1)
    .optional()
    .describe('sourcetype (default: darktrace, darktrace:audit for audit records)'),
  source: z.string().min(1).default('dtc').describe('source field'),
  ack: textBoolean()
    .default(false)
    .describe('true: a batch is delivered once Splunk confirms it indexed (indexer acknowledgement)'),
  ackTimeout: textNumber(
    z.number({ error: 'must be a number of seconds above 0' }).gt(0, 'must be a number of seconds above 0'),
  )
    .default(120)
    .describe('seconds to wait for that confirmation before sending again'),
  channel: z
    .string()
    .regex(GUID, 'must be a GUID')
    .optional()
    .describe('HEC request channel, a GUID (default: a new one per start)'),
  ...TLS_OPTIONS,
});

export const splunkSink = defineSink({
  type: 'splunk',
  schemes: ['splunk:', 'splunk+http:', 'splunk+https:'],
  summary: 'Splunk HTTP Event Collector (/services/collector/event), with indexer acknowledgement',
  example: 'json:splunk+https://splunk.example:8088?token=${HEC_TOKEN}&ack=true',
  idempotent: false,
  options: OPTIONS,
  create(url, o) {
    const { token, ack } = o;
    const ackTimeoutMs = o.ackTimeout * 1000;
    const scheme = url.protocol === 'splunk+https:' ? 'https' : 'http';
    const path = url.pathname && url.pathname !== '/' ? url.pathname : '/services/collector/event';
    const target = `${scheme}://${url.host}${path}`;
    // The ack endpoint sits beside the event endpoint, behind whatever prefix a proxy adds.
    const at = path.indexOf('/services/collector');
    const ackTarget = `${scheme}://${url.host}${at >= 0 ? path.slice(0, at) : ''}/services/collector/ack`;
    const what = `splunk ${redactUrl(url)}`;
    const dispatcher = tlsDispatcher(o, what);
    const index = o.index;
    // What every event of a family carries, serialised once: `source`, `sourcetype` and `index`.
    const meta = (sourcetype: string) =>
      `,"source":${JSON.stringify(o.source)},"sourcetype":${JSON.stringify(o.sourcetype ?? sourcetype)}${index ? `,"index":${JSON.stringify(index)}` : ''}`;
    const eventMeta = meta('darktrace');
    const auditMeta = meta('darktrace:audit');
    const channel = o.channel ?? randomUUID();
    // Always on a channel: a token with acknowledgement on refuses requests without one (code 10).
    const headers = {
      authorization: `Splunk ${token}`,
      'content-type': 'application/json',
      'x-splunk-request-channel': channel,
    };
    const closing = new AbortController();
    let ackChecked = false;

    /** Whether Splunk reports `id` indexed; failures say why, as retryable errors. */
    const indexed = async (id: number): Promise<boolean> => {
      const r = await post(what, ackTarget, `{"acks":[${id}]}`, headers, dispatcher, closing.signal);
      if (r.status < 200 || r.status >= 300) {
        if (hecAnswer(r.text).code === ACK_DISABLED) ackChecked = false; // ask again before sending again
        const e = hecError(`${what} (ack)`, r.status, r.text, r.retryAfter);
        throw new SinkError(e.message, 'retry'); // the batch was taken: never dead-letter it here
      }
      const acks = hecAnswer(r.text).acks;
      if (!acks)
        throw new SinkError(`${what}: the ack endpoint answered without "acks": ${r.text.slice(0, 200)}`);
      return acks[id] === true;
    };

    /**
     * Polls until `id` is indexed. A failed poll (busy, network) is tried again until the deadline;
     * past it the batch counts as not delivered and is sent again.
     */
    const waitIndexed = async (id: number): Promise<void> => {
      const deadline = Date.now() + ackTimeoutMs;
      let lastFailure = '';
      for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
        try {
          await sleep(delay, undefined, { signal: closing.signal });
          if (await indexed(id)) return;
          lastFailure = '';
        } catch (err) {
          if (closing.signal.aborted)
            throw new SinkError(
              `${what}: stopped while waiting for ackId ${id}; the batch is sent again at start`,
            );
          if (!ackChecked) throw err; // acknowledgement was turned off: no point waiting
          lastFailure = (err as Error).message;
        }
        if (Date.now() >= deadline)
          throw new SinkError(
            `${what}: Splunk did not confirm ackId ${id} as indexed within ${ackTimeoutMs / 1000} s; sending the batch again (it may be indexed twice)${lastFailure ? `; last ack query: ${lastFailure}` : ''}`,
          );
      }
    };

    return {
      async write(items) {
        // Before the first batch: a token without acknowledgement would take the events and never
        // confirm them, and every retry would index them again. Ask first (code 14 says it is off).
        // Only that answer counts here: whatever else the probe meets, the batch itself will meet too.
        if (ack && !ackChecked) {
          const r = await post(what, ackTarget, '{"acks":[0]}', headers, dispatcher, closing.signal);
          if (hecAnswer(r.text).code === ACK_DISABLED) throw hecError(`${what} (ack)`, r.status, r.text);
          ackChecked = true;
        }
        let body = '';
        for (const i of items) {
          // The event is spliced in as already-rendered JSON: no parse and re-stringify per event.
          body += `{"time":${(i.time / 1000).toFixed(3)},"host":${JSON.stringify(i.instance)}${i.family === 'audit' ? auditMeta : eventMeta},"fields":{"dtc_key":${JSON.stringify(i.key)},"dtc_seq":${i.seq}},"event":${asJson(i)}}\n`;
        }
        const r = await post(what, target, body, headers, dispatcher, closing.signal);
        if (r.status < 200 || r.status >= 300)
          throw hecError(what, r.status, r.text, r.retryAfter, items.length);
        // HEC answers {"text":"Success","code":0} (with "ackId" when acknowledgement is on); any other
        // code is a refusal even on 200.
        const answer = hecAnswer(r.text);
        if (answer.code !== undefined && answer.code !== 0)
          throw hecError(what, r.status, r.text, r.retryAfter, items.length);
        if (!ack) return;
        if (typeof answer.ackId !== 'number') {
          ackChecked = false; // acknowledgement went off: ask again before sending anything more
          throw new SinkError(
            `${what}: the batch was taken without an ackId, so it cannot be confirmed: ${ACK_HINT}`,
          );
        }
        await waitIndexed(answer.ackId);
      },
      async close() {
        closing.abort();
        await dispatcher?.close();
      },
    };
  },
});
