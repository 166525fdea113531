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
import type { Collector } from '../collect/collector.ts';
import { storeIngest } from '../collect/ingest.ts';
import type { InstanceRecord } from '../collect/instance.ts';
import { instanceRecord, replacing } from '../collect/instance.ts';
import { type SyslogConfig, syslogSpec } from '../collect/listener.ts';
import type { SyslogListenerConfig, SyslogReceiver } from '../collect/syslog.ts';
import { windowsMs } from '../collect/windows.ts';
import { Deliverer, type SinkConfig } from '../deliver/worker.ts';
import { registerMcpRoutes } from '../mcp/http.ts';
import { createMetrics, type Metrics, storeGauge } from '../metrics/index.ts';
import { buildApi } from '../server/app.ts';
import { registerCaseRoutes } from '../server/routes/cases.ts';
import type { ApiSettings } from '../server/spec.ts';
import type { Simulator } from '../simulator/index.ts';
import { openStore, type Store } from '../store/index.ts';
import {
  type Cluster,
  type LeasedJob,
  oneReplicaAtATime,
  replicaIdOf,
  startCluster,
  userAgentFor,
  VERSION,
} from './cluster.ts';
import { darktraceSource, syslogSource } from './components.ts';
import { type Config, loadConfigFile, validateConfig } from './config.ts';
import { lockDataDir } from './lock.ts';
import type { ServiceLogger } from './logger.ts';
import { checkPortsFree } from './ports.ts';

export interface ServiceOptions {
  dataDir?: string;
  /** A PostgreSQL store (`--store`), over the config file's `store.url` and DTC_STORE_URL. */
  storeUrl?: string;
  /** The API port (shorthand for `api.port`). */
  port?: number;
  configFile?: string;
  log: ServiceLogger;
  /** Start the embedded simulator when no real instance exists (default true). */
  demo?: boolean;
  /** Demo poll interval in seconds (default 30, so arrivals show quickly). */
  demoPollSeconds?: number;
  env?: NodeJS.ProcessEnv;
  /** API settings from the command line, over the config file's `api:` (see src/server/spec.ts). */
  api?: ApiPatch;
  /** Syslog listener settings from the command line, over the config file's `syslog:`. */
  syslog?: SyslogPatch;
  /** Sinks from the command line (`--sink`), added to the config file's. */
  sinks?: SinkConfig[];
  /** The demo's ECS file sink (default true when the demo runs). */
  demoSink?: boolean;
  /** This replica's id (`--replica-id`), over the config file's `cluster.replicaId` and DTC_REPLICA_ID. */
  replicaId?: string;
}

type Patch<T extends { tls?: object }> = Partial<Omit<T, 'tls'>> & { tls?: Partial<NonNullable<T['tls']>> };
export type ApiPatch = Patch<ApiSettings>;
export type SyslogPatch = Patch<SyslogConfig>;

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
  /** This process's id among replicas (in every appliance request's User-Agent). */
  replica: string;
  /** The leases shared with the other replicas, on a PostgreSQL store. */
  cluster?: Cluster;
  stop(): Promise<void>;
}

export const DEMO_SINK = 'demo-ecs-file';

export const DEMO_INSTANCE = 'demo';

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

/**
 * Starts the service in a few steps: settle the settings, open the store, build the components from
 * the registry (src/service/components.ts), start the sinks, the servers, then the sources. Each step
 * that starts something leaves how to stop it on `stops`, which runs in reverse: sources stop first,
 * the sinks finish their batch in flight, the store closes last.
 */
