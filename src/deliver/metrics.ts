// Sink and syslog metrics, registered on the service's registry (Vector's component contract, per batch).
import { Counter, Gauge, type Registry } from 'prom-client';

function createDeliverMetrics(registry: Registry) {
  const registers = [registry];
  return {
    sent: new Counter({
      name: 'dtc_sink_sent_events_total',
      help: 'Detections the sink destination accepted',
      labelNames: ['sink'] as const,
      registers,
    }),
    filtered: new Counter({
      name: 'dtc_sink_discarded_events_total',
      help: 'Detections a sink skipped (reason=filtered) or dead-lettered (reason=refused)',
      labelNames: ['sink', 'reason'] as const,
      registers,
    }),
    errors: new Counter({
      name: 'dtc_sink_errors_total',
      help: 'Failed delivery attempts (each is retried with backoff)',
      labelNames: ['sink'] as const,
      registers,
    }),
    offset: new Gauge({
      name: 'dtc_sink_offset',
      help: 'Highest store sequence the sink destination accepted',
      labelNames: ['sink'] as const,
      registers,
    }),
    lag: new Gauge({
      name: 'dtc_sink_lag',
      help: 'Store sequences not yet delivered by the sink (max sequence − offset)',
      labelNames: ['sink'] as const,
      registers,
    }),
    retryAttempts: new Gauge({
      name: 'dtc_sink_retry_attempts',
      help: 'Consecutive failed attempts at the batch in flight (0 when delivering normally)',
      labelNames: ['sink'] as const,
      registers,
    }),
    nextAttempt: new Gauge({
      name: 'dtc_sink_next_attempt_timestamp_seconds',
      help: 'When a backing-off sink next tries its failed batch (Unix time, s); 0 when not backing off',
      labelNames: ['sink'] as const,
      registers,
    }),
    syslogLines: new Counter({
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
  };
}

export type DeliverMetrics = ReturnType<typeof createDeliverMetrics>;

const cache = new WeakMap<Registry, DeliverMetrics>();
/** One set per registry (the receiver and the sinks share it). */
export function deliverMetrics(registry: Registry): DeliverMetrics {
  let m = cache.get(registry);
  if (!m) {
    m = createDeliverMetrics(registry);
    cache.set(registry, m);
  }
  return m;
}
