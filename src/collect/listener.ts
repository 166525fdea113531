// The syslog listener source's spec: ports, TLS files, trusted senders and limits, as the config file
// (`syslog:`) and `dtc start` take them. Defaults are declared here once; src/collect/syslog.ts runs it.
import { z } from 'zod';
import { NAME } from '../util/spec.ts';
import { parseSource } from './trust.ts';

export const DEFAULT_MAX_CONNECTIONS = 1000;
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

const port = z.number().int().min(0).max(65_535);

export const syslogSpec = z.strictObject({
  host: z.string().default('127.0.0.1').describe('address the listeners bind'),
  tcpPort: port.optional().describe('TCP port (octet counting or LF, per message)'),
  udpPort: port.optional().describe('UDP port (one message per datagram)'),
  tlsPort: port.optional().describe('TLS port (needs tls)'),
  tls: z
    .strictObject({
      keyFile: z.string().describe("the TLS listener's PEM private key file"),
      certFile: z.string().describe("the TLS listener's PEM certificate file"),
    })
    .optional(),
  /**
   * Trusted senders: source address or CIDR → instance. Only their lines may update that instance's
   * detections; anyone else's are stored under `syslog:<hostname>` (see src/collect/trust.ts).
   */
  instances: z
    .record(z.string(), z.string().regex(NAME, 'letters, digits, - and _ only'))
    .superRefine((m, ctx) => {
      for (const key of Object.keys(m))
        if (!parseSource(key))
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message:
              'must be a sender address or CIDR (10.0.0.5, 10.0.1.0/24, fd00::5): a syslog hostname is ' +
              'whatever the sender writes, so it cannot vouch for an instance; lines are stored under syslog:<hostname> without being mapped',
          });
    })
    .default({})
    .describe('trusted senders: address or CIDR → the instance their lines may update'),
  defaultInstance: z
    .unknown()
    .optional()
    .refine((v) => v === undefined, {
      message:
        'is no longer used: lines from senders not in syslog.instances are stored under syslog:<hostname> ' +
        "(or syslog:<address>); bind the sender's address in syslog.instances to store its lines under an instance",
    })
    .describe('refused: bind senders by address in instances'),
  maxConnections: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(DEFAULT_MAX_CONNECTIONS)
    .describe('open TCP/TLS connections per listener from senders not in instances; more are refused'),
  /** A TCP/TLS connection silent this long is closed (0 = never). */
  idleTimeoutSeconds: z
    .number()
    .min(0)
    .max(86_400 * 7)
    .default(DEFAULT_IDLE_TIMEOUT_MS / 1000)
    .describe('a TCP/TLS connection silent this long is closed (0: never)'),
});

export type SyslogConfig = z.infer<typeof syslogSpec>;