export async function startService(o: ServiceOptions): Promise<Service> {
  const env = o.env ?? process.env;
  const config = withFlags(o.configFile ? loadConfigFile(o.configFile, env) : validateConfig({}, env), o);
  const dataDir = resolve(o.dataDir ?? config.dataDir ?? env.DTC_DATA_DIR ?? 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Before anything else: a second service on the same data directory stops here, having done nothing.
  const lock = lockDataDir(dataDir);
  const stops = new Stops();
  try {
    const settings = settle(config);
    await checkPorts(settings);
    const url = o.storeUrl ?? config.store.url ?? env.DTC_STORE_URL;
    const replica = replicaIdOf(o.replicaId, config.cluster.replicaId, env);
    const ttlMs = config.cluster.leaseSeconds * 1000;
    const store = await openServiceStore(config, dataDir, { url, env, ttlMs }, o.log, stops);
    // On PostgreSQL this process is one of the replicas that share the instances and sinks by lease.
    const clustered = store.dialect === 'postgres';
    const simulator = await startDemo(store, o, stops);
    const parts = await buildComponents({ o, config, dataDir, store, simulator, replica, clustered });
    await startSinks(parts, stops, clustered);
    const server = await startServers({ o, config, dataDir, settings, store, simulator, parts }, stops);
    const { syslog, jobs } = await startSources({ o, config, dataDir, settings, store, parts }, stops);
    // Jobs that must not run twice at once (a case connector, a schedule): here, or by lease on replicas.
    if (!clustered)
      for (const j of jobs) {
        await j.start();
        stops.push(() => j.stop());
      }
    // Last to start, first to stop: on SIGTERM the leases are handed back before anything else stops.
    const cluster = clustered
      ? startCluster({
          store,
          replica,
          ttlMs,
          collector: parts.collector,
          deliverer: parts.deliverer,
          jobs,
          instances: parts.polledInstances,
          registry: parts.metrics.registry,
          log: o.log,
          address: server.url,
          version: VERSION,
        })
      : undefined;
    if (cluster) {
      parts.cluster.current = cluster;
      stops.push(() => cluster.stop());
      o.log.info(
        `cluster: replica "${replica}" shares the instances and sinks with the other replicas on this store ` +
          `(leases of ${config.cluster.leaseSeconds} s)`,
        { replica },
      );
    }
    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      dataDir,
      store,
      collector: parts.collector,
      metrics: parts.metrics,
      api: server.api,
      simulator,
      deliverer: parts.deliverer,
      cases: parts.cases,
      syslog,
      demoSinkFile: parts.demoSinkFile,
      access: server.access,
      bootstrap: server.bootstrap,
      replica,
      cluster,
      stop: () => {
        stopping ??= stops.run().finally(() => lock.release());
        return stopping;
      },
    };
  } catch (err) {
    await stops.run().catch(() => {});
    lock.release();
    throw err;
  }
}

/** What was started, stopped in the reverse order. */
class Stops {
  #fs: (() => Promise<unknown> | unknown)[] = [];
  push(f: () => Promise<unknown> | unknown): void {
    this.#fs.unshift(f);
  }
  /** Runs each stop once; a failing one does not keep the others from running, and is thrown after. */
  async run(): Promise<void> {
    const fs = this.#fs.splice(0);
    let first: unknown;
    for (const f of fs)
      await Promise.resolve()
        .then(f)
        .catch((err) => {
          first ??= err;
        });
    if (first) throw first;
  }
}

/** The command line's settings over the config file's: each was checked against its spec field. */
function withFlags(config: Config, o: ServiceOptions): Config {
  const merge = <T extends object>(base: T | undefined, patch: Partial<T> | undefined) =>
    base || patch ? ({ ...base, ...patch } as T) : undefined;
  const api = {
    ...config.api,
    ...o.api,
    ...(o.port !== undefined ? { port: o.port } : {}),
    tls: merge(config.api.tls, o.api?.tls),
  };
  const syslog = o.syslog
    ? {
        ...(config.syslog ?? syslogSpec.parse({})),
        ...o.syslog,
        tls: merge(config.syslog?.tls, o.syslog.tls),
      }
    : config.syslog;
  return { ...config, api, syslog };
}

type Settings = ReturnType<typeof settle>;

