import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { Lease, LeaseRepository } from '../storage/store.ts';

export interface LeaseKeeperOptions {
  leases: LeaseRepository;
  /** This collector's id, unique among the running ones. */
  holder: string;
  /** What collectors share out (e.g. `conn:<connection id>`), the same list on every collector. */
  resources: readonly string[];
  /** Lease duration, ms. Default 6000: a dead collector's resources move within ~8 s. */
  ttlMs?: number;
  /** Between two rounds (renew, balance), ms. Default `ttlMs / 3`. */
  tickMs?: number;
  /**
   * A lease not confirmed by a renewal is given up this long before it could expire in the
   * store, ms (against a late timer or a slow reply). Default `ttlMs / 3`.
   */
  marginMs?: number;
  /** The resource is this collector's now: start working on it (`token` fences what it writes). */
  onGained(resource: string, token: number): void;
  /**
   * Stop working on it, now: another collector may take it from the store's next expiry on.
   * Whatever must stop before another may start (polling) stops within the call; the promise
   * (its connections closed) is awaited before the lease is released to others.
   */
  onLost(resource: string, reason: 'taken' | 'unconfirmed' | 'rebalanced' | 'stopping' | 'removed'): void | Promise<void>;
  log: Logger;
  /** Monotonic clock, ms (tests). */
  now?: () => number;
}

export interface LeaseKeeper {
  start(): void;
  /** Gives every lease up (after `onLost`), membership too, so others take them at once. */
  stop(): Promise<void>;
  /** One round: renew, drop what could not be confirmed, take or give up to the fair share. */
  tick(): Promise<void>;
  /** The resources held now, with their tokens. */
  held(): ReadonlyMap<string, number>;
  /** What is shared out from now on (a plant version added or removed lines): held ones gone are given up and released. */
  setResources(resources: readonly string[]): Promise<void>;
}

interface Held {
  token: number;
  /** Monotonic ms until which the lease is surely still ours (its last renewal was sent before). */
  validUntil: number;
}

const memberPrefix = 'collector:';

/**
 * Shares resources (PLC connections) out among the collectors running, one holder each, by
 * leases in the store (store.ts `LeaseRepository`: one clock, the store's, for every host).
 *
 * Each collector holds a membership lease and, every `tickMs`, renews its leases, counts the
 * members and takes free resources up to its fair share (⌈resources / members⌉), or gives up
 * what is past it — so a collector that comes back gets a share again, and since nobody
 * takes more than the share, nothing flaps. A collector that cannot renew (store
 * unreachable, process stalled) stops working on a resource `marginMs` before its lease could
 * expire in the store, so the next holder never starts before the last one stopped.
 */
export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { leases, holder } = options;
  let resources = [...options.resources];
  const log = options.log.child({ part: 'leases', holder });
  const ttlMs = options.ttlMs ?? 6000;
  const tickMs = options.tickMs ?? ttlMs / 3;
  const marginMs = options.marginMs ?? ttlMs / 3;
  const now = options.now ?? (() => performance.now());
  const held = new Map<string, Held>();
  // Each collector tries free resources in its own order: collectors starting together mostly
  // ask for different ones.
  let preference = [...resources].sort((a, b) => rank(a).localeCompare(rank(b)));
  function rank(resource: string): string {
    return createHash('sha1').update(`${holder}\n${resource}`).digest('hex');
  }
  let tickTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  /** This collector's membership lease, once taken. */
  let member: Lease | undefined;

  function lose(resource: string, reason: Parameters<LeaseKeeperOptions['onLost']>[1]): Promise<void> {
    if (!held.delete(resource)) return Promise.resolve();
    log.info({ resource, reason }, 'lease given up');
    return Promise.resolve(options.onLost(resource, reason)).catch((error: unknown) =>
      log.error({ err: error, resource }, 'stopping work on a lost lease failed'),
    );
  }

  function gain(resource: string, token: number, sentAt: number): void {
    held.set(resource, { token, validUntil: sentAt + ttlMs - marginMs });
    log.info({ resource, token }, 'lease taken');
    options.onGained(resource, token);
  }

  /** Gives up what is past its deadline, then waits for the next deadline (a timer may fire early: it re-arms). */
  function enforceDeadlines(): void {
    clearTimeout(deadlineTimer);
    const at = now();
    let next = Number.POSITIVE_INFINITY;
    for (const [resource, h] of held) {
      if (at >= h.validUntil) void lose(resource, 'unconfirmed');
      else next = Math.min(next, h.validUntil);
    }
    if (next !== Number.POSITIVE_INFINITY && !stopped) deadlineTimer = setTimeout(enforceDeadlines, Math.max(1, next - at));
  }

  async function renewAll(sentAt: number): Promise<void> {
    member = (await leases.acquire(memberPrefix + holder, holder, ttlMs)) ?? member;
    for (const [resource, h] of [...held]) {
      const renewed = await leases.renew(resource, holder, h.token, ttlMs);
      if (!held.has(resource)) continue;
      if (renewed) h.validUntil = sentAt + ttlMs - marginMs;
      else void lose(resource, 'taken');
    }
  }

  async function balance(): Promise<void> {
    const current = await leases.current();
    const members = Math.max(1, current.filter((l) => l.resource.startsWith(memberPrefix)).length);
    const share = Math.ceil(resources.length / members);
    if (held.size > share) {
      for (const resource of [...held.keys()].slice(share)) {
        const { token } = held.get(resource)!;
        // Stop first, then let go: whoever takes it next starts after this stopped.
        await lose(resource, 'rebalanced');
        await leases.release(resource, holder, token);
      }
      return;
    }
    const taken = new Set(current.map((l) => l.resource));
    for (const resource of preference) {
      if (held.size >= share) break;
      if (taken.has(resource) || held.has(resource)) continue;
      const sentAt = now();
      const lease = await leases.acquire(resource, holder, ttlMs);
      if (lease && !stopped) gain(resource, lease.token, sentAt);
    }
  }

  async function round(): Promise<void> {
    try {
      await renewAll(now());
      enforceDeadlines();
      if (!stopped) await balance();
    } catch (error) {
      // The store is unreachable: the deadlines stop what could not be confirmed in time.
      log.warn({ err: error }, 'lease round failed; trying again next round');
    }
    enforceDeadlines();
  }

  function tick(): Promise<void> {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    start() {
      const loop = () => {
        if (stopped) return;
        void tick().then(() => {
          if (!stopped) tickTimer = setTimeout(loop, tickMs);
        });
      };
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(tickTimer);
      clearTimeout(deadlineTimer);
      await running;
      const given = [...held].map(([resource, { token }]) => [resource, token] as const);
      await Promise.all(given.map(([resource]) => lose(resource, 'stopping')));
      try {
        for (const [resource, token] of given) await leases.release(resource, holder, token);
        if (member) await leases.release(member.resource, holder, member.token);
      } catch (error) {
        log.warn({ err: error }, 'could not release leases at stop; they expire by themselves');
      }
    },
    tick,
    held: () => new Map([...held].map(([resource, h]) => [resource, h.token])),
    async setResources(next) {
      resources = [...next];
      preference = [...resources].sort((a, b) => rank(a).localeCompare(rank(b)));
      const gone = [...held].filter(([resource]) => !resources.includes(resource));
      for (const [resource, { token }] of gone) {
        await lose(resource, 'removed');
        await leases.release(resource, holder, token).catch(() => false);
      }
    },
  };
}
