import { LinewatchError, UnavailableError } from '../../lib/errors.ts';
import type { EventName, EventPayloads } from '../../lib/types.ts';
import type { Hub } from '../hub/hub.ts';
import type { EventId } from './event-id.ts';

/**
 * The live bus (DESIGN.md, "The live bus"): events from the owners of lines and connections
 * to every instance that streams them, with ids the bus gives (the same on every instance),
 * and commands to the owner of a line or connection. Two implementations: in-process (one
 * process group, the default) and Redis Streams (web and collector roles on several hosts).
 *
 * Reading is local: each instance keeps the replay window it received (`since`, `lastId`,
 * `subscribe`, the hub's), so a stream's snapshot, replay and live events are taken in one
 * synchronous turn, gapless and without duplicates.
 */
export interface LiveBus extends Pick<Hub, 'since' | 'lastId' | 'subscribe' | 'subscriberCount' | 'forget'> {
  /**
   * Publishes an event to every instance; resolves with its id once the bus holds it. Rejects
   * with `BusUnavailableError` at once while the bus is unreachable (nothing is queued: the
   * caller decides what an event lost to an outage costs).
   */
  publish<N extends EventName>(event: N, data: EventPayloads[N]): Promise<EventId>;
  /**
   * Sends `request` to whoever serves `owner` and resolves with its answer. Rejects with
   * `BusNoOwnerError` when nobody serves it, `BusTimeoutError` after `timeoutMs` (default
   * 5000) without an answer, and with the owner's own error (code, status, field) when its
   * handler threw.
   */
  command<A = unknown>(owner: string, request: CommandRequest, timeoutMs?: number): Promise<A>;
  /** Serves `owner`'s commands from this instance until the returned function is called. */
  serve(owner: string, handler: CommandHandler): Promise<() => Promise<void>>;
  /** Whether the bus is reachable now, and since when. */
  status(): BusStatus;
  /** Calls `listener` on every change of `status()`; returns the unsubscribe function. */
  onStatus(listener: (status: BusStatus) => void): () => void;
  close(): Promise<void>;
}

/** A command: its name and JSON-serialisable arguments. */
export interface CommandRequest {
  name: string;
  args?: unknown;
}

export type CommandHandler = (request: CommandRequest) => unknown;

export interface BusStatus {
  connected: boolean;
  /** Epoch ms of the last change. */
  since: number;
  /** Why it is not connected (the client's last error), when it is not. */
  reason?: string;
}

export class BusUnavailableError extends UnavailableError {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(`the live bus is unreachable: ${reason}`, options);
  }
}

export class BusNoOwnerError extends UnavailableError {
  constructor(owner: string) {
    super(`nothing serves "${owner}" now (its collector is down or moving)`);
  }
}

export class BusTimeoutError extends UnavailableError {
  constructor(owner: string, ms: number) {
    super(`"${owner}" did not answer within ${ms} ms`);
  }
}

/** An error the owner's handler threw, with its code, status and field, as the caller sees it. */
export class CommandError extends LinewatchError {
  override readonly code: string;
  override readonly status: number;
  constructor(wire: WireError) {
    super(wire.message, { field: wire.field });
    this.code = wire.code;
    this.status = wire.status;
  }
}

/** What travels back when a handler throws. */
export interface WireError {
  code: string;
  status: number;
  message: string;
  field?: string;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof LinewatchError) return { code: error.code, status: error.status, message: error.message, field: error.field };
  return { code: 'LW_INTERNAL', status: 500, message: (error as Error)?.message ?? String(error) };
}

export const defaultCommandTimeoutMs = 5000;

/**
 * The owner a line's commands go to, and the lease a collector holds on it: a line's
 * connections, alarms and simulators move together.
 */
export const lineOwner = (lineId: string) => `line:${lineId}`;