/** The API's address and TLS, and the syslog listeners, checked together before anything starts. */
function settle(config: Config) {
  const { port, host, allowedHosts } = config.api;
  const apiKeyFile = config.api.tls?.keyFile;
  const apiCertFile = config.api.tls?.certFile;
  if (!!apiKeyFile !== !!apiCertFile)
    throw new Error('HTTPS for the API needs both --tls-key and --tls-cert');
  const https =
    apiKeyFile && apiCertFile
      ? { key: readFileSync(apiKeyFile), cert: readFileSync(apiCertFile) }
      : undefined;
  // Beyond loopback a DNS-rebinding page could reach the API under any name: the names are required.
  if (!LOOPBACK.includes(host) && !allowedHosts?.length)
    throw new Error(
      `the API would listen on ${host}: say which names clients reach it by, with --allowed-hosts ` +
        'dtc.example.com,10.0.0.5 (or api.allowedHosts in the config)',
    );
  // Beyond loopback, passwords, session cookies and API keys would cross the network in the clear.
  if (!LOOPBACK.includes(host) && !https && !config.api.insecureHttp)
    throw new Error(
      `the API would listen on ${host} without TLS: give --tls-cert and --tls-key (or api.tls in the config), ` +
        'or --insecure-http when a TLS proxy sits in front',
    );
  return { port, host, https, allowedHosts, listeners: syslogListeners(config) };
}

/** The syslog push path's listeners (command-line ports were laid over the config file's). */
function syslogListeners(config: Config): SyslogListenerConfig[] {
  const sc = config.syslog;
  if (!sc) return [];
  const { host, tcpPort, udpPort, tlsPort } = sc;
  const listeners: SyslogListenerConfig[] = [];
  if (tcpPort !== undefined) listeners.push({ protocol: 'tcp', port: tcpPort, host });
  if (udpPort !== undefined) listeners.push({ protocol: 'udp', port: udpPort, host });
  if (tlsPort !== undefined) {
    const keyFile = sc.tls?.keyFile;
    const certFile = sc.tls?.certFile;
    // A TLS port from the config file without its files is refused by validateConfig; this is the flag's case.
    if (!keyFile || !certFile)
      throw new Error(
        '--syslog-tls needs --tls-key <file> and --tls-cert <file> (or syslog.tls.keyFile and certFile in the config file)',
      );
    listeners.push({
      protocol: 'tls',
      port: tlsPort,
      host,
      key: readFileSync(keyFile),
      cert: readFileSync(certFile),
    });
  }
  return listeners;
}

/** Every port is checked before any poller or sink runs, so a taken one fails the start cleanly. */
function checkPorts({ host, port, listeners }: Settings): Promise<void> {
  return checkPortsFree([
    { protocol: 'tcp', host, port, what: 'the API port', option: '--port' },
    ...listeners.map((l) => ({
      protocol: l.protocol === 'udp' ? ('udp' as const) : ('tcp' as const),
      host: l.host ?? '127.0.0.1',
      port: l.port,
      what: `the syslog ${l.protocol.toUpperCase()} port`,
      option: `--syslog-${l.protocol}`,
    })),
  ]);
}

