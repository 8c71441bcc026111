import type { AlarmEventPayload, AlarmView } from './alarms/alarm-types.ts';

/**
 * Shared vocabulary of the live path: what the poller produces, what the hub carries and
 * what clients receive. Plain data only, so it crosses threads, processes and the wire as JSON.
 */

/** `good`: fresh read; `bad`: the read failed (see `reason`); `stale`: no fresh read within 2 scan periods. */
export type Quality = 'good' | 'bad' | 'stale';

export interface Sample {
  /** Tag id, unique in the plant: `${lineId}.${tagName}`. */
  tag: string;
  /** Epoch milliseconds of the read (reply received) or of the quality change. */
  ts: number;
  /** Decoded, scaled value; `null` when no value was ever read. Bools are 0/1. */
  value: number | null;
  quality: Quality;
  /** Why the quality is not good: `timeout`, `refused`, `exception 02 (illegal data address)`, ... */
  reason?: string;
}

export type LineState = 'running' | 'stopped' | 'comm-lost' | 'unknown';

export type ProcessStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

export interface ProcessInfo {
  id: string;
  name: string;
  status: ProcessStatus;
  pid: number | null;
  startedAt: number | null;
  stoppedAt: number | null;
  exitCode: number | null;
  signal: string | null;
  restarts: number;
  /** Last lines of stdout and stderr, oldest first. */
  tail: string[];
  /** Free-form facts the child reported when ready (e.g. `{ port: 40123 }`). */
  info: Record<string, unknown>;
}

export interface LineStatus {
  id: string;
  state: LineState;
  /** Epoch ms of the newest sample seen for this line, or null. */
  lastSampleAt: number | null;
  /** Some, not all, of the line's PLC connections lost (a line running on one PLC of two): how many, of how many. */
  partial?: { lost: number; of: number };
}

/** Payloads of hub events, by event name. */
export interface EventPayloads {
  /** One poll block (or a coalesced set) of samples. `readAt`: epoch ms with fraction, reply received. */
  sample: { line: string; readAt: number; samples: Sample[] };
  line: LineStatus;
  process: ProcessInfo;
  /** One alarm transition (raised, acknowledged, cleared, shelved, ...) and the alarm after it. */
  alarm: AlarmEventPayload;
  /** A job's status or progress changed. */
  job: JobInfo;
  /** A new plant version was applied: definitions (lines, tags, alarms) changed; refetch them. */
  plant: { version: number };
}

export type EventName = keyof EventPayloads;

export interface HubEvent<N extends EventName = EventName> {
  /** The live bus's id, `<ms>-<seq>` (a Redis Stream id in scale-out): opaque to clients, increasing across restarts too. */
  id: string;
  event: N;
  data: EventPayloads[N];
}

/** First message to each new stream client. `id` is the last event id it already contains. */
export interface Snapshot {
  id: string;
  lines: LineStatus[];
  values: Sample[];
  processes: ProcessInfo[];
  /** Every alarm not in the plain normal state: active, unacknowledged, shelved or out of service. */
  alarms: AlarmView[];
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What a CSV export covers: raw samples of these tags with from ≤ ts < to (epoch ms). */
export interface ExportJobParams {
  tags: string[];
  from: number;
  to: number;
}

/** A long job (CSV export) as the API and the `job` stream event show it. */
export interface JobInfo {
  id: number;
  kind: 'csv-export';
  status: JobStatus;
  /** 0–100. */
  progress: number;
  params: ExportJobParams;
  /** Username of who started it. */
  createdBy: string;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** Why it failed (or was cancelled). */
  error: string | null;
  /** Once succeeded: the file to download from `/api/jobs/{id}/download`. */
  result: { rows: number; bytes: number; filename: string } | null;
}
