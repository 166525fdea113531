// Every Prometheus metric of the service is defined here, on one registry per service (tests run
// several services in a process). Components (each source: a poller per instance, the syslog receiver;
// each sink) keep one contract, the same names and labels for all, after Vector's component metrics:
// `dtc_component_*{component_kind, component_type, component_id}`. A few older names are kept beside
// the contract because the docs promise them (dtc_sink_*, dtc_syslog_*, dtc_store_writable).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type ComponentKind = 'source' | 'sink';

export interface Component {
  kind: ComponentKind;
  /** The registry's type: `darktrace` or `syslog` for a source, the sink's type (`splunk`, …). */
  type: string;
  /** The instance's, the sink's name; `syslog` for the receiver. */
  id: string;
}

const LABELS = ['component_kind', 'component_type', 'component_id'] as const;

/**
 * The contract. Events are detections or records; bytes are as received (a line, a record's JSON text)
 * or as sent (the rendered record). A discarded event names its reason, an error its type; the reasons
 * and types each kind reports exist from the start at 0, so a dashboard sees them before they happen.
 */
export const CONTRACT = {
  receivedEvents: {
    name: 'dtc_component_received_events_total',
    help: 'Events that entered the component (a source: records fetched or lines received; a sink: detections read from the store)',
  },
  receivedBytes: {
    name: 'dtc_component_received_bytes_total',
    help: 'Bytes of the events received, as received (a source: record text or line; a sink: rendered record)',
  },
  sentEvents: {
    name: 'dtc_component_sent_events_total',
    help: 'Events the component passed on (a source: detection versions stored; a sink: accepted by the destination)',
  },
  sentBytes: {
    name: 'dtc_component_sent_bytes_total',
    help: 'Bytes of the events sent (a source: record text stored; a sink: rendered records accepted)',
  },
  discardedEvents: {
    name: 'dtc_component_discarded_events_total',
    help: 'Events not passed on, by reason (duplicate, rejected and dead-lettered, dropped on overflow, filtered, refused by the destination)',
    extra: 'reason',
  },
  errors: {
    name: 'dtc_component_errors_total',
    help: 'Errors, by type (each is retried or dead-lettered; see the log for the message)',
    extra: 'error_type',
  },
  bufferEvents: {
    name: 'dtc_component_buffer_events',
    help: 'Events waiting in the component (a sink: stored and not yet delivered; syslog: lines received and not yet stored; a poller holds none)',
  },
} as const;

/** What each kind may report as a discard reason and an error type. */
export const REASONS: Record<ComponentKind, readonly string[]> = {
  source: ['duplicate', 'rejected', 'dropped'],
  sink: ['filtered', 'refused'],
};
export const ERROR_TYPES: Record<ComponentKind, readonly string[]> = {
  source: ['request_failed', 'store_failed'],
  sink: ['write_failed', 'render_failed'],
};

function createContract(registry: Registry) {
  const registers = [registry];
  const c = CONTRACT;
  /** Buffers read at each scrape (a receiver's queue lives on another thread), by label set. */
  const readers = new Map<string, { labels: Record<(typeof LABELS)[number], string>; read: () => number }>();
  return {
    readers,
    receivedEvents: new Counter({ ...c.receivedEvents, labelNames: LABELS, registers }),
    receivedBytes: new Counter({ ...c.receivedBytes, labelNames: LABELS, registers }),
    sentEvents: new Counter({ ...c.sentEvents, labelNames: LABELS, registers }),
    sentBytes: new Counter({ ...c.sentBytes, labelNames: LABELS, registers }),
    discardedEvents: new Counter({
      name: c.discardedEvents.name,
      help: c.discardedEvents.help,
      labelNames: [...LABELS, 'reason'] as const,
      registers,
    }),
    errors: new Counter({
      name: c.errors.name,
      help: c.errors.help,
      labelNames: [...LABELS, 'error_type'] as const,
      registers,
    }),
    bufferEvents: new Gauge({
      ...c.bufferEvents,
      labelNames: LABELS,
      registers,
      collect() {
        for (const r of readers.values()) this.set(r.labels, r.read());
      },
    }),
    /** Each component registered, in order: what the contract test reads back from /metrics. */
    components: new Map<string, Component>(),
  };
}

