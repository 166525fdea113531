// The HTTP API's settings: the config file's `api:` and the `dtc start` flags, from this one spec
// (each field's flag, help text and default are read from it; see src/cli/start.ts).
import { z } from 'zod';
import { flag, httpUrl, tlsFiles } from '../util/spec.ts';

/** `a, b ,c` → ['a', 'b', 'c']: a list given as one flag. */
export const commaList = (t: string) =>
  t
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export const apiSpec = z.strictObject({
  host: flag(z.string().default('127.0.0.1'), { arg: '<address>' }).describe(
    'address the HTTP API listens on',
  ),
  port: flag(z.number().int().min(0).max(65_535).default(8080), { arg: '<port>' }).describe('HTTP API port'),
  allowedHosts: flag(z.array(z.string().min(1).toLowerCase()).min(1).optional(), {
    arg: '<names>',
    parse: commaList,
  }).describe(
    'beyond loopback: the host names clients reach the API by, comma-separated (a DNS-rebinding guard)',
  ),
  tls: tlsFiles('HTTPS for the API (and the syslog TLS listener, from the command line)').optional(),
  insecureHttp: z
    .boolean()
    .default(false)
    .describe('allow plain HTTP when the API listens beyond loopback (a TLS proxy in front)'),
  rateLimitPerMinute: flag(z.number().int().min(1).default(1200), {
    flag: 'rate-limit',
    arg: '<n>',
  }).describe('requests a minute per identity'),
  trustProxy: flag(z.array(z.string().min(1)).default([]), { arg: '<addresses>', parse: commaList }).describe(
    'proxies whose X-Forwarded-For to believe (addresses or CIDRs, comma-separated), so limits see each client',
  ),
  publicUrl: flag(httpUrl().optional(), { arg: '<url>' }).describe(
    'the URL people reach the API at, when it differs from its address (a proxy in front)',
  ),
});

export type ApiSettings = z.infer<typeof apiSpec>;