/** The store, its dead-letter pruning, and the config file's instances written into it. */
async function openServiceStore(
  config: Config,
  dataDir: string,
  { url, env, ttlMs }: { url?: string; env: NodeJS.ProcessEnv; ttlMs: number },
  log: ServiceLogger,
  stops: Stops,
) {
  const dl = config.deadLetters;
  // The data directory still holds the key file (when DTC_SECRET_KEY is unset), the lock and the demo's files.
  // A replica paused mid-write (GC, SIGSTOP) must not hold its lease row's lock past the lease: the server
  // ends a transaction left idle for half of it (src/cluster/pool.ts says why).
  const where = url
    ? {
        url,
        keyDir: dataDir,
        poolSize: config.store.poolSize,
        idleTransactionTimeoutMs: Math.floor(ttlMs / 2),
      }
    : { dataDir };
  const store = await openStore({
    ...where,
    env,
    deadLetters: {
      maxAgeMs: dl.maxAgeDays * 86_400_000,
      maxBytes: dl.maxMegabytes * 1024 * 1024,
      excerptBytes: dl.excerptBytes,
    },
  });
  stops.push(() => store.close());
  // Adding dead letters prunes too; this catches the age limit when none arrive.
  const pruneTimer = setInterval(() => {
    store.deadLetters.prune().catch((err: Error) => {
      log.warn(`store: pruning dead letters failed: ${err.message}`);
    });
  }, 3_600_000).unref();
  stops.push(() => clearInterval(pruneTimer));
  // Instances declared in the config file are the source of truth for those names (replicas starting
  // together write them one after another, so none adds a name another just added).
  await oneReplicaAtATime(store, 'config instances', async () => {
    for (const i of config.instances) {
      if (await store.instances.get(i.name)) await store.instances.update(i.name, replacing(i));
      else await store.instances.add(i);
    }
  });
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
  return store;
}

/** With no real instance, an embedded simulator and a `demo` instance on it, loudly marked simulated. */
async function startDemo(store: Store, o: ServiceOptions, stops: Stops): Promise<Simulator | undefined> {
  const real = (await store.instances.list()).filter((i) => !i.simulated);
  if (real.length > 0 || o.demo === false) return undefined;
  // Loaded on demand: the production service never loads the simulator, only the demo does.
  const { startSimulator } = await import('../simulator/index.ts');
  const simulator = await startSimulator({
    publicToken: 'demo-public-token',
    privateToken: 'demo-private-token',
    seed: 1,
    history: { count: 3000, days: 7 },
    ratePerMinute: 6,
  });
  stops.push(() => simulator.close());
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
  if (await store.instances.get(DEMO_INSTANCE)) await store.instances.update(DEMO_INSTANCE, demo);
  else await store.instances.add(demo);
  o.log.warn(
    `instance "${DEMO_INSTANCE}" is SIMULATED: an embedded Darktrace simulator at ${simulator.url} feeds it`,
    { instance: DEMO_INSTANCE, simulated: true },
  );
  return simulator;
}

type Parts = Awaited<ReturnType<typeof buildComponents>>;

/**
 * The components, built and not yet started: the sinks (config file, command line, the demo's file
 * for `tail -f`), the case connectors, and the poller of every instance, all on one metrics registry.
 */
