// `dtc start`: the collector service. One process runs the pollers and the HTTP API over one store.
// With no real instance configured it starts an embedded simulator and a `demo` instance pointing at
// it, clearly marked as simulated, so a newcomer sees detections arrive within a minute.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AccessControl } from '../auth/index.ts';
import { OidcLogin } from '../auth/oidc.ts';
import { CaseConnectors } from '../cases/connector.ts';
import type { CaseConnectorConfig } from '../cases/spec.ts';
import { Collector } from '../collect/collector.ts';
import { storeIngest } from '../collect/ingest.ts';
import type { InstanceRecord } from '../collect/instance.ts';
import { instanceRecord, replacing } from '../collect/instance.ts';
import { type SyslogListenerConfig, type SyslogReceiver, startSyslogReceiver } from '../collect/syslog.ts';
import type { IngestResult } from '../collect/types.ts';
import { Deliverer, type SinkConfig } from '../deliver/worker.ts';
import { registerMcpRoutes } from '../mcp/http.ts';
import { buildApi } from '../server/app.ts';
import { registerCaseWebhooks } from '../server/routes/cases.ts';
import type { Simulator } from '../simulator/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { type Config, loadConfigFile, validateConfig } from './config.ts';
import { lockDataDir } from './lock.ts';
import type { ServiceLogger } from './logger.ts';
import { createMetrics, type Metrics, storeGauge } from './metrics.ts';
import { checkPortsFree } from './ports.ts';

export interface ServiceOptions {
  dataDir?: string;
  port?: number;
  host?: string;
  configFile?: string;
  log: ServiceLogger;
  /** Start the embedded simulator when no real instance exists (default true). */
  demo?: boolean;
  /** Demo poll interval in seconds (default 30, so arrivals show quickly). */
  demoPollSeconds?: number;
  env?: NodeJS.ProcessEnv;
  /** Syslog listeners from the command line; they override the config file's ports. */
  syslog?: {
    tcpPort?: number;
    udpPort?: number;
    tlsPort?: number;
    host?: string;
    tlsKeyFile?: string;
    tlsCertFile?: string;
  };
  /** Sinks from the command line (`--sink`), added to the config file's. */
  sinks?: SinkConfig[];
  /** The demo's ECS file sink (default true when the demo runs). */
  demoSink?: boolean;
  /** HTTPS for the API (and the default certificate of --syslog-tls). */
  tlsKeyFile?: string;
  tlsCertFile?: string;
  /** Listen beyond loopback over plain HTTP (refused otherwise). */
  insecureHttp?: boolean;
  /** Host header names the API answers to beyond loopback (overrides api.allowedHosts). */
  allowedHosts?: string[];
}

export interface Service {
  url: string;
  dataDir: string;
  store: Store;
  collector: Collector;
  metrics: Metrics;
  api: FastifyInstance;
  simulator?: Simulator;
  deliverer: Deliverer;
  cases: CaseConnectors;
  syslog?: SyslogReceiver;
  /** The demo's ECS NDJSON file, when the demo runs. */
  demoSinkFile?: string;
  access: AccessControl;
  /** Where a first start wrote the bootstrap admin's password and API key. */
  bootstrap?: { passwordFile: string; keyFile: string; keyPrefix: string };
  stop(): Promise<void>;
}

export const DEMO_SINK = 'demo-ecs-file';

export const DEMO_INSTANCE = 'demo';

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

