import type { Logger } from '../log/logger.ts';

/** Why work on a resource stops (LeaseKeeperOptions `onLost`). */
export type LossReason = 'taken' | 'unconfirmed' | 'rebalanced' | 'stopping' | 'removed';

export interface Held {
  token: number;
  /** Monotonic ms at which the last renewal (or acquisition) the store confirmed was sent. */
  confirmedAt: number;
}

export interface HeldLeasesOptions {
  ttlMs: number;
  /** A lease not confirmed is given up this long before it could expire in the store, ms. */
  marginMs: number;
  /** The last liveness refresh of this holder, if its key lived on unbroken since `since` (liveness.ts). */
  vouchedAt?: (since: number) => number | undefined;
  onGained(resource: string, token: number): void;
  onLost(resource: string, reason: LossReason): void | Promise<void>;
  log: Logger;
  now: () => number;
}

export interface HeldLeases {
  get(resource: string): Held | undefined;
  /** Held now, or still stopping (`onLost` running): neither taken nor released meanwhile. */
  busy(resource: string): boolean;
  entries(): [string, Held][];
  readonly size: number;
  /** Held and still stopping: what liveness says this holder works on. */
  working(): string[];
  /** Until when (monotonic ms) the lease is surely still ours. */
  validUntil(h: Held): number;
  gain(resource: string, token: number, sentAt: number): void;
  /** Stops the work on it (`onLost`, awaited), once; resolves when it stopped. */
  lose(resource: string, reason: LossReason): Promise<void>;
  /** Gives up what is past its deadline, then waits for the next deadline. */
  enforceDeadlines(): void;
  /** No deadline timer from now on. */
  stop(): void;
}

/**
 * The leases one collector holds and the deadline of each: work on a resource stops
 * `marginMs` before its lease could expire in the store, unless a renewal the store confirmed
 * (or a liveness refresh) moved the deadline on — so the next holder never starts before
 * this one stopped.
 */
export function createHeldLeases(options: HeldLeasesOptions): HeldLeases {
  const { ttlMs, marginMs, log, now } = options;
  const held = new Map<string, Held>();
  const losing = new Set<string>();
  let deadlineTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  // Its last confirmation, by the store or by liveness, was sent a lease time before, less the margin.
  const validUntil = (h: Held): number => Math.max(h.confirmedAt, options.vouchedAt?.(h.confirmedAt) ?? h.confirmedAt) + ttlMs - marginMs;

  function lose(resource: string, reason: LossReason): Promise<void> {
    if (!held.delete(resource)) return Promise.resolve();
    log.info({ resource, reason }, 'lease given up');
    losing.add(resource);
    // Called now, not on a later tick: polling stops within the call.
    let stopping: Promise<void>;
    try {
      stopping = Promise.resolve(options.onLost(resource, reason));
    } catch (error) {
      stopping = Promise.reject(error);
    }
    return stopping
      .catch((error: unknown) => log.error({ err: error, resource }, 'stopping work on a lost lease failed'))
      .finally(() => losing.delete(resource));
  }

  // A timer may fire early: it re-arms.
  function enforceDeadlines(): void {
    clearTimeout(deadlineTimer);
    const at = now();
    let next = Number.POSITIVE_INFINITY;
    for (const [resource, h] of held) {
      const until = validUntil(h);
      if (at >= until) void lose(resource, 'unconfirmed');
      else next = Math.min(next, until);
    }
    if (next !== Number.POSITIVE_INFINITY && !stopped) deadlineTimer = setTimeout(enforceDeadlines, Math.max(1, next - at));
  }

  return {
    get: (resource) => held.get(resource),
    busy: (resource) => held.has(resource) || losing.has(resource),
    entries: () => [...held],
    get size() {
      return held.size;
    },
    working: () => [...held.keys(), ...losing],
    validUntil,
    gain(resource, token, sentAt) {
      held.set(resource, { token, confirmedAt: sentAt });
      log.info({ resource, token }, 'lease taken');
      options.onGained(resource, token);
    },
    lose,
    enforceDeadlines,
    stop() {
      stopped = true;
      clearTimeout(deadlineTimer);
    },
  };
}
