// The syslog listener source's spec: ports, TLS files, trusted senders and limits, as the config file
// (`syslog:`) and `dtc start` take them. Defaults are declared here once; src/collect/syslog.ts runs it.
import { z } from 'zod';
import { flag, NAME, tlsFiles } from '../util/spec.ts';
import { parseSource } from './trust.ts';

export const DEFAULT_MAX_CONNECTIONS = 1000;
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

const port = z.number().int().min(0).max(65_535);

/** `10.0.0.5=prod,10.0.1.0/24=lab` → { '10.0.0.5': 'prod', '10.0.1.0/24': 'lab' } (the flag's form). */
function senderMap(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const eq = pair.lastIndexOf('=');
    if (eq <= 0) throw new Error(`"${pair}" is not address=instance (e.g. 10.0.0.5=prod)`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

export const syslogSpec = z.strictObject({
  host: flag(z.string().default('127.0.0.1'), { flag: 'syslog-host', arg: '<address>' }).describe(
    'address the listeners bind',
  ),
  tcpPort: flag(port.optional(), { flag: 'syslog-tcp', arg: '<port>' }).describe(
    'TCP port (octet counting or LF, per message)',
  ),
  udpPort: flag(port.optional(), { flag: 'syslog-udp', arg: '<port>' }).describe(
    'UDP port (one message per datagram)',
  ),
  tlsPort: flag(port.optional(), { flag: 'syslog-tls', arg: '<port>' }).describe('TLS port (needs tls)'),
  // On the command line the API's --tls-key and --tls-cert serve the TLS listener too.
  tls: tlsFiles('the syslog TLS listener').optional(),
  /**
   * Trusted senders: source address or CIDR → instance. Only their lines may update that instance's
   * detections; anyone else's are stored under `syslog:<hostname>` (see src/collect/trust.ts).
   */
  instances: flag(
    z
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
      .default({}),
    { flag: 'syslog-trust', arg: '<address=instance,…>', parse: senderMap },
  ).describe('trusted senders: address or CIDR → the instance their lines may update'),
  defaultInstance: z
    .unknown()
    .optional()
    .refine((v) => v === undefined, {
      message:
        'is no longer used: lines from senders not in syslog.instances are stored under syslog:<hostname> ' +
        "(or syslog:<address>); bind the sender's address in syslog.instances to store its lines under an instance",
    })
    .describe('refused: bind senders by address in instances'),
  maxConnections: flag(z.number().int().min(1).max(1_000_000).default(DEFAULT_MAX_CONNECTIONS), {
    flag: 'syslog-max-connections',
  }).describe('open TCP/TLS connections per listener from senders not in instances; more are refused'),
  /** A TCP/TLS connection silent this long is closed (0 = never). */
  idleTimeoutSeconds: flag(
    z
      .number()
      .min(0)
      .max(86_400 * 7)
      .default(DEFAULT_IDLE_TIMEOUT_MS / 1000),
    { flag: 'syslog-idle-timeout', arg: '<seconds>' },
  ).describe('a TCP/TLS connection silent this long is closed (0: never)'),
});

export type SyslogConfig = z.infer<typeof syslogSpec>;
