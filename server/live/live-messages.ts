import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import type { EventName, EventPayloads, ProcessInfo } from '../../lib/types.ts';
import type { Endpoint, PollRecord, WriteRequest } from '../poller/messages.ts';
import type { SampleBatch } from '../poller/poller.ts';
import type { StreamCloseReason } from '../stream/stream-session.ts';
import type { StreamQuery } from '../stream/stream-query.ts';
import type { LogRecord, LogLevel } from '../log/logger.ts';

/** What the server knows that the live process's snapshots hold: processes and alarms not normal. */
export interface ServerState {
  processes: ProcessInfo[];
  alarms: AlarmView[];
}

/** An HTTP request as the live process needs it to answer on a handed-over socket. */
export interface RequestHead {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Server → live process. Messages with a socket carry it as the send handle. */
export type ToLive =
  | ({
      type: 'start';
      plant: Plant;
      endpoints: Record<string, Endpoint>;
      heartbeatMs?: number;
      retryMs?: number;
      realtimePriority: number;
      /** The priority was configured, not the default: not getting it is a warning, not news. */
      realtimeChosen: boolean;
      logLevel: LogLevel;
      /**
       * Role `web`: stream the Redis live bus (collectors poll), with a snapshot state of its
       * events and the lines' owners. Absent: poll here, on the in-process bus.
       */
      redisBus?: { url: string; keyPrefix?: string };
    } & ServerState)
  /** An event of the server's (never `sample` or `line`: those start in the live process). */
  | { type: 'publish'; event: Exclude<EventName, 'sample' | 'line'>; data: EventPayloads[EventName] }
  | { type: 'endpoint'; connection: string; host: string; port: number }
  /** A setpoint or command for a PLC, encoded: sent on the connection's socket between its reads. */
  | { type: 'write'; id: number; connection: string; request: WriteRequest }
  /** A plant version was applied: poll it (`restart`: connections whose loops start over), then tell the streams. */
  | { type: 'plant'; plant: Plant; restart: string[]; version: number }
  /** A `GET /api/stream` the server authorised: the live process answers it on the socket. */
  | {
      type: 'sse';
      key: number;
      request: RequestHead;
      responseHeaders: Record<string, number | string | string[] | undefined>;
      query: StreamQuery;
      loginSession?: string;
    }
  /** A WebSocket upgrade the server authorised (`head`: bytes read past the request). */
  | { type: 'ws'; key: number; request: RequestHead; head: Uint8Array; query: StreamQuery; loginSession: string }
  /** End the streams opened in this login session. */
  | { type: 'end-session'; loginSession: string }
  | { type: 'stop' };

/** Live process → server. */
export type FromLive =
  | { type: 'started' }
  | { type: 'start-failed'; message: string }
  | { type: 'samples'; batch: SampleBatch }
  | { type: 'poll'; connection: string; poll: PollRecord }
  | { type: 'stream-opened'; key: number }
  | { type: 'stream-closed'; key: number; reason: StreamCloseReason }
  | { type: 'coalesced'; samples: number }
  /** The answer to a `write`: done, or why not (a ModbusReadError's reason). */
  | { type: 'written'; id: number; at?: number; error?: string }
  /** Poll reply → written to every stream, per sample batch since the last such message, seconds. */
  | { type: 'fanout'; seconds: number[] }
  | { type: 'log'; record: LogRecord };
