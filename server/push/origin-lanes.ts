import { breakerSlots, closedBreaker, type BreakerState } from './origin-breaker.ts';
import { createRankedQueue, type RankedQueue } from './ranked-queue.ts';

/**
 * The delivery queue's pushes by push service (endpoint origin): each has its own queue, its
 * own count of requests in flight and its own circuit breaker, so one that hangs or fails
 * holds only its own and never delays pushes to another. Push services take turns.
 */

export interface Lane<T> {
  origin: string;
  queue: RankedQueue<T>;
  inFlight: number;
  breaker: BreakerState;
}

export interface Lanes<T> {
  /** The lane of `endpoint`'s push service, made on first use. */
  of(endpoint: string): Lane<T>;
  /** The next item that may start at `now` (its lane then goes to the back of the turns); undefined when none may. */
  take(now: number, concurrency: number): { lane: Lane<T>; item: T } | undefined;
  /** When the earliest pause of a push service with pushes waiting ends; null when there is none. */
  nextWake(now: number): number | null;
  /** Items waiting in all lanes. */
  queued(): number;
  /** Forgets a lane that has nothing to do and no failure to remember. */
  release(lane: Lane<T>): void;
  /** Empties every queue; returns how many items they held. */
  clear(): number;
}

export function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return endpoint;
  }
}

/** Lanes whose queues hold at most `maxQueue` items each. */
export function createLanes<T>(maxQueue: number): Lanes<T> {
  /** In turn order: a lane that started an item moves to the end. */
  const lanes = new Map<string, Lane<T>>();

  return {
    of(endpoint) {
      const origin = originOf(endpoint);
      let lane = lanes.get(origin);
      if (!lane) lanes.set(origin, (lane = { origin, queue: createRankedQueue(maxQueue), inFlight: 0, breaker: closedBreaker }));
      return lane;
    },
    take(now, concurrency) {
      for (const lane of lanes.values()) {
        if (lane.queue.size === 0 || lane.inFlight >= breakerSlots(lane.breaker, now, concurrency)) continue;
        lanes.delete(lane.origin);
        lanes.set(lane.origin, lane);
        return { lane, item: lane.queue.shift()! };
      }
      return undefined;
    },
    nextWake(now) {
      let wake: number | null = null;
      for (const { queue, breaker } of lanes.values()) {
        const until = breaker.pausedUntil;
        if (queue.size > 0 && until !== null && until > now && (wake === null || until < wake)) wake = until;
      }
      return wake;
    },
    queued: () => [...lanes.values()].reduce((n, lane) => n + lane.queue.size, 0),
    release(lane) {
      if (lane.queue.size === 0 && lane.inFlight === 0 && lane.breaker.failures === 0 && lane.breaker.pausedUntil === null) lanes.delete(lane.origin);
    },
    clear() {
      let held = 0;
      for (const lane of lanes.values()) held += lane.queue.clear();
      return held;
    },
  };
}
