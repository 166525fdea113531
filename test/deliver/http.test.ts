// HTTP sinks against a real node:http server on loopback: the webhook's JSON batches, Splunk HEC's
// request shape, Elasticsearch `_bulk` with per-item failures (only those are retried, refused ones are
// dead-lettered), a sink that refuses batches for a while, filters, and the offset moving only on ack.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRecords } from '../../src/collect/ingest.ts';
import { backoffMs, httpAction } from '../../src/deliver/retry.ts';
import { type SinkConfig, SinkWorker } from '../../src/deliver/worker.ts';
import type { Store } from '../../src/store/index.ts';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls.ts';
import { breachLine, tempStore, waitFor } from './helpers.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let server: Server;
let base = '';
let handler: Handler = (_q, _b, res) => res.end();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const log = { info() {}, warn() {} };
const fast = { initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.05, multiplier: 2 };

async function storeWith(n: number, from = 1, host = 'dt-lab'): Promise<Store> {
  const { store } = await tempStore();
  const lines = Array.from({ length: n }, (_, i) => breachLine(from + i, host, ((i % 10) + 1) / 10));
  await ingestRecords(store, undefined, 'test', lines, 'syslog');
  return store;
}

async function run(store: Store, cfg: Omit<SinkConfig, 'retry'> & { retry?: SinkConfig['retry'] }) {
  const w = new SinkWorker(store, { retry: fast, ...cfg }, { log, registry: new Registry() });
  await w.start();
  return w;
}