/** One set of series per registry, made on first use. */
const once = <T>(make: (registry: Registry) => T) => {
  const made = new WeakMap<Registry, T>();
  return (registry: Registry): T => {
    let m = made.get(registry);
    if (!m) {
      m = make(registry);
      made.set(registry, m);
    }
    return m;
  };
};

const contractOf = once(createContract);

/** One component's side of the contract. */
export interface ComponentMetrics {
  readonly component: Component;
  received(events: number, bytes: number): void;
  sent(events: number, bytes: number): void;
  discarded(reason: string, events: number): void;
  error(type: string, n?: number): void;
  /** Events waiting now; or a function read at each scrape. */
  buffer(events: number | (() => number)): void;
}

/** Registers a component: its series exist (at 0) from now on. Registering it again returns the same. */
export function componentMetrics(registry: Registry, component: Component): ComponentMetrics {
  const m = contractOf(registry);
  const labels = {
    component_kind: component.kind,
    component_type: component.type,
    component_id: component.id,
  };
  m.components.set(`${component.kind}/${component.id}`, component);
  for (const counter of [m.receivedEvents, m.receivedBytes, m.sentEvents, m.sentBytes])
    counter.inc(labels, 0);
  for (const reason of REASONS[component.kind]) m.discardedEvents.inc({ ...labels, reason }, 0);
  for (const error_type of ERROR_TYPES[component.kind]) m.errors.inc({ ...labels, error_type }, 0);
  m.bufferEvents.set(labels, 0);
  return {
    component,
    received(events, bytes) {
      m.receivedEvents.inc(labels, events);
      m.receivedBytes.inc(labels, bytes);
    },
    sent(events, bytes) {
      m.sentEvents.inc(labels, events);
      m.sentBytes.inc(labels, bytes);
    },
    discarded(reason, events) {
      if (events) m.discardedEvents.inc({ ...labels, reason }, events);
    },
    error(error_type, n = 1) {
      if (n) m.errors.inc({ ...labels, error_type }, n);
    },
    buffer(events) {
      if (typeof events === 'number') m.bufferEvents.set(labels, events);
      else m.readers.set(JSON.stringify(labels), { labels, read: events });
    },
  };
}

/** The components registered on a registry. */
export function registeredComponents(registry: Registry): Component[] {
  return [...contractOf(registry).components.values()];
}

/** A sink's metrics: the contract, and the dtc_sink_* series the docs promise (label `sink`). */
export function sinkMetrics(registry: Registry, type: string, name: string) {
  const c = componentMetrics(registry, { kind: 'sink', type, id: name });
  const old = legacySinkMetrics(registry);
  const sink = { sink: name };
  return {
    contract: c,
    /** Detections read from the store for this sink, and the bytes of those it rendered. */
    received: c.received,
    /** The destination accepted these. */
    sent(events: number, bytes: number) {
      c.sent(events, bytes);
      old.sent.inc(sink, events);
    },
    discarded(reason: 'filtered' | 'refused', events: number) {
      c.discarded(reason, events);
      if (events) old.discarded.inc({ ...sink, reason }, events);
    },
    error(type: 'write_failed' | 'render_failed') {
      c.error(type);
      if (type === 'write_failed') old.errors.inc(sink);
    },
    position(offset: number, lag: number) {
      c.buffer(lag);
      old.offset.set(sink, offset);
      old.lag.set(sink, lag);
    },
    retry(attempts: number, nextAttemptAt: number | null) {
      old.retryAttempts.set(sink, attempts);
      old.nextAttempt.set(sink, nextAttemptAt === null ? 0 : nextAttemptAt / 1000);
    },
  };
}

export type SinkMetrics = ReturnType<typeof sinkMetrics>;

