// nats://host:port/subject: NATS JetStream. Each item is published with a JetStream ack (the stream
// stored it) and `Nats-Msg-Id` = key@version, so a replay inside the stream's duplicate window is
// dropped by the server. The stream is created when missing (`?stream=`, default DARKTRACE).
import type { JetStreamClient, NatsConnection } from 'nats';
import { z } from 'zod';
import { secret } from '../util/spec.ts';
import { defineSink, SinkError } from './types.ts';

export const natsSink = defineSink({
  type: 'nats',
  schemes: ['nats:', 'nats+tls:'],
  summary: 'NATS JetStream publish with acks; Nats-Msg-Id = key@version',
  example: 'ocsf:nats://127.0.0.1:4222/darktrace',
  idempotent: true,
  options: z.strictObject({
    stream: z.string().min(1).default('DARKTRACE').describe('JetStream stream (created when missing)'),
    token: secret(z.string().min(1), 'auth token').optional(),
  }),
  async create(url, o) {
    const subject = decodeURIComponent(url.pathname.replace(/^\/+/, '')).replaceAll('/', '.') || 'darktrace';
    const stream = o.stream;
    const server = `${url.hostname}:${url.port || 4222}`;
    const where = `nats://${server}/${subject}`;
    // Loaded on first use: a service without a NATS sink never pays for the client.
    const { connect, headers: natsHeaders } = await import('nats');
    let nc: NatsConnection | undefined;
    let js: JetStreamClient | undefined;
    const ensure = async () => {
      if (nc && !nc.isClosed() && js) return js;
      try {
        nc = await connect({
          servers: server,
          token: o.token,
          user: url.username ? decodeURIComponent(url.username) : undefined,
          pass: url.password ? decodeURIComponent(url.password) : undefined,
          tls: url.protocol === 'nats+tls:' ? {} : undefined,
          reconnect: false,
          timeout: 5000,
        });
        const jsm = await nc.jetstreamManager();
        try {
          await jsm.streams.info(stream);
        } catch {
          await jsm.streams.add({ name: stream, subjects: [subject] });
        }
        js = nc.jetstream();
        return js;
      } catch (err) {
        await nc?.close().catch(() => {});
        nc = undefined;
        throw new SinkError(`${where}: ${(err as Error).message}`, 'retry', undefined, { cause: err });
      }
    };
    const enc = new TextEncoder();
    return {
      async write(items) {
        const j = await ensure();
        // Published back to back on one connection: the server stores them in this order.
        const acks = items.map((i) => {
          const h = natsHeaders();
          h.set('Dtc-Seq', String(i.seq));
          h.set('Dtc-Key', i.key);
          return j.publish(subject, enc.encode(i.body), { msgID: `${i.key}@${i.version}`, headers: h });
        });
        const results = await Promise.allSettled(acks);
        const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
        if (bad) {
          await nc?.close().catch(() => {});
          nc = undefined;
          throw new SinkError(`${where}: ${(bad.reason as Error).message}`, 'retry', undefined, {
            cause: bad.reason,
          });
        }
      },
      async close() {
        await nc?.drain().catch(() => {});
        nc = undefined;
      },
    };
  },
});
