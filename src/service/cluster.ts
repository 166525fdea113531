// Replicas of the service on one PostgreSQL store: the LeaseManager (src/cluster/) runs on the store's
// own database, one lease per enabled instance (`instance:<name>`), per declared sink (`sink:<name>`),
// per case connector (`cases:<name>`) and per schedule (`schedule:assets`, `schedule:reports`).
// A lease's work is that instance's polls or that sink's deliveries, inside the lease's fence; the
// lease's end stops them. On SQLite there is one process and none of this runs.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type Kysely, sql } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type Lease, LeaseManager } from '../cluster/leases.ts';
import type { ClusterTables } from '../cluster/schema.ts';
import { type ClusterStatus, clusterStatus } from '../cluster/status.ts';
import type { Collector } from '../collect/collector.ts';
import type { Deliverer } from '../deliver/worker.ts';
import { underFence } from '../store/fence.ts';
import type { Store } from '../store/index.ts';
import type { ServiceLogger } from './logger.ts';

/** The package's version (package.json is two levels up from both src/service/ and dist/service/). */
export const VERSION: string = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

/** This replica's id: the flag, the config file, DTC_REPLICA_ID, else host-pid-random (unique per process). */
export function replicaIdOf(
  given: string | undefined,
  configured: string | undefined,
  env: NodeJS.ProcessEnv,
) {
  return (
    given ??
    configured ??
    env.DTC_REPLICA_ID ??
    `${hostname().replace(/[^\x21-\x7e]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`
  );
}

/**
 * Runs `fn` while no other replica on the store runs its own `fn` of that name: replicas starting
 * together would otherwise all find no admin yet (or no declared instance) and all create it. A session
 * lock on one connection of the store's pool; `fn` itself may use the others. On SQLite the data
 * directory's lock already keeps a second process out.
 */
export async function oneReplicaAtATime<T>(store: Store, name: string, fn: () => Promise<T>): Promise<T> {
  if (store.dialect !== 'postgres') return fn();
  return store.kysely.connection().execute(async (c) => {
    await sql`select pg_advisory_lock(hashtext(${`dtc ${name}`}))`.execute(c);
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${`dtc ${name}`}))`.execute(c);
    }
  });
}

/** Runs a job inside the lease's fence from the lease's start to its end (its signal). */
async function whileLeased(lease: Lease, job: LeasedJob): Promise<void> {
  await underFence({ resource: lease.resource, token: lease.token }, () => job.start());
  await new Promise<void>((resolve) => {
    if (lease.signal.aborted) resolve();
    else lease.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await job.stop();
}

/** The User-Agent of every request this replica makes to an appliance: the appliance's logs say who asked. */
export const userAgentFor = (version: string, replica: string) =>
  `darktrace-hub/${version} (node ${process.version}; replica ${replica})`;

/**
 * Work that must not run on two replicas at once and runs until stopped: a case connector
 * (`cases:<name>`), the asset or the report schedule (`schedule:assets`, `schedule:reports`).
 */
export interface LeasedJob {
  resource: string;
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface Cluster {
  replica: string;
  ttlMs: number;
  manager: LeaseManager;
  status(): Promise<ClusterStatus>;
  stop(): Promise<void>;
}

export function startCluster(o: {
  store: Store;
  replica: string;
  ttlMs: number;
  collector: Collector;
  deliverer: Deliverer;
  /** The case connectors and schedules, one replica each. */
  jobs: readonly LeasedJob[];
  /** The instances polled by some replica (enabled ones). */
  instances(): Promise<string[]>;
  registry: Registry;
  log: ServiceLogger;
  address?: string;
  version?: string;
}): Cluster {
  const { replica, log } = o;
  const db = o.store.kysely as unknown as Kysely<ClusterTables>;
  const sinks = o.deliverer.workers.map((w) => w.config.name);
  const takeovers = new Counter({
    name: 'dtc_cluster_takeovers_total',
    help: 'Leases this replica took, by reason (new: never held; released: handed back; expired: its holder stopped renewing)',
    labelNames: ['replica', 'reason'],
    registers: [o.registry],
  });
  const lost = new Counter({
    name: 'dtc_cluster_leases_lost_total',
    help: 'Leases this replica lost without giving them up (not renewed in time, or taken over)',
    labelNames: ['replica'],
    registers: [o.registry],
  });
  for (const reason of ['new', 'released', 'expired']) takeovers.inc({ replica, reason }, 0);
  lost.inc({ replica }, 0);
  const manager = new LeaseManager({
    db,
    replica,
    address: o.address,
    version: o.version,
    ttlMs: o.ttlMs,
    resources: async () => [
      ...(await o.instances()).map((n) => `instance:${n}`),
      ...sinks.map((n) => `sink:${n}`),
      ...o.jobs.map((j) => j.resource),
    ],
    work: (lease) => work(lease),
    log: { info: (m, d) => log.info(m, d), warn: (m, d) => log.warn(m, d) },
    onChange(e) {
      if (e.type === 'acquired') takeovers.inc({ replica, reason: e.reason });
      else lost.inc({ replica });
    },
  });
  new Gauge({
    name: 'dtc_cluster_leases_held',
    help: 'Leases this replica holds now (instances it polls, sinks it delivers)',
    labelNames: ['replica'],
    registers: [o.registry],
    collect() {
      this.set({ replica }, manager.held().length);
    },
  });

  function work(lease: Lease): Promise<void> {
    const fence = { resource: lease.resource, token: lease.token };
    const colon = lease.resource.indexOf(':');
    const kind = lease.resource.slice(0, colon);
    const name = lease.resource.slice(colon + 1);
    if (kind === 'instance')
      return o.collector.lease(name, { fence, signal: lease.signal, valid: lease.valid });
    const job = o.jobs.find((j) => j.resource === lease.resource);
    if (job) return whileLeased(lease, job);
    const worker = kind === 'sink' ? o.deliverer.worker(name) : undefined;
    if (!worker) {
      // Every replica is meant to run the same config: say so, and let the lease go to one that has it.
      log.warn(`cluster: ${lease.resource} is not declared on this replica: handing it back`);
      return Promise.resolve();
    }
    return worker.work({ fence, signal: lease.signal, valid: lease.valid });
  }

  manager.start();
  return {
    replica,
    ttlMs: o.ttlMs,
    manager,
    status: () => clusterStatus(db, o.ttlMs),
    stop: () => manager.stop(),
  };
}