const legacySinkMetrics = once((registry: Registry) => {
  const registers = [registry];
  const labelNames = ['sink'] as const;
  return {
    sent: new Counter({
      name: 'dtc_sink_sent_events_total',
      help: 'Detections the sink destination accepted',
      labelNames,
      registers,
    }),
    discarded: new Counter({
      name: 'dtc_sink_discarded_events_total',
      help: 'Detections a sink skipped (reason=filtered) or dead-lettered (reason=refused)',
      labelNames: ['sink', 'reason'] as const,
      registers,
    }),
    errors: new Counter({
      name: 'dtc_sink_errors_total',
      help: 'Failed delivery attempts (each is retried with backoff)',
      labelNames,
      registers,
    }),
    offset: new Gauge({
      name: 'dtc_sink_offset',
      help: 'Highest store sequence the sink destination accepted',
      labelNames,
      registers,
    }),
    lag: new Gauge({
      name: 'dtc_sink_lag',
      help: 'Store sequences not yet delivered by the sink (max sequence − offset)',
      labelNames,
      registers,
    }),
    retryAttempts: new Gauge({
      name: 'dtc_sink_retry_attempts',
      help: 'Consecutive failed attempts at the batch in flight (0 when delivering normally)',
      labelNames,
      registers,
    }),
    nextAttempt: new Gauge({
      name: 'dtc_sink_next_attempt_timestamp_seconds',
      help: 'When a backing-off sink next tries its failed batch (Unix time, s); 0 when not backing off',
      labelNames,
      registers,
    }),
  };
});

/** The syslog receiver's own series (documented), beside its contract as the source `syslog`. */
export const syslogMetrics = once((registry: Registry) => {
  const registers = [registry];
  let udpPorts: () => number[] = () => [];
  let readKernelDrops: (ports: number[]) => number = () => 0;
  return {
    contract: componentMetrics(registry, { kind: 'source', type: 'syslog', id: 'syslog' }),
    lines: new Counter({
      name: 'dtc_syslog_lines_total',
      help: 'Syslog lines by listener and outcome (received, stored, duplicate, rejected, dropped)',
      labelNames: ['listener', 'outcome'] as const,
      registers,
    }),
    receiverRestarts: new Counter({
      name: 'dtc_syslog_receiver_restarts_total',
      help: 'Times the syslog listening thread stopped unexpectedly and was started again',
      registers,
    }),
    connections: new Counter({
      name: 'dtc_syslog_connections_total',
      help: 'Syslog TCP/TLS connections: accepted, refused (over syslog.maxConnections), idle_closed (syslog.idleTimeoutSeconds)',
      labelNames: ['listener', 'outcome'] as const,
      registers,
    }),
    open: new Gauge({
      name: 'dtc_syslog_open_connections',
      help: 'Syslog TCP/TLS connections open now',
      labelNames: ['listener'] as const,
      registers,
    }),
    kernelDrops: new Gauge({
      name: 'dtc_syslog_udp_kernel_drops',
      help: 'Syslog UDP datagrams the kernel dropped because the receive buffer was full (Linux /proc/net/udp), since the listener opened',
      registers,
      collect() {
        this.set(readKernelDrops(udpPorts()));
      },
    }),
    /** The UDP ports now bound, and how to read the kernel's drops for them (the latest receiver's). */
    watchUdp(ports: () => number[], read: (ports: number[]) => number) {
      udpPorts = ports;
      readKernelDrops = read;
    },
  };
});

/** The service's registry with its own series: polls, instances, the store. */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const pollDuration = new Histogram({
    name: 'dtc_poll_duration_seconds',
    help: 'Duration of one poll of an instance',
    labelNames: ['instance'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers,
  });
  const instanceUp = new Gauge({
    name: 'dtc_instance_up',
    help: '1 when the last poll of the instance fully succeeded, 0.5 when degraded, 0 when failing',
    labelNames: ['instance'] as const,
    registers,
  });
  const storeSeq = new Gauge({
    name: 'dtc_store_sequence',
    help: 'Highest sequence number in the store',
    registers,
  });
  /** A poller's side of the contract (one source per instance). */
  const poller = (instance: string) =>
    componentMetrics(registry, { kind: 'source', type: 'darktrace', id: instance });
  return { registry, pollDuration, instanceUp, storeSeq, poller };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** `dtc_store_writable`: 1 while the store writes, 0 while it refuses (full disk, read-only, damaged). */
export function storeGauge(m: Metrics, store: { health(): { writable: boolean; code?: string } }): void {
  new Gauge({
    name: 'dtc_store_writable',
    help: '1 when the store can write, 0 while it cannot (code: disk_full, read_only, corrupt, io); see /healthz for the reason',
    labelNames: ['code'] as const,
    registers: [m.registry],
    collect() {
      const h = store.health();
      this.reset();
      this.set({ code: h.code ?? '' }, h.writable ? 1 : 0);
    },
  });
}