export async function startService(o: ServiceOptions): Promise<Service> {
  const env = o.env ?? process.env;
  const config: Config = o.configFile ? loadConfigFile(o.configFile, env) : validateConfig({}, env);
  const dataDir = resolve(o.dataDir ?? config.dataDir ?? env.DTC_DATA_DIR ?? 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const log = o.log;
  // Before anything else: a second service on the same data directory stops here, having done nothing.
  const lock = lockDataDir(dataDir);
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  try {
    // The syslog push path (started last): command-line ports override the config file's.
    const sc = config.syslog;
    const so = o.syslog ?? {};
    const slHost = so.host ?? sc?.host ?? '127.0.0.1';
    const listeners: SyslogListenerConfig[] = [];
    const tcpPort = so.tcpPort ?? sc?.tcpPort;
    const udpPort = so.udpPort ?? sc?.udpPort;
    const tlsPort = so.tlsPort ?? sc?.tlsPort;
    if (tcpPort !== undefined) listeners.push({ protocol: 'tcp', port: tcpPort, host: slHost });
    if (udpPort !== undefined) listeners.push({ protocol: 'udp', port: udpPort, host: slHost });
    if (tlsPort !== undefined) {
      const keyFile = so.tlsKeyFile ?? o.tlsKeyFile ?? sc?.tls?.keyFile;
      const certFile = so.tlsCertFile ?? o.tlsCertFile ?? sc?.tls?.certFile;
      // A TLS port from the config file without its files is refused by validateConfig; this is the flag's case.
      if (!keyFile || !certFile)
        throw new Error(
          '--syslog-tls needs --tls-key <file> and --tls-cert <file> (or syslog.tls.keyFile and certFile in the config file)',
        );
      listeners.push({
        protocol: 'tls',
        port: tlsPort,
        host: slHost,
        key: readFileSync(keyFile),
        cert: readFileSync(certFile),
      });
    }
    const port = o.port ?? config.api.port;
    const host = o.host ?? config.api.host;
    const apiKeyFile = o.tlsKeyFile ?? config.api.tls?.keyFile;
    const apiCertFile = o.tlsCertFile ?? config.api.tls?.certFile;
    if (!!apiKeyFile !== !!apiCertFile)
      throw new Error('HTTPS for the API needs both --tls-key and --tls-cert');
    const https =
      apiKeyFile && apiCertFile
        ? { key: readFileSync(apiKeyFile), cert: readFileSync(apiCertFile) }
        : undefined;
    // Beyond loopback, passwords, session cookies and API keys would cross the network in the clear.
    const allowedHosts = o.allowedHosts ?? config.api.allowedHosts;
    // Beyond loopback a DNS-rebinding page could reach the API under any name: the names are required.
    if (!LOOPBACK.includes(host) && !allowedHosts?.length)
      throw new Error(
        `the API would listen on ${host}: say which names clients reach it by, with --allowed-hosts ` +
          'dtc.example.com,10.0.0.5 (or api.allowedHosts in the config)',
      );
    if (!LOOPBACK.includes(host) && !https && !(o.insecureHttp ?? config.api.insecureHttp))
      throw new Error(
        `the API would listen on ${host} without TLS: give --tls-cert and --tls-key (or api.tls in the config), ` +
          'or --insecure-http when a TLS proxy sits in front',
      );
    // Every port is checked before any poller or sink runs, so a taken one fails the start cleanly.
    await checkPortsFree([
      { protocol: 'tcp', host, port, what: 'the API port', option: '--port' },
      ...listeners.map((l) => ({
        protocol: l.protocol === 'udp' ? ('udp' as const) : ('tcp' as const),
        host: l.host ?? '127.0.0.1',
        port: l.port,
        what: `the syslog ${l.protocol.toUpperCase()} port`,
        option: `--syslog-${l.protocol}`,
      })),
    ]);
    const dl = config.deadLetters;
    const store = await openStore({
      dataDir,
      deadLetters: {
        maxAgeMs: dl.maxAgeDays * 86_400_000,
        maxBytes: dl.maxMegabytes * 1024 * 1024,
        excerptBytes: dl.excerptBytes,
      },
    });
    cleanup.push(() => store.close());
    // Adding dead letters prunes too; this catches the age limit when none arrive.
    const pruneTimer = setInterval(() => {
      try {
        store.deadLetters.prune();
      } catch (err) {
        log.warn(`store: pruning dead letters failed: ${(err as Error).message}`);
      }
    }, 3_600_000).unref();
    cleanup.unshift(() => clearInterval(pruneTimer));
    // Instances declared in the config file are the source of truth for those names.
    for (const i of config.instances) {
      if (store.instances.get(i.name)) store.instances.update(i.name, replacing(i));
      else store.instances.add(i);
    }

    let simulator: Simulator | undefined;
    const real = store.instances.list().filter((i) => !i.simulated);
    if (real.length === 0 && o.demo !== false) {
      // Loaded on demand: the production service never loads the simulator, only the demo does.
      const { startSimulator } = await import('../simulator/index.ts');
      simulator = await startSimulator({
        publicToken: 'demo-public-token',
        privateToken: 'demo-private-token',
        seed: 1,
        history: { count: 3000, days: 7 },
        ratePerMinute: 6,
      });
      cleanup.push(() => simulator?.close());
      const demo = {
        name: DEMO_INSTANCE,
        url: simulator.url,
        publicToken: 'demo-public-token',
        privateToken: 'demo-private-token',
        pollIntervalSeconds: o.demoPollSeconds ?? 30,
        lookbackHours: 24,
        enabled: true,
        simulated: true,
      };
      if (store.instances.get(DEMO_INSTANCE)) store.instances.update(DEMO_INSTANCE, demo);
      else store.instances.add(demo);
      log.warn(
        `instance "${DEMO_INSTANCE}" is SIMULATED: an embedded Darktrace simulator at ${simulator.url} feeds it`,
        {
          instance: DEMO_INSTANCE,
          simulated: true,
        },
      );
    }

    const metrics = createMetrics();
    // A store that cannot write (full disk, read-only, damaged) is said once when it starts and once
    // when it ends; meanwhile syslog holds and pauses, pollers refetch, sinks wait (each retries).
    store.onHealthChange((h) => {
      if (!h.writable)
        log.error(
          `store: cannot write: ${h.reason}. Syslog input is held and its TCP senders paused, polls and sinks retry`,
          { code: h.code },
        );
      else
        log.info(
          `store: writing again${h.since ? ` after ${Math.round((Date.now() - h.since) / 1000)} s` : ''}; held input is being stored`,
        );
    });
    storeGauge(metrics, store);

    // Sinks: the config file's, then the command line's, then the demo's file for `tail -f`.
    const sinks: SinkConfig[] = [...config.sinks, ...(o.sinks ?? [])];
    const names = new Set<string>();
    for (const sk of sinks) {
      if (names.has(sk.name)) throw new Error(`two sinks are named "${sk.name}"`);
      names.add(sk.name);
    }
    let demoSinkFile: string | undefined;
    if (simulator && o.demoSink !== false && !names.has(DEMO_SINK)) {
      demoSinkFile = join(dataDir, 'detections.ecs.ndjson');
      sinks.push({ name: DEMO_SINK, format: 'ecs', url: pathToFileURL(demoSinkFile).href });
    }
    // A sink declared before but not now keeps its offset (declaring it again resumes where it was);
    // say so, and how to forget it, so it does not linger unseen in `dtc sink list`.
    const declared = new Set(sinks.map((sk) => sk.name));
    for (const old of store.sinks.list().filter((sk) => !declared.has(sk.name)))
      log.info(
        `sink "${old.name}" is no longer declared: its offset is kept, so declaring it again resumes ` +
          `delivery where it stopped; \`dtc sink remove ${old.name}\` forgets it`,
      );
    const deliverer = new Deliverer(store, sinks, { log, registry: metrics.registry });
    // Case connectors link to our console: the public URL, else the API's own address once it listens.
    let apiUrl = '';
    const cases = new CaseConnectors(store, config.cases as CaseConnectorConfig[], {
      log,
      maxItems: config.commands.maxItems,
      publicUrl: () => config.api.publicUrl ?? apiUrl,
    });
    await deliverer.start();
    // Stops after the pollers and the receiver (cleanup runs front to back): the in-flight batch finishes.
    cleanup.unshift(() => deliverer.stop());

    // Every ingest path (poll, syslog) ends here: count what was stored and wake the sinks.
    const stored = (instance: string, source: 'poll' | 'syslog', r: IngestResult) => {
      metrics.stored.inc({ instance, kind: 'new' }, r.new);
      metrics.stored.inc({ instance, kind: 'updated' }, r.updated);
      metrics.stored.inc({ instance, kind: 'duplicate' }, r.duplicates);
      if (r.rejected) metrics.rejected.inc({ instance, source }, r.rejected);
      if (r.new || r.updated) {
        deliverer.notify();
        cases.notify();
      }
    };
    const ingest = storeIngest(store, {
      onStored(instance, stream, r, fetched) {
        metrics.fetched.inc({ instance, stream }, fetched);
        stored(instance, 'poll', r);
      },
    });
    const collector = new Collector({
      ingest,
      log,
      overlapMs: config.collector.overlapMinutes * 60_000,
      updateHorizonMs: config.collector.updateHorizonHours * 3_600_000,
      maxWindowMs: config.collector.maxWindowMinutes * 60_000,
      onCheck(instance, r) {
        // Called from a timer: a store that cannot write must not turn this into an unhandled rejection.
        try {
          store.connectionChecks.add({
            instance,
            ok: r.ok,
            latencyMs: r.latencyMs,
            error: r.error ?? null,
            at: Date.parse(r.at),
          });
        } catch (err) {
          log.warn(
            `instance ${instance}: the connection check's result was not recorded: ${(err as Error).message}`,
          );
        }
      },
      onPoll(instance, report) {
        metrics.pollDuration.observe({ instance }, (report.finishedAt - report.startedAt) / 1000);
        for (const [stream, r] of Object.entries(report.streams))
          if (r.error) metrics.pollErrors.inc({ instance, stream });
      },
    });
    // The stored instances into the collector: at start, and again whenever the API changes one.
    const applyInstances = () =>
      collector.setInstances(
        store.instances
          .list()
          .map((i) => instanceRecord(store, i.name))
          .filter((r): r is InstanceRecord => !!r)
          .map((r) => (r.simulated && !simulator ? { ...r, enabled: false } : r)),
      );
    await applyInstances();
    cleanup.unshift(() => collector.stop());
    const declaredInstances = new Set(config.instances.map((i) => i.name));

    const access = new AccessControl(store);
    const bootstrap = await access.bootstrap(dataDir);
    if (bootstrap)
      log.warn(
        `first start: created the user "admin" (password in ${bootstrap.passwordFile}) and an admin API key ` +
          `(in ${bootstrap.keyFile}); change the password with \`dtc user passwd admin\`, and once you have ` +
          `keys of your own revoke this one with \`dtc apikey revoke ${bootstrap.keyPrefix}\``,
      );
    // Single sign-on: the provider is asked for its metadata on the first login (and now, to say early
    // when it cannot be reached); password logins and API keys work whatever it answers.
    const oc = config.oidc;
    // Beyond loopback the address the API binds (0.0.0.0, say) is not one a browser can be sent back to.
    if (oc && !oc.redirectUrl && !config.api.publicUrl && !LOOPBACK.includes(host))
      throw new Error(
        `single sign-on needs oidc.redirectUrl (or api.publicUrl) when the API listens on ${host}: ` +
          'the URL browsers reach the API at, as registered at the OpenID provider',
      );
    const oidc = oc
      ? new OidcLogin(
          {
            ...oc,
            ca: oc.tls?.caFile ? readCaFile(oc.tls.caFile) : undefined,
            redirectUrl:
              oc.redirectUrl ??
              (config.api.publicUrl
                ? new URL('/api/auth/oidc/callback', config.api.publicUrl).href
                : undefined),
          },
          access,
          { apiUrl: () => apiUrl, log },
        )
      : undefined;
    const api = buildApi({
      store,
      access,
      oidc,
      https,
      tls: !!https,
      rateLimitPerMinute: config.api.rateLimitPerMinute,
      trustProxy: config.api.trustProxy,
      maxCommandItems: config.commands.maxItems,
      manage: {
        instancesChanged: applyInstances,
        declaredIn: (name) => (declaredInstances.has(name) ? (o.configFile ?? 'the config file') : undefined),
      },
      collector,
      metrics,
      deliverer,
      log,
      about: { dataDir, simulated: simulator ? { instance: DEMO_INSTANCE, url: simulator.url } : undefined },
      // On loopback the API answers loopback names only (DNS rebinding); elsewhere, the configured names.
      allowedHosts: LOOPBACK.includes(host) ? ['localhost', '127.0.0.1', '[::1]'] : allowedHosts,
      extend: (app) => {
        registerMcpRoutes(app, {
          store,
          host,
          maxItems: config.commands.maxItems,
          log,
          client: (name) => collector.client(name),
        });
        registerCaseWebhooks(app, cases);
      },
    });
    if (!LOOPBACK.includes(host) && !https)
      log.warn(
        `the HTTP API listens on ${host} over plain HTTP (--insecure-http): keep a TLS proxy in front of it`,
      );
    await api.listen({ port, host }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        throw new Error(
          `the API port ${host}:${port} is already in use: stop the other process or choose another --port`,
        );
      }
      throw err;
    });
    cleanup.unshift(() => api.close());
    const addr = api.server.address();
    const url = `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${typeof addr === 'object' && addr ? addr.port : port}`;
    apiUrl = url;
    if (oidc) {
      log.info(`single sign-on: OpenID provider ${oidc.issuer}, redirect URL ${oidc.redirectUri}`);
      oidc
        .discover()
        .catch((err: Error) => log.warn(`single sign-on: ${err.message}; it is tried again at each sign-in`));
    }
    collector.start();
    if (config.assets) {
      const { startAssetSchedule } = await import('../assets/schedule.ts');
      const schedule = startAssetSchedule(store, config.assets, { dataDir, log });
      cleanup.unshift(() => schedule.stop());
    }
    cases.start();
    cleanup.unshift(() => cases.stop());

    let syslog: SyslogReceiver | undefined;
    if (listeners.length) {
      syslog = await startSyslogReceiver({
        store,
        listeners,
        instanceMap: sc?.instances,
        maxConnections: sc?.maxConnections,
        idleTimeoutMs: sc ? sc.idleTimeoutSeconds * 1000 : undefined,
        registry: metrics.registry,
        log,
        onStored: (r, instance) => stored(instance, 'syslog', r),
      });
      const rx = syslog;
      cleanup.unshift(() => rx.close());
    }

    let stopping: Promise<void> | undefined;
    const service: Service = {
      url,
      dataDir,
      store,
      collector,
      metrics,
      api,
      simulator,
      deliverer,
      cases,
      syslog,
      demoSinkFile,
      access,
      bootstrap,
      stop: () => {
        stopping ??= (async () => {
          try {
            for (const f of cleanup) await f();
          } finally {
            lock.release();
          }
        })();
        return stopping;
      },
    };
    return service;
  } catch (err) {
    for (const f of cleanup) await Promise.resolve(f()).catch(() => {});
    lock.release();
    throw err;
  }
}

function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`oidc.tls.caFile: cannot read ${file}: ${(err as Error).message}`);
  }
}