async function buildComponents(c: {
  o: ServiceOptions;
  config: Config;
  dataDir: string;
  store: Store;
  simulator?: Simulator;
  replica: string;
  clustered: boolean;
}) {
  const { o, config, store, simulator } = c;
  const log = o.log;
  const metrics = createMetrics();
  storeGauge(metrics, store);
  const sinks: SinkConfig[] = [...config.sinks, ...(o.sinks ?? [])];
  const names = new Set<string>();
  for (const sk of sinks) {
    if (names.has(sk.name)) throw new Error(`two sinks are named "${sk.name}"`);
    names.add(sk.name);
  }
  let demoSinkFile: string | undefined;
  if (simulator && o.demoSink !== false && !names.has(DEMO_SINK)) {
    demoSinkFile = join(c.dataDir, 'detections.ecs.ndjson');
    sinks.push({ name: DEMO_SINK, format: 'ecs', url: pathToFileURL(demoSinkFile).href });
  }
  // A sink declared before but not now keeps its offset (declaring it again resumes where it was);
  // say so, and how to forget it, so it does not linger unseen in `dtc sink list`.
  const declared = new Set(sinks.map((sk) => sk.name));
  for (const old of (await store.sinks.list()).filter((sk) => !declared.has(sk.name)))
    log.info(
      `sink "${old.name}" is no longer declared: its offset is kept, so declaring it again resumes ` +
        `delivery where it stopped; \`dtc sink remove ${old.name}\` forgets it`,
    );
  const deliverer = new Deliverer(store, sinks, { log, registry: metrics.registry });
  // Case connectors link to our console: the public URL, else the API's own address once it listens.
  const api = { url: '' };
  const cases = new CaseConnectors(store, config.cases as CaseConnectorConfig[], {
    log,
    maxItems: config.commands.maxItems,
    publicUrl: () => config.api.publicUrl ?? api.url,
    registry: metrics.registry,
  });
  // Every ingest path (poll, syslog) ends here: wake the sinks when something new was stored.
  const stored = (r: { new: number; updated: number }) => {
    if (r.new || r.updated) {
      deliverer.notify();
      cases.notify();
    }
  };
  const collector = darktraceSource.create({
    ingest: storeIngest(store, { onStored: (_instance, _stream, r) => stored(r) }),
    log,
    // Replicas poll only the instances they hold a lease on; every request says which replica sent it.
    leased: c.clustered,
    // The status of each instance it polls, for the replicas that do not (GET /api/instances there).
    onStatus: c.clustered ? (s) => store.instanceStatus.put(s.name, c.replica, s) : undefined,
    clientOptions: { userAgent: userAgentFor(VERSION, c.replica) },
    ...windowsMs(config.collector),
    onCheck(instance, r) {
      // Called from a timer: a store that cannot write must not turn this into an unhandled rejection.
      store.connectionChecks
        .add({
          instance,
          ok: r.ok,
          latencyMs: r.latencyMs,
          error: r.error ?? null,
          at: Date.parse(r.at),
        })
        .catch((err: Error) => {
          log.warn(`instance ${instance}: the connection check's result was not recorded: ${err.message}`);
        });
    },
    onPoll(instance, report) {
      metrics.pollDuration.observe({ instance }, (report.finishedAt - report.startedAt) / 1000);
      const m = metrics.poller(instance);
      for (const r of Object.values(report.streams)) {
        m.received(r.fetched, r.bytes);
        m.sent(r.new + r.updated, r.storedBytes);
        m.discarded('duplicate', r.duplicates);
        m.discarded('rejected', r.rejected);
        if (r.error) m.error('request_failed');
      }
    },
  });
  // The stored instances into the collector: at start, and again whenever the API changes one.
  const applyInstances = async () => {
    const records = (
      await Promise.all((await store.instances.list()).map((i) => instanceRecord(store, i.name)))
    )
      .filter((r): r is InstanceRecord => !!r)
      .map((r) => (r.simulated && !simulator ? { ...r, enabled: false } : r));
    for (const r of records) metrics.poller(r.name);
    return collector.setInstances(records);
  };
  // The instances some replica polls: the enabled ones (a simulated one only where its simulator runs).
  const polledInstances = async () =>
    (await store.instances.list()).filter((i) => i.enabled && (!i.simulated || simulator)).map((i) => i.name);
  // Filled once the leases run, for the API (GET /api/cluster).
  const cluster: { replica: string; current?: Cluster } = { replica: c.replica };
  return {
    metrics,
    deliverer,
    sinks,
    cases,
    collector,
    applyInstances,
    polledInstances,
    stored,
    demoSinkFile,
    api,
    cluster,
  };
}

/** The sinks, then the instances into the collector (which polls once the sources start). */
async function startSinks(parts: Parts, stops: Stops, clustered: boolean): Promise<void> {
  // Replicas run each sink only under its lease (src/service/cluster.ts).
  if (!clustered) await parts.deliverer.start();
  // Stops after the pollers and the receiver: the in-flight batch finishes.
  stops.push(() => parts.deliverer.stop());
  await parts.applyInstances();
  stops.push(() => parts.collector.stop());
}

