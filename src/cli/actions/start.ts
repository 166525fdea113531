// The work behind `dtc start` (declared in ../start.ts).
import { join } from 'node:path';
import { defaultSinkName, parseSinkFlag } from '../../deliver/registry.ts';
import type { SinkConfig } from '../../deliver/worker.ts';
import { createLogger } from '../../service/logger.ts';
import { type ApiPatch, DEMO_INSTANCE, type SyslogPatch, startService } from '../../service/service.ts';
import { valuesFromFlags } from '../../util/spec.ts';
import { START_SPEC_FLAGS, type StartFlags } from '../start-flags.ts';

/**
 * The spec fields the flags set, `{ api: { port: 0 }, syslog: { tcpPort: 5514 } }`, each value
 * parsed and checked against its field's schema, so a bad one is refused naming the flag.
 */
export function specSettings(flags: StartFlags): { api: ApiPatch; syslog: SyslogPatch } {
  const of = (section: 'api' | 'syslog') =>
    valuesFromFlags(
      START_SPEC_FLAGS.filter((f) => f.section === section),
      flags,
      { check: true },
    );
  return { api: of('api') as ApiPatch, syslog: of('syslog') as SyslogPatch };
}

export async function runStart(flags: StartFlags): Promise<void> {
  const settings = specSettings(flags);
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
    storeUrl: flags.store,
    replicaId: flags.replicaId,
    configFile: flags.config,
    demo: flags.demo,
    log,
    sinks,
    api: settings.api,
    syslog: settings.syslog,
  });
  const lines = [
    `darktrace-hub is running`,
    `  API:        ${service.url}  (try ${service.url}/api/detections and ${service.url}/healthz)`,
    `  console:    ${service.url}/  (in a browser)`,
    `  data:       ${service.dataDir}`,
    ...(service.cluster
      ? [`  replica:    ${service.replica} (sharing the store's instances and sinks by lease)`]
      : []),
    `  sign in:    user admin, password in ${join(service.dataDir, 'admin-password')}; API key in ${join(service.dataDir, 'admin-api-key')}`,
    `              (curl -H "Authorization: Bearer $(cat ${join(service.dataDir, 'admin-api-key')})" ${service.url}/api/detections)`,
  ];
  for (const l of service.syslog?.listeners ?? [])
    lines.push(`  syslog:     ${l.protocol}://${l.host}:${l.port}`);
  for (const st of await service.deliverer.status())
    lines.push(`  sink:       ${st.name} → ${st.format} ${st.url} (offset ${st.offset}, lag ${st.lag})`);
  if (service.demoSinkFile) lines.push(`  ECS file:   tail -f ${service.demoSinkFile}`);
  if (service.simulator) {
    lines.push(
      `  instance:   "${DEMO_INSTANCE}" is SIMULATED (embedded simulator at ${service.simulator.url})`,
      `  add a real appliance:  npx dtc instance add --name prod --url https://dt.example.com \\`,
      `                           --public-token <public> --private-token <private>   (applied within seconds)`,
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
