import type { Sample } from '../../lib/types.ts';

/** What the poll loops report to the poller (plain data: the live process relays it to the server). */

export interface Endpoint {
  host: string;
  port: number;
}

export interface BackoffOptions {
  /** First reconnect delay, ms. Default 250. */
  minMs?: number;
  /** Cap of the doubling delay, ms. Default 4000: recovery within ~4 s whatever the outage. */
  maxMs?: number;
}

/** Tunables of the connection pollers. */
export interface PollTuning {
  /** Largest register gap bridged by one read (see `planReads`). Default 8. */
  maxGap?: number;
  backoff?: BackoffOptions;
  /** A tag is `stale` after `staleFactor × scanMs` without a fresh read. Default 2. */
  staleFactor?: number;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/**
 * One write to a PLC, already encoded: registers (FC 6 for one, FC 16 for several), coils
 * (FC 5 / FC 15), or one bit of a holding register (read, modify, write back: FC 3 + FC 6).
 */
export type WriteRequest =
  | { area: 'holding'; address: number; values: number[] }
  | { area: 'coil'; address: number; values: number[] }
  | { area: 'holding'; address: number; bit: number; on: boolean };

/** Duration and outcome of one read request, for metrics. */
export interface PollRecord {
  seconds: number;
  ok: boolean;
  /** A connection attempt rather than a block read: an error to count, not a read duration. */
  connect?: true;
}

export interface SamplesMessage {
  type: 'samples';
  line: string;
  connection: string;
  /** Fractional epoch ms when the reply arrived (or the quality change was seen). */
  readAt: number;
  samples: Sample[];
  /** The read that produced these samples; absent for watchdog and connect-failure batches. */
  poll?: PollRecord;
}

export interface ConnectionStateMessage {
  type: 'connection';
  line: string;
  connection: string;
  state: ConnectionState;
  /** Why it is disconnected (`refused`, `timeout`, `no endpoint`, `no such port`, `port busy`, ...). */
  error?: string;
}

/** A read that produced no samples message (a failure that changed no tag's quality). */
export interface PollMessage extends PollRecord {
  type: 'poll';
  connection: string;
}

export type FromLoops = SamplesMessage | ConnectionStateMessage | PollMessage;
