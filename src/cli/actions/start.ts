// The work behind `dtc start` (declared in ../start.ts).
import { join } from 'node:path';
import { defaultSinkName, parseSinkFlag } from '../../deliver/registry.ts';
import type { SinkConfig } from '../../deliver/worker.ts';
import { createLogger } from '../../service/logger.ts';
import { DEMO_INSTANCE, startService } from '../../service/service.ts';

export interface StartFlags {
  dataDir?: string;
  port?: string;
  host?: string;
  config?: string;
  demo: boolean;
  syslogTcp?: string;
  syslogUdp?: string;
  syslogTls?: string;
  syslogHost?: string;
  tlsKey?: string;
  tlsCert?: string;
  insecureHttp?: boolean;
  allowedHosts?: string;
  sink?: string[];
}

export async function runStart(flags: StartFlags): Promise<void> {
  const portOf = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`${flag} must be a port number, got "${v}"`);
    return n;
  };
  const port = portOf(flags.port, '--port');
  const taken = new Set<string>();
  const sinks: SinkConfig[] = (flags.sink ?? []).map((f) => {
    const { format, url } = parseSinkFlag(f);
    const name = defaultSinkName(format, url, taken);
    taken.add(name);
    return { name, format, url };
  });
  const log = createLogger();
  const service = await startService({
    dataDir: flags.dataDir,
    port,
    host: flags.host,
    configFile: flags.config,
    demo: flags.demo,
    log,
    sinks,
    tlsKeyFile: flags.tlsKey,
    tlsCertFile: flags.tlsCert,
    insecureHttp: flags.insecureHttp,
    allowedHosts: flags.allowedHosts
      ?.split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    syslog: {
      tcpPort: portOf(flags.syslogTcp, '--syslog-tcp'),
      udpPort: portOf(flags.syslogUdp, '--syslog-udp'),
      tlsPort: portOf(flags.syslogTls, '--syslog-tls'),
      host: flags.syslogHost,
      tlsKeyFile: flags.tlsKey,
      tlsCertFile: flags.tlsCert,
    },
  });
  const lines = [
    `darktrace-hub is running`,
    `  API:        ${service.url}  (try ${service.url}/api/detections and ${service.url}/healthz)`,
    `  console:    ${service.url}/  (in a browser)`,
    `  data:       ${service.dataDir}`,
    `  sign in:    user admin, password in ${join(service.dataDir, 'admin-password')}; API key in ${join(service.dataDir, 'admin-api-key')}`,
    `              (curl -H "Authorization: Bearer $(cat ${join(service.dataDir, 'admin-api-key')})" ${service.url}/api/detections)`,
  ];
  for (const l of service.syslog?.listeners ?? [])
    lines.push(`  syslog:     ${l.protocol}://${l.host}:${l.port}`);
  for (const st of service.deliverer.status())
    lines.push(`  sink:       ${st.name} → ${st.format} ${st.url} (offset ${st.offset}, lag ${st.lag})`);
  if (service.demoSinkFile) lines.push(`  ECS file:   tail -f ${service.demoSinkFile}`);
  if (service.simulator) {
    lines.push(
      `  instance:   "${DEMO_INSTANCE}" is SIMULATED (embedded simulator at ${service.simulator.url})`,
      `  add a real appliance:  npx dtc instance add --name prod --url https://dt.example.com \\`,
      `                           --public-token <public> --private-token <private>   (then restart)`,
    );
  }
  process.stderr.write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info(`received ${signal}: finishing in-flight work and stopping`);
      service.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log.info('stopped');
}