describe('http sinks', () => {
  it('webhook: JSON array batches; refusals are retried with backoff and the offset waits for the ack', async () => {
    const store = await storeWith(25);
    const got: any[][] = [];
    let refuse = 3;
    handler = (req, body, res) => {
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/json');
      if (refuse-- > 0) {
        res.writeHead(503).end('busy');
        return;
      }
      got.push(JSON.parse(body));
      res.end('ok');
    };
    const w = await run(store, { name: 'hook', format: 'json', url: `http://${base}/hook`, batchSize: 10 });
    await waitFor(async () => (await store.sinkOffsets.get('hook')) === 25, 10_000, 'offset 25');
    await w.stop();
    expect(got.map((b) => b.length)).toEqual([10, 10, 5]);
    const keys = got.flat().map((d) => d.key ?? d.uid ?? d.id);
    expect(keys.every((k) => k !== undefined)).toBe(true);
    expect((await store.sinkOffsets.status('hook'))?.lastError).toMatch(/answered 503: busy/);
    expect(await w.status()).toMatchObject({ offset: 25, lag: 0, type: 'webhook' });
  });

  it('webhook: filters by instance, family and minimum severity; filtered rows still advance the offset', async () => {
    const store = await storeWith(20);
    await ingestRecords(store, undefined, 'test', [breachLine(500, 'other-dt')], 'syslog');
    const got: any[] = [];
    handler = (_q, body, res) => {
      got.push(...JSON.parse(body));
      res.end();
    };
    const rows = await store.readLog(0, 100);
    const w = await run(store, {
      name: 'hi',
      format: 'ecs',
      url: `http://${base}/hook`,
      filter: { instances: ['dt-lab'], families: ['model_breach'], minSeverity: 2 },
    });
    await waitFor(async () => (await store.sinkOffsets.get('hi')) === 21);
    await w.stop();
    const want = rows.filter((r) => r.instance === 'dt-lab' && r.severity >= 2);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(20);
    expect(got.map((d) => d.event.id)).toEqual(want.map((r) => r.nativeId));
  });

  it('Splunk HEC: /services/collector/event, Splunk token, per-event time and sourcetype', async () => {
    const store = await storeWith(3);
    const reqs: { url?: string; auth?: string; body: string }[] = [];
    handler = (req, body, res) => {
      reqs.push({ url: req.url, auth: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    };
    const w = await run(store, {
      name: 'hec',
      format: 'ecs',
      url: `splunk://${base}?token=abc-123&index=sec`,
    });
    await waitFor(async () => (await store.sinkOffsets.get('hec')) === 3);
    await w.stop();
    expect(reqs).toHaveLength(1);
    expect(reqs[0].url).toBe('/services/collector/event');
    expect(reqs[0].auth).toBe('Splunk abc-123');
    const events = reqs[0].body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const rows = await store.readLog(0, 10);
    expect(events.map((e) => e.time)).toEqual(rows.map((r) => r.eventTime / 1000));
    for (const e of events) {
      expect(e).toMatchObject({ sourcetype: 'darktrace', index: 'sec', host: 'dt-lab', source: 'dtc' });
      expect(e.event['@timestamp']).toBeDefined();
    }
    // The token never shows in the status.
    expect(JSON.stringify(await w.status())).not.toContain('abc-123');
  });

  it('Splunk HEC: a non-zero HEC code or 4xx token error is retried, not skipped', async () => {
    const store = await storeWith(2);
    let calls = 0;
    handler = (_q, _b, res) => {
      calls++;
      if (calls === 1) res.writeHead(403).end('{"text":"Invalid token","code":4}');
      else res.end('{"text":"Success","code":0}');
    };
    const w = await run(store, { name: 'hec2', format: 'json', url: `splunk://${base}?token=t` });
    await waitFor(async () => (await store.sinkOffsets.get('hec2')) === 2);
    await w.stop();
    expect(calls).toBe(2);
  });

  it('Splunk HEC: a wrong index waits for the fix, malformed events are dead-lettered; every request names a channel', async () => {
    const store = await storeWith(2);
    const channels = new Set<string | undefined>();
    let calls = 0;
    handler = (req, _b, res) => {
      calls++;
      channels.add(req.headers['x-splunk-request-channel'] as string | undefined);
      if (calls <= 2) res.writeHead(400).end('{"text":"Incorrect index","code":7,"invalid-event-number":0}');
      else res.end('{"text":"Success","code":0}');
    };
    const w = await run(store, { name: 'hec3', format: 'json', url: `splunk://${base}?token=t` });
    await waitFor(async () => (await store.sinkOffsets.get('hec3')) === 2);
    await w.stop();
    expect(calls).toBe(3);
    expect(await store.deadLetters.count()).toBe(0);
    expect((await store.sinkOffsets.status('hec3'))?.lastError).toMatch(
      /code":7.*may not write to this index/,
    );
    expect(channels.size).toBe(1);
    expect([...channels][0]).toMatch(/^[0-9a-f-]{36}$/);

    handler = (_q, _b, res) => res.writeHead(400).end('{"text":"Invalid data format","code":6}');
    const more = await storeWith(2);
    const w2 = await run(more, { name: 'hec4', format: 'json', url: `splunk://${base}?token=t` });
    await waitFor(async () => (await more.sinkOffsets.get('hec4')) === 2);
    await w2.stop();
    expect((await more.deadLetters.list(10)).map((d) => d.reason)).toEqual([
      expect.stringMatching(/Invalid data format/),
      expect.stringMatching(/Invalid data format/),
    ]);
  });

  it('Splunk HEC: an event refused by number is dead-lettered alone; those after it are sent again', async () => {
    const store = await storeWith(5);
    const bodies: string[][] = [];
    handler = (_q, body, res) => {
      const keys = body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).fields.dtc_key);
      bodies.push(keys);
      // The first request: events 0 and 1 taken, event 2 refused, 3 and 4 never read.
      if (bodies.length === 1)
        res.writeHead(400).end('{"text":"Event field cannot be blank","code":13,"invalid-event-number":2}');
      else res.end('{"text":"Success","code":0}');
    };
    const w = await run(store, { name: 'hec5', format: 'json', url: `splunk://${base}?token=t` });
    await waitFor(async () => (await store.sinkOffsets.get('hec5')) === 5);
    await w.stop();
    const keys = (await store.readLog(0, 10)).map((r) => r.key);
    expect(bodies).toEqual([keys, keys.slice(3)]);
    const dl = await store.deadLetters.list(10);
    expect(dl).toHaveLength(1);
    expect(JSON.parse(dl[0].payload).key).toBe(keys[2]);
    expect(dl[0].reason).toMatch(/Event field cannot be blank/);
  });

  describe('Splunk HEC indexer acknowledgement (?ack=true)', () => {
    /** HEC as Splunk Enterprise runs it with acknowledgement on: ackIds per channel, indexed on our say. */
    function hecWithAck(opts: { ackEnabled?: boolean } = {}) {
      const hec = {
        events: [] as { ackId: number; channel: string; keys: string[] }[],
        ackQueries: 0,
        indexed: new Set<number>(),
        autoIndex: false,
        /** Acknowledgement on the token; a test may turn it off midway. */
        ackEnabled: opts.ackEnabled !== false,
        /** Ack queries still to answer 503 "Server is busy". */
        busyPolls: 0,
        /** Turns acknowledgement off once this many ack queries were answered. */
        offAfterQueries: Number.POSITIVE_INFINITY,
        next: new Map<string, number>(),
      };
      handler = (req, body, res) => {
        const channel = req.headers['x-splunk-request-channel'] as string | undefined;
        const reply = (status: number, o: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(o));
        if (req.url === '/services/collector/ack') {
          if (!hec.ackEnabled) return reply(400, { text: 'ACK is disabled', code: 14 });
          if (!channel) return reply(400, { text: 'Data channel is missing', code: 10 });
          hec.ackQueries++;
          if (hec.busyPolls > 0 && hec.busyPolls--) return reply(503, { text: 'Server is busy', code: 9 });
          const ids: number[] = JSON.parse(body).acks;
          if (hec.ackQueries >= hec.offAfterQueries) hec.ackEnabled = false;
          return reply(200, { acks: Object.fromEntries(ids.map((id) => [id, hec.indexed.has(id)])) });
        }
        if (hec.ackEnabled && !channel) return reply(400, { text: 'Data channel is missing', code: 10 });
        const keys = body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).fields.dtc_key);
        if (!hec.ackEnabled) {
          hec.events.push({ ackId: -1, channel: channel ?? '', keys });
          return reply(200, { text: 'Success', code: 0 });
        }
        const ackId = hec.next.get(channel!) ?? 0;
        hec.next.set(channel!, ackId + 1);
        hec.events.push({ ackId, channel: channel!, keys });
        if (hec.autoIndex) hec.indexed.add(ackId);
        reply(200, { text: 'Success', code: 0, ackId });
      };
      return hec;
    }

    it('moves the offset only once Splunk says the batch is indexed, on the channel it was sent on', async () => {
      const store = await storeWith(5);
      const hec = hecWithAck();
      const w = await run(store, {
        name: 'hec-ack',
        format: 'ecs',
        batchSize: 3,
        url: `splunk://${base}?token=t&ack=true&channel=0b6d1c2e-7f43-4c59-9a38-5d1f0e2a4b7c`,
      });
      await waitFor(() => hec.events.length === 1 && hec.ackQueries >= 3, 10_000, 'polling the ack');
      // Received but not indexed: nothing is delivered yet.
      expect(await store.sinkOffsets.get('hec-ack')).toBe(0);
      hec.autoIndex = true;
      hec.indexed.add(0);
      await waitFor(
        async () => (await store.sinkOffsets.get('hec-ack')) === 5,
        10_000,
        'both batches indexed',
      );
      await w.stop();
      expect(hec.events.map((e) => [e.ackId, e.keys.length])).toEqual([
        [0, 3],
        [1, 2],
      ]);
      expect(new Set(hec.events.map((e) => e.channel))).toEqual(
        new Set(['0b6d1c2e-7f43-4c59-9a38-5d1f0e2a4b7c']),
      );
      expect((await store.sinkOffsets.status('hec-ack'))?.lastError ?? null).toBeNull();
    });

    it('sends a batch again when its ack does not come in time', async () => {
      const store = await storeWith(2);
      const hec = hecWithAck();
      const w = await run(store, {
        name: 'hec-late',
        format: 'json',
        url: `splunk://${base}?token=t&ack=true&ackTimeout=0.4`,
      });
      await waitFor(() => hec.events.length >= 2, 10_000, 'sent again');
      expect(await store.sinkOffsets.get('hec-late')).toBe(0);
      expect((await store.sinkOffsets.status('hec-late'))?.lastError).toMatch(
        /did not confirm ackId 0 as indexed within 0\.4 s; sending the batch again/,
      );
      hec.autoIndex = true;
      await waitFor(async () => (await store.sinkOffsets.get('hec-late')) === 2, 10_000, 'indexed at last');
      await w.stop();
      // At least once: the same two detections in every attempt, the last one confirmed.
      for (const e of hec.events) expect(e.keys).toEqual((await store.readLog(0, 10)).map((r) => r.key));
    });

    it('keeps polling through a busy ack endpoint instead of sending again', async () => {
      const store = await storeWith(2);
      const hec = hecWithAck();
      hec.busyPolls = 3;
      hec.autoIndex = true;
      const w = await run(store, {
        name: 'hec-busy',
        format: 'json',
        url: `splunk://${base}?token=t&ack=true`,
      });
      await waitFor(async () => (await store.sinkOffsets.get('hec-busy')) === 2, 10_000, 'indexed');
      await w.stop();
      expect(hec.events).toHaveLength(1); // sent once: a busy poll is not a lost batch
      expect(hec.ackQueries).toBe(4); // the probe and two polls answered busy, then the confirmation
    });

    it('stops sending when acknowledgement is turned off, instead of indexing a batch again and again', async () => {
      const retry = { initialBackoffSeconds: 0.02, maxBackoffSeconds: 0.02 };
      // Off between the probe and the batch: HEC takes the batch without an ackId, once.
      const store = await storeWith(2);
      const hec = hecWithAck();
      hec.offAfterQueries = 1;
      const w = await run(store, {
        name: 'hec-off',
        format: 'json',
        url: `splunk://${base}?token=t&ack=true`,
        retry,
      });
      await waitFor(
        async () => /ACK is disabled/.test((await store.sinkOffsets.status('hec-off'))?.lastError ?? ''),
        10_000,
        'code 14',
      );
      await new Promise((r) => setTimeout(r, 300)); // many backoffs' worth of retries
      await w.stop();
      expect(hec.events.map((e) => e.ackId)).toEqual([-1]);
      expect(await store.sinkOffsets.get('hec-off')).toBe(0);

      // Off while a batch waits for its ack: that batch is not sent again while it stays off.
      const store2 = await storeWith(2);
      const hec2 = hecWithAck();
      const w2 = await run(store2, {
        name: 'hec-off2',
        format: 'json',
        url: `splunk://${base}?token=t&ack=true`,
        retry,
      });
      await waitFor(() => hec2.events.length === 1, 10_000, 'sent');
      hec2.ackEnabled = false;
      await waitFor(
        async () => /ACK is disabled/.test((await store2.sinkOffsets.status('hec-off2'))?.lastError ?? ''),
        10_000,
        'code 14',
      );
      await new Promise((r) => setTimeout(r, 300));
      await w2.stop();
      expect(hec2.events).toHaveLength(1);
      expect(await store2.sinkOffsets.get('hec-off2')).toBe(0);
    });

    it('refuses to send to a token without acknowledgement, saying how to fix it', async () => {
      const store = await storeWith(2);
      const hec = hecWithAck({ ackEnabled: false });
      const w = await run(store, {
        name: 'hec-noack',
        format: 'json',
        url: `splunk://${base}?token=t&ack=true`,
      });
      await waitFor(async () => (await store.sinkOffsets.status('hec-noack'))?.lastError, 10_000, 'an error');
      await w.stop();
      expect(hec.events).toHaveLength(0); // nothing indexed that could never be confirmed
      expect(await store.sinkOffsets.get('hec-noack')).toBe(0);
      expect((await store.sinkOffsets.status('hec-noack'))?.lastError).toMatch(
        /ACK is disabled.*turn on indexer acknowledgement for this HEC token/,
      );
      await expect(
        run(store, { name: 'x', format: 'json', url: `splunk://${base}?token=t&ackTimeout=soon` }),
      ).rejects.toThrow(/\?ackTimeout= must be a number of seconds above 0, got "soon"/);
      await expect(
        run(store, { name: 'y', format: 'json', url: `splunk://${base}?token=t&channel=mine` }),
      ).rejects.toThrow(/\?channel= must be a GUID, got "mine"/);
    });
  });

  it('Elasticsearch _bulk: _id = stable key; only failed items are retried; refused items are dead-lettered', async () => {
    const store = await storeWith(6);
    const rows = await store.readLog(0, 10);
    const bodies: { action: any; doc: any }[][] = [];
    let round = 0;
    handler = (req, body, res) => {
      expect(req.url).toBe('/_bulk');
      expect(req.headers['content-type']).toBe('application/x-ndjson');
      expect(body.endsWith('\n')).toBe(true);
      const lines = body.trim().split('\n');
      const pairs: { action: any; doc: any }[] = [];
      for (let i = 0; i < lines.length; i += 2)
        pairs.push({ action: JSON.parse(lines[i]), doc: JSON.parse(lines[i + 1]) });
      bodies.push(pairs);
      round++;
      // Round 1: item 1 rejected for mapping (never retried), items 2 and 4 overloaded (429/503).
      // Round 2: item (old 4) fails again with 500. Round 3: all fine.
      const status = (i: number) => {
        if (round === 1) return [201, 400, 429, 201, 503, 201][i];
        if (round === 2) return [201, 500][i];
        return 201;
      };
      const items = pairs.map((_p, i) => {
        const s = status(i);
        return {
          index: {
            _index: 'darktrace',
            _id: pairs[i].action.index._id,
            status: s,
            ...(s >= 300
              ? {
                  error: {
                    type: s === 400 ? 'mapper_parsing_exception' : 'es_rejected_execution_exception',
                    reason: 'x',
                  },
                }
              : {}),
          },
        };
      });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ took: 1, errors: items.some((x) => x.index.status >= 300), items }));
    };
    const w = await run(store, { name: 'es', format: 'ecs', url: `elasticsearch://${base}/darktrace` });
    await waitFor(async () => (await store.sinkOffsets.get('es')) === 6, 10_000, 'es offset');
    await w.stop();
    const ids = (b: { action: any }[]) => b.map((p) => p.action.index._id);
    expect(bodies).toHaveLength(3);
    expect(ids(bodies[0])).toEqual(rows.map((r) => r.key));
    expect(bodies[0][0].action.index._index).toBe('darktrace');
    expect(ids(bodies[1])).toEqual([rows[2].key, rows[4].key]);
    expect(ids(bodies[2])).toEqual([rows[4].key]);
    const dl = await store.deadLetters.list(10);
    expect(dl).toHaveLength(1);
    expect(dl[0]).toMatchObject({ source: 'sink:es', instance: 'dt-lab' });
    expect(dl[0].reason).toMatch(/mapper_parsing_exception/);
    expect(JSON.parse(dl[0].payload)).toEqual({ seq: rows[1].seq, key: rows[1].key });
  });

  it('a whole batch refused with 400 goes to the dead-letter table and delivery moves on', async () => {
    const store = await storeWith(2);
    handler = (_q, _b, res) => res.writeHead(400).end('bad request');
    const w = await run(store, { name: 'bad', format: 'json', url: `http://${base}/x` });
    await waitFor(async () => (await store.sinkOffsets.get('bad')) === 2);
    await w.stop();
    expect(await store.deadLetters.count()).toBe(2);
  });

  it('retry table and backoff', async () => {
    expect([200, 204, 400, 401, 404, 413, 429, 500, 503].map(httpAction)).toEqual([
      'ok',
      'ok',
      'dead_letter',
      'retry',
      'retry',
      'dead_letter',
      'retry',
      'retry',
      'retry',
    ]);
    const p = { initialBackoffSeconds: 0.5, maxBackoffSeconds: 30, multiplier: 2 };
    expect(backoffMs(p, 1, () => 1)).toBe(500);
    expect(backoffMs(p, 1, () => 0)).toBe(250);
    expect(backoffMs(p, 4, () => 1)).toBe(4000);
    expect(backoffMs(p, 20, () => 1)).toBe(30_000);
  });

  it('file sink: NDJSON lines in sequence order', async () => {
    const store = await storeWith(7);
    const { dir } = await tempStore('dtc-file-');
    const file = join(dir, 'out', 'x.ndjson');
    const w = await run(store, { name: 'f', format: 'ocsf', url: `file://${file}`, batchSize: 3 });
    await waitFor(async () => (await store.sinkOffsets.get('f')) === 7);
    await w.stop();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(7);
    expect(lines.map((l) => l.class_uid)).toEqual(Array(7).fill(2004));
  });
});