/** Users and keys, single sign-on, and the HTTP API (with MCP and the case connectors' webhooks). */
async function startServers(
  c: {
    o: ServiceOptions;
    config: Config;
    dataDir: string;
    settings: Settings;
    store: Store;
    simulator?: Simulator;
    parts: Parts;
  },
  stops: Stops,
) {
  const { o, config, store, simulator, parts } = c;
  const { host, port, https, allowedHosts } = c.settings;
  const log = o.log;
  const access = new AccessControl(store);
  // One admin for all replicas: the first to start creates it, the others find it there.
  const bootstrap = await oneReplicaAtATime(store, 'bootstrap', () => access.bootstrap(c.dataDir));
  if (bootstrap)
    log.warn(
      `first start: created the user "admin" (password in ${bootstrap.passwordFile}) and an admin API key ` +
        `(in ${bootstrap.keyFile}); change the password with \`dtc user passwd admin\`, and once you have ` +
        `keys of your own revoke this one with \`dtc apikey revoke ${bootstrap.keyPrefix}\``,
    );
  const oidc = singleSignOn(config, host, access, parts, log);
  const declaredInstances = new Set(config.instances.map((i) => i.name));
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
      instancesChanged: parts.applyInstances,
      declaredIn: (name) => (declaredInstances.has(name) ? (o.configFile ?? 'the config file') : undefined),
    },
    collector: parts.collector,
    metrics: parts.metrics,
    deliverer: parts.deliverer,
    cluster: {
      replica: parts.cluster.replica,
      userAgent: userAgentFor(VERSION, parts.cluster.replica),
      clustered: store.dialect === 'postgres',
      status: async () => {
        const cl = parts.cluster.current;
        return cl && { ...(await cl.status()), leaseSeconds: cl.ttlMs / 1000 };
      },
    },
    log,
    about: {
      dataDir: c.dataDir,
      simulated: simulator ? { instance: DEMO_INSTANCE, url: simulator.url } : undefined,
    },
    // On loopback the API answers loopback names only (DNS rebinding); elsewhere, the configured names.
    allowedHosts: LOOPBACK.includes(host) ? ['localhost', '127.0.0.1', '[::1]'] : allowedHosts,
    extend: (app) => {
      registerMcpRoutes(app, {
        store,
        host,
        maxItems: config.commands.maxItems,
        log,
        client: (name) => parts.collector.client(name),
      });
      registerCaseRoutes(app, parts.cases);
    },
  });
  if (!LOOPBACK.includes(host) && !https)
    log.warn(
      `the HTTP API listens on ${host} over plain HTTP (--insecure-http): keep a TLS proxy in front of it`,
    );
  await api.listen({ port, host }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new Error(
        `the API port ${host}:${port} is already in use: stop the other process or choose another --port`,
      );
    throw err;
  });
  stops.push(() => api.close());
  const addr = api.server.address();
  const url = `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${typeof addr === 'object' && addr ? addr.port : port}`;
  parts.api.url = url;
  if (oidc) {
    log.info(`single sign-on: OpenID provider ${oidc.issuer}, redirect URL ${oidc.redirectUri}`);
    oidc
      .discover()
      .catch((err: Error) => log.warn(`single sign-on: ${err.message}; it is tried again at each sign-in`));
  }
  return { api, url, access, bootstrap };
}

/**
 * Single sign-on: the provider is asked for its metadata on the first login (and at start, to say
 * early when it cannot be reached); password logins and API keys work whatever it answers.
 */
function singleSignOn(config: Config, host: string, access: AccessControl, parts: Parts, log: ServiceLogger) {
  const oc = config.oidc;
  if (!oc) return undefined;
  // Beyond loopback the address the API binds (0.0.0.0, say) is not one a browser can be sent back to.
  if (!oc.redirectUrl && !config.api.publicUrl && !LOOPBACK.includes(host))
    throw new Error(
      `single sign-on needs oidc.redirectUrl (or api.publicUrl) when the API listens on ${host}: ` +
        'the URL browsers reach the API at, as registered at the OpenID provider',
    );
  return new OidcLogin(
    {
      ...oc,
      ca: oc.tls?.caFile ? readCaFile(oc.tls.caFile) : undefined,
      redirectUrl:
        oc.redirectUrl ??
        (config.api.publicUrl ? new URL('/api/auth/oidc/callback', config.api.publicUrl).href : undefined),
    },
    access,
    { apiUrl: () => parts.api.url, log },
  );
}

