import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { PushStats } from '../push/push-sender.ts';
import type { SpoolStats } from '../spool/spool.ts';
import { processStatuses as everyStatus } from '../supervisor/process-status.ts';

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Prometheus metrics of one server instance, in their own registry (tests build several
 * servers in one process). Event-loop lag is measured, not guessed: the seeds' concern is a
 * web server that must never block.
 */
export function createMetrics(sources: {
  processStatuses: () => string[];
  alarms: () => AlarmView[];
  push: () => PushStats;
  /** The local spool's (server/spool/), one entry per kind; absent where there is none. */
  spool?: () => SpoolStats[];
  /** Whether the Redis live bus is reachable (roles web and collector); absent with the in-process bus. */
  bus?: () => { connected: boolean } | undefined;
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  if (sources.bus)
    new Gauge({
      name: 'linewatch_live_bus_connected',
      help: '1 while the Redis live bus is reachable, 0 during an outage (streams then carry nothing new)',
      registers: [registry],
      collect() {
        const status = sources.bus?.();
        if (status) this.set(status.connected ? 1 : 0);
      },
    });
  new Gauge({
    name: 'linewatch_event_loop_lag_p99_seconds',
    help: 'p99 event-loop delay since the previous scrape',
    registers: [registry],
    collect() {
      this.set(loopDelay.percentile(99) / 1e9);
      loopDelay.reset();
    },
  });

  return {
    registry,
    pollDuration: new Histogram({
      name: 'linewatch_poll_duration_seconds',
      help: 'Modbus block read duration, per PLC connection',
      labelNames: ['connection'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    pollErrors: new Counter({
      name: 'linewatch_poll_errors_total',
      help: 'Failed Modbus block reads and connection attempts, per PLC connection',
      labelNames: ['connection'] as const,
      registers: [registry],
    }),
    samples: new Counter({ name: 'linewatch_samples_total', help: 'Samples received from the poller', registers: [registry] }),
    samplesCommitted: new Counter({ name: 'linewatch_history_samples_committed_total', help: 'Samples written to history', registers: [registry] }),
    storeWriteFailures: new Counter({
      name: 'linewatch_store_write_failures_total',
      help: 'Writes the database refused and that are being retried (what: audit, alarm-journal)',
      labelNames: ['what'] as const,
      registers: [registry],
    }),
    samplesDropped: new Counter({
      name: 'linewatch_history_samples_dropped_total',
      help: 'Samples dropped because the history buffer was full',
      registers: [registry],
    }),
    streamCoalesced: new Counter({
      name: 'linewatch_stream_samples_coalesced_total',
      help: 'Samples replaced by a newer value in a slow client queue',
      registers: [registry],
    }),
    streamClients: new Gauge({
      name: 'linewatch_stream_clients',
      help: 'Connected live-stream clients',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    processes: new Gauge({
      name: 'linewatch_child_processes',
      help: 'Child processes by status',
      labelNames: ['status'] as const,
      registers: [registry],
      collect() {
        // Every status, zeros included: a series that vanishes at zero reads as "no data", not 0.
        for (const status of everyStatus) this.set({ status }, 0);
        for (const status of sources.processStatuses()) this.inc({ status });
      },
    }),
    alarms: new Gauge({
      name: 'linewatch_alarms',
      help: 'Alarms not in the normal state, by priority and state',
      labelNames: ['priority', 'state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const a of sources.alarms()) this.inc({ priority: a.priority, state: a.state });
      },
    }),
    alarmTransitions: new Counter({
      name: 'linewatch_alarm_transitions_total',
      help: 'Alarm state transitions, by transition and priority',
      labelNames: ['transition', 'priority'] as const,
      registers: [registry],
    }),
    pushSubscriptions: new Gauge({
      name: 'linewatch_push_subscriptions',
      help: 'Devices subscribed to alarm notifications',
      registers: [registry],
      collect() {
        this.set(sources.push().subscriptions);
      },
    }),
    pushRequests: new Counter({
      name: 'linewatch_push_requests_total',
      help: 'Push requests since start, by outcome (sent, failed, retried, dropped when the queue was full, removed subscriptions)',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        // The sender keeps the counts; a scrape copies them.
        const s = sources.push();
        this.reset();
        for (const outcome of ['sent', 'failed', 'retried', 'dropped', 'removed'] as const) this.inc({ outcome }, s[outcome]);
      },
    }),
    streamFanout: new Histogram({
      name: 'linewatch_stream_fanout_seconds',
      help: 'PLC reply received → its samples written to every live-stream client (in the live process)',
      buckets: [0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.006, 0.008, 0.012, 0.016, 0.032, 0.064],
      registers: [registry],
    }),
    pushLatency: new Histogram({
      name: 'linewatch_push_latency_seconds',
      help: 'Alarm transition → its push request leaving for the push service',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'linewatch_http_request_duration_seconds',
      help: 'HTTP request duration (streams: until headers)',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    spoolRows: new Gauge({
      name: 'linewatch_spool_rows',
      help: 'Rows waiting in the local spool for the database, by kind (samples, journal, audit)',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        for (const s of sources.spool?.() ?? []) this.set({ kind: s.kind }, s.rows);
      },
    }),
    spoolBytes: new Gauge({
      name: 'linewatch_spool_bytes',
      help: 'Size of the local spool on disk, by kind (bounded together by LINEWATCH_SPOOL_MAX_MB)',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        for (const s of sources.spool?.() ?? []) this.set({ kind: s.kind }, s.bytes);
      },
    }),
    spoolOldestAge: new Gauge({
      name: 'linewatch_spool_oldest_age_seconds',
      help: 'Age of the oldest row waiting in the local spool, by kind; 0 when none waits',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        const now = Date.now();
        for (const s of sources.spool?.() ?? []) this.set({ kind: s.kind }, s.oldestAt === undefined ? 0 : Math.max(0, (now - s.oldestAt) / 1000));
      },
    }),
    spoolReplayed: new Counter({
      name: 'linewatch_spool_replayed_rows_total',
      help: 'Rows written to the database from the local spool, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        // The spools keep the counts; a scrape copies them.
        this.reset();
        for (const s of sources.spool?.() ?? []) this.inc({ kind: s.kind }, s.replayed);
      },
    }),
    spoolDamaged: new Counter({
      name: 'linewatch_spool_damaged_records_total',
      help: 'Spool records found damaged (a torn tail after a crash, a bad checksum): logged and skipped, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of sources.spool?.() ?? []) this.inc({ kind: s.kind }, s.corrupt);
      },
    }),
    close() {
      loopDelay.disable();
    },
  };
}