describe('https sinks: certificates', () => {
  let tls: TlsMaterial;
  const servers: HttpsServer[] = [];
  const seen: { url: string; body: string }[] = [];
  const serve = async (cert: { key: string; cert: string }) => {
    const s = createHttpsServer(cert, (req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push({ url: req.url ?? '', body });
        res.setHeader('content-type', 'application/json');
        res.end('{"text":"Success","code":0}');
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
    return `127.0.0.1:${(s.address() as { port: number }).port}`;
  };
  beforeAll(async () => {
    tls = makeTlsMaterial();
  });
  afterAll(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  it('Splunk HEC behind a private CA: refused until the sink trusts it with ?ca=, then delivered', async () => {
    const at = await serve(tls.good);
    const store = await storeWith(3);
    const w = await run(store, { name: 'hec', format: 'json', url: `splunk+https://${at}?token=t` });
    await waitFor(async () => (await store.sinkOffsets.status('hec'))?.lastError, 10_000, 'a TLS error');
    await w.stop();
    expect(await store.sinkOffsets.get('hec')).toBe(0);
    expect((await store.sinkOffsets.status('hec'))?.lastError).toMatch(
      /certificate.*\?ca=\/path\/to\/ca\.pem/,
    );

    const trusted = await run(store, {
      name: 'hec',
      format: 'json',
      url: `splunk+https://${at}?token=t&ca=${tls.caFile}`,
    });
    await waitFor(async () => (await store.sinkOffsets.get('hec')) === 3, 10_000, 'delivered over TLS');
    await trusted.stop();
    expect(seen.at(-1)?.url).toBe('/services/collector/event');
  });

  it('a webhook with ?insecure=true takes a self-signed certificate; ca and insecure are not sent on', async () => {
    const at = await serve(tls.selfSigned);
    const store = await storeWith(2);
    const w = await run(store, { name: 'hook', format: 'json', url: `https://${at}/hook?x=1&insecure=true` });
    await waitFor(async () => (await store.sinkOffsets.get('hook')) === 2, 10_000, 'delivered');
    await w.stop();
    expect(seen.at(-1)?.url).toBe('/hook?x=1');
    expect(JSON.parse(seen.at(-1)!.body)).toHaveLength(2);
  });

  it('a CA file that cannot be read stops the sink at start, naming the file', async () => {
    const store = await storeWith(1);
    const w = new SinkWorker(
      store,
      { name: 'es', format: 'ecs', url: 'elasticsearch+https://127.0.0.1:9/dt?ca=/nonexistent/ca.pem' },
      { log, registry: new Registry() },
    );
    await expect(w.start()).rejects.toThrow(/cannot read the CA file \/nonexistent\/ca\.pem/);
  });
});
