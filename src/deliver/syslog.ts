// syslog+tcp://, syslog+udp://, syslog+tls://: RFC 5424 messages whose MSG is the rendered record (CEF,
// LEEF or JSON). TCP and TLS use RFC 6587 octet counting by default (RFC 5425 requires it for TLS);
// `?framing=lf` for receivers that only split lines. A batch counts as accepted when the kernel took
// it (syslog has no application ack), so a crash can lose what sat in socket buffers or duplicate on
// replay: documented in the README.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { z } from 'zod';
import { textNumber } from '../util/spec.ts';
import { sinkTls, TLS_OPTIONS } from './tls.ts';
import { BatchError, defineSink, SinkError, type SinkItem } from './types.ts';

// OCSF severity 0–5 → syslog severity (0 emergency … 7 debug).
const SYSLOG_SEVERITY = [6, 6, 5, 4, 3, 2];

const clean = (s: string, max: number) => (s.replace(/[^\x21-\x7e]/g, '_') || '-').slice(0, max);

/** One RFC 5424 message (no framing). */
export function formatRfc5424(
  i: SinkItem,
  o: { facility: number; app: string; host?: string; now?: number },
): string {
  const pri = o.facility * 8 + (SYSLOG_SEVERITY[i.severity] ?? 5);
  const t = Number.isFinite(i.time) && i.time > 0 ? i.time : (o.now ?? Date.now());
  const host = clean(o.host ?? i.instance, 255);
  // No structured data: CEF/LEEF/JSON receivers parse the MSG part and SD trips some of them up.
  return `<${pri}>1 ${new Date(t).toISOString()} ${host} ${clean(o.app, 48)} - ${clean(i.family, 32)} - ${i.body.replace(/[\r\n]+/g, ' ')}`;
}

const OPTIONS = z.strictObject({
  framing: z
    .enum(['octet', 'lf'], { error: 'must be octet or lf' })
    .default('octet')
    .describe('octet (RFC 6587 octet counting) or lf'),
  facility: textNumber(z.number().int().min(0, 'must be 0–23').max(23, 'must be 0–23'))
    .default(20)
    .describe('syslog facility number (20: local4, as Darktrace sends)'),
  app: z.string().min(1).default('darktrace').describe('APP-NAME'),
  hostname: z.string().min(1).optional().describe('HOSTNAME field (default: the detection instance)'),
  ...TLS_OPTIONS,
});

export const syslogSink = defineSink({
  type: 'syslog',
  schemes: ['syslog+tcp:', 'syslog+udp:', 'syslog+tls:', 'syslog:'],
  summary: 'RFC 5424 over TCP (octet counting), UDP or TLS; the rendered record is the MSG part',
  example: 'cef:syslog+tcp://127.0.0.1:5514',
  idempotent: false,
  options: OPTIONS,
  create(url, opts) {
    const o = {
      facility: opts.facility,
      framing: opts.framing,
      app: opts.app,
      host: opts.hostname,
      port: Number(url.port || (url.protocol === 'syslog+tls:' ? 6514 : 514)),
      address: url.hostname.replace(/^\[|\]$/g, ''),
      tls: sinkTls(opts, `syslog sink ${url.host}`),
    };
    const proto = url.protocol === 'syslog:' ? 'syslog+tcp:' : url.protocol;
    const fmt = (i: SinkItem) => formatRfc5424(i, o);
    const where = `${proto.slice(0, -1)}://${o.address}:${o.port}`;

    if (proto === 'syslog+udp:') {
      let sock: UdpSocket | undefined;
      return {
        async write(items) {
          sock ??= createSocket(o.address.includes(':') ? 'udp6' : 'udp4');
          const s = sock;
          const results = await Promise.allSettled(
            items.map(
              (i) =>
                new Promise<void>((resolve, reject) =>
                  s.send(Buffer.from(fmt(i)), o.port, o.address, (e) => (e ? reject(e) : resolve())),
                ),
            ),
          );
          const failed = new Map<number, SinkError>();
          results.forEach((r, n) => {
            if (r.status === 'fulfilled') return;
            const e = r.reason as NodeJS.ErrnoException;
            // Too big for one datagram will never fit: dead-letter it rather than retry forever.
            failed.set(
              n,
              new SinkError(`${where}: ${e.message}`, e.code === 'EMSGSIZE' ? 'dead_letter' : 'retry'),
            );
          });
          if (failed.size === items.length && [...failed.values()].every((f) => f.action === 'retry'))
            throw [...failed.values()][0];
          if (failed.size)
            throw new BatchError(`${where}: ${failed.size} of ${items.length} datagrams failed`, failed);
        },
        async close() {
          sock?.close();
          sock = undefined;
        },
      };
    }

    let conn: Socket | undefined;
    let broken: Error | undefined;
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const onErr = (e: Error) =>
          reject(new SinkError(`${where}: ${e.message}`, 'retry', undefined, { cause: e }));
        const s =
          proto === 'syslog+tls:'
            ? tlsConnect(
                {
                  host: o.address,
                  port: o.port,
                  ca: o.tls?.ca,
                  rejectUnauthorized: !o.tls?.insecure,
                  servername: /^[\d.:]+$/.test(o.address) ? undefined : o.address,
                },
                () => resolve(s),
              )
            : netConnect({ host: o.address, port: o.port }, () => resolve(s));
        s.once('error', onErr);
        s.setNoDelay(true);
        s.on('error', (e) => {
          broken = e;
        });
        s.on('close', () => {
          broken ??= new Error('connection closed');
        });
        // A receiver that talks back is ignored; reading keeps the socket from stalling.
        s.resume();
      });
    return {
      async write(items) {
        if (conn && broken) {
          conn.destroy();
          conn = undefined;
        }
        broken = undefined;
        conn ??= await open();
        const c = conn;
        let out = '';
        for (const i of items) {
          const m = fmt(i);
          out += o.framing === 'lf' ? `${m}\n` : `${Buffer.byteLength(m)} ${m}`;
        }
        await new Promise<void>((resolve, reject) =>
          c.write(out, (e) => {
            if (e || broken) {
              conn = undefined;
              c.destroy();
              reject(new SinkError(`${where}: ${(e ?? broken)?.message}`));
            } else resolve();
          }),
        );
      },
      async close() {
        const c = conn;
        conn = undefined;
        if (c) await new Promise<void>((r) => c.end(r));
      },
    };
  },
});