/**
 * `dtc instance add|update|enable|disable|remove` run while the service runs write the store from another
 * process; this notices within two seconds and applies them exactly as the API's changes are applied.
 * Only names, enabled flags and update times are compared, so nothing is decrypted unless something changed.
 */
async function followStoredInstances(
  store: Store,
  apply: () => Promise<void>,
  log: ServiceLogger,
): Promise<() => void> {
  const signature = async () =>
    (await store.instances.list()).map((i) => `${i.name}\t${i.enabled}\t${i.updatedAt}`).join('\n');
  let seen = await signature();
  let busy = false;
  let failed = '';
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await signature();
      if (now !== seen) {
        log.info('instances changed in the store (dtc instance …): applying them now');
        await apply();
        seen = now; // only once applied: a failure is tried again on the next tick
        failed = '';
      }
    } catch (err) {
      // Said once per distinct problem, not every tick.
      const message = `could not apply the stored instances: ${(err as Error).message}`;
      if (message !== failed) log.warn(message);
      failed = message;
    } finally {
      busy = false;
    }
  }, 2_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The pollers and, last, the syslog listeners; the case connectors and the asset and report schedules
 * come back as jobs, for the caller to start here or on the replica holding each one's lease.
 */
async function startSources(
  c: { o: ServiceOptions; config: Config; dataDir: string; settings: Settings; store: Store; parts: Parts },
  stops: Stops,
): Promise<{ syslog?: SyslogReceiver; jobs: LeasedJob[] }> {
  const { config, store, parts } = c;
  const log = c.o.log;
  parts.collector.start();
  stops.push(await followStoredInstances(store, parts.applyInstances, log));
  const jobs: LeasedJob[] = [];
  const assets = config.assets;
  if (assets) {
    const { startAssetSchedule } = await import('../assets/schedule.ts');
    jobs.push(
      handleJob('schedule:assets', () =>
        startAssetSchedule(store, assets, { dataDir: c.dataDir, log, sinks: parts.sinks }),
      ),
    );
  }
  if (config.reports.length) {
    const { startReportSchedule } = await import('../report/schedule.ts');
    jobs.push(handleJob('schedule:reports', () => startReportSchedule(store, config.reports, { log })));
  }
  for (const connector of parts.cases.connectors)
    jobs.push({
      resource: `cases:${connector.name}`,
      start: () => connector.start(),
      stop: () => connector.stop(),
    });
  const syslog = await startSyslog(c, stops);
  return { syslog, jobs };
}

/** A job whose start makes a handle that stops it (the schedules). */
function handleJob(resource: string, start: () => { stop(): Promise<void> }): LeasedJob {
  let handle: { stop(): Promise<void> } | undefined;
  return {
    resource,
    start: () => {
      handle = start();
    },
    stop: async () => {
      await handle?.stop();
      handle = undefined;
    },
  };
}

/** The syslog listeners, when any is configured. */
async function startSyslog(
  c: { config: Config; settings: Settings; store: Store; parts: Parts; o: ServiceOptions },
  stops: Stops,
): Promise<SyslogReceiver | undefined> {
  const { config, store, parts } = c;
  const log = c.o.log;
  if (!c.settings.listeners.length) return undefined;
  const sc = config.syslog;
  const syslog = await syslogSource.create({
    store,
    listeners: c.settings.listeners,
    instanceMap: sc?.instances,
    maxConnections: sc?.maxConnections,
    idleTimeoutMs: sc ? sc.idleTimeoutSeconds * 1000 : undefined,
    registry: parts.metrics.registry,
    log,
    onStored: (r) => parts.stored(r),
  });
  stops.push(() => syslog.close());
  return syslog;
}

function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`oidc.tls.caFile: cannot read ${file}: ${(err as Error).message}`);
  }
}
