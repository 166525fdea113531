// A live stream of what changes (Server-Sent Events), for the console and for scripts:
//   event: detection   a new or changed detection (its log row's columns; `id:` is its sequence number,
//                      so a client that reconnects with Last-Event-ID misses nothing still in the log)
//   event: instance    an instance whose status changed (state, last error, last success)
//   event: sink        a sink whose offset, lag or error changed
// One timer per process reads the store and the status once a second while anyone listens, whatever
// wrote the change (a poll, syslog, the CLI), and fans the events out to every listener.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ApiDeps } from '../deps.ts';

const TICK_MS = 1000;
const HEARTBEAT_MS = 15_000;
/** Rows sent to one client per tick at most; a client far behind catches up over several ticks. */
const BATCH = 500;

interface Client {
  reply: FastifyReply;
  after: number;
  families?: Set<string>;
}

export const eventRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const clients = new Set<Client>();
  let timer: NodeJS.Timeout | undefined;
  let lastBeat = Date.now();
  let instances = new Map<string, string>();
  let sinks = new Map<string, string>();
  const send = (c: Client, event: string, data: unknown, id?: number) =>
    c.reply.raw.write(
      `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
    );

  let ticking = false;
  const tick = async () => {
    const max = await deps.store.maxSeq();
    for (const c of clients) {
      if (c.after >= max) continue;
      const rows = await deps.store.readLog(c.after, BATCH, { content: false });
      for (const r of rows) {
        c.after = r.seq;
        if (c.families && !c.families.has(r.family)) continue;
        const { raw: _r, ...columns } = r;
        send(c, 'detection', columns, r.seq);
      }
    }
    const now = new Map(
      deps.collector.status().map((s) => [s.name, JSON.stringify([s.state, s.lastError, s.lastSuccessAt])]),
    );
    for (const s of deps.collector.status())
      if (instances.get(s.name) !== now.get(s.name))
        for (const c of clients)
          send(c, 'instance', {
            name: s.name,
            state: s.state,
            lastError: s.lastError,
            lastSuccessAt: s.lastSuccessAt,
          });
    instances = now;
    const sinkStatus = (await deps.deliverer?.status()) ?? [];
    const sinkNow = new Map(sinkStatus.map((s) => [s.name, JSON.stringify([s.offset, s.lag, s.lastError])]));
    for (const s of sinkStatus)
      if (sinks.get(s.name) !== sinkNow.get(s.name))
        for (const c of clients)
          send(c, 'sink', { name: s.name, offset: s.offset, lag: s.lag, lastError: s.lastError });
    sinks = sinkNow;
    if (Date.now() - lastBeat >= HEARTBEAT_MS) {
      lastBeat = Date.now();
      for (const c of clients) c.reply.raw.write(': keep-alive\n\n');
    }
  };

  // Before the server closes: open streams would otherwise hold it open.
  app.addHook('preClose', async () => {
    if (timer) clearInterval(timer);
    for (const c of clients) c.reply.raw.end();
    clients.clear();
  });

  app.get(
    '/api/events',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Server-Sent Events: new and changed detections, instance status changes, sink lag',
        tags: ['events'],
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.Integer({
                minimum: 0,
                description: 'send detections after this sequence number (default: from now)',
              }),
            ),
            family: Type.Optional(
              Type.String({ maxLength: 200, description: 'comma-separated families to send' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.String({ description: 'text/event-stream' }) },
      },
    },
    async (req, reply) => {
      const last = Number(req.headers['last-event-id']);
      const c: Client = {
        reply,
        after: Number.isInteger(last) && last >= 0 ? last : (req.query.after ?? (await deps.store.maxSeq())),
        families: req.query.family ? new Set(req.query.family.split(',').map((f) => f.trim())) : undefined,
      };
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      reply.raw.write(`retry: 3000\n: connected at sequence ${c.after}\n\n`);
      clients.add(c);
      // The current state first, so a new listener needs no other request to start.
      for (const s of deps.collector.status())
        send(c, 'instance', {
          name: s.name,
          state: s.state,
          lastError: s.lastError,
          lastSuccessAt: s.lastSuccessAt,
        });
      // One tick at a time; a store that fails is said in the log, never an unhandled rejection.
      timer ??= setInterval(() => {
        if (ticking) return;
        ticking = true;
        tick()
          .catch((err: Error) => app.log.warn(`events: ${err.message}`))
          .finally(() => {
            ticking = false;
          });
      }, TICK_MS);
      req.raw.on('close', () => {
        clients.delete(c);
        if (!clients.size && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      });
    },
  );
};
