import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { Lease, LeaseRepository } from '../storage/store.ts';
import { createHeldLeases, type Held, type LossReason } from './held-leases.ts';
import { createHeartbeat, type LivenessStore } from './liveness.ts';

export interface LeaseKeeperOptions {
  leases: LeaseRepository;
  /** This collector's id, unique among the running ones. */
  holder: string;
  /** What collectors share out (e.g. `conn:<connection id>`), the same list on every collector. */
  resources: readonly string[];
  /**
   * Liveness apart from the store (scale-out: Redis, redis-liveness.ts), so that an outage of
   * the store does not stop the work. With it, a held lease is worked on while either its
   * renewal in the store or this holder's liveness refresh was confirmed recently; a lapsed
   * lease of another holder is taken only once that holder's liveness key is gone or no
   * longer lists the resource (never while the liveness store cannot be asked); and a lease
   * that lapsed while it was kept by liveness is taken again (a new token) without stopping
   * the work. Without it, the store alone decides, as before.
   */
  liveness?: LivenessStore;
  /** Lease duration, ms (also the liveness key's). Default 6000: a dead collector's resources move within ~8 s. */
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
  onLost(resource: string, reason: LossReason): void | Promise<void>;
  log: Logger;
  /** Monotonic clock, ms (tests). */
  now?: () => number;
}

export interface LeaseKeeper {
  start(): void;
  /** Gives every lease up (after `onLost`), membership too, so others take them at once. */
  stop(): Promise<void>;
  /** One round: refresh liveness, renew, drop what could not be confirmed, take or give up to the fair share. */
  tick(): Promise<void>;
  /** The resources held now, with their tokens. */
  held(): ReadonlyMap<string, number>;
  /** What is shared out from now on (a plant version added or removed lines): held ones gone are given up and released. */
  setResources(resources: readonly string[]): Promise<void>;
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
 *
 * With `liveness`, each holder also refreshes a key of its own there every `tickMs`
 * (liveness.ts, which argues why no two holders then work at once): a store outage no longer
 * stops the work of holders whose key lives — their lapsed leases are not taken — and they
 * renew or take their leases again once the store is back.
 */
export function createLeaseKeeper(options: LeaseKeeperOptions): LeaseKeeper {
  const { leases, holder } = options;
  let resources = [...options.resources];
  const log = options.log.child({ part: 'leases', holder });
  const ttlMs = options.ttlMs ?? 6000;
  const tickMs = options.tickMs ?? ttlMs / 3;
  const marginMs = options.marginMs ?? ttlMs / 3;
  const now = options.now ?? (() => performance.now());
  // Each collector tries free resources in its own order: collectors starting together mostly
  // ask for different ones.
  let preference = [...resources].sort((a, b) => rank(a).localeCompare(rank(b)));
  function rank(resource: string): string {
    return createHash('sha1').update(`${holder}\n${resource}`).digest('hex');
  }
  const held = createHeldLeases({
    ttlMs,
    marginMs,
    vouchedAt: (since) => heartbeat?.vouchedAt(since),
    onGained: options.onGained,
    onLost: options.onLost,
    log,
    now,
  });
  const heartbeat = options.liveness && createHeartbeat({ store: options.liveness, holder, ttlMs, log, now, working: held.working });
  let tickTimer: NodeJS.Timeout | undefined;
  let beatTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let beating: Promise<void> | undefined;
  let stopped = false;
  let failedRounds = 0;
  /** This collector's membership lease, once taken. */
  let member: Lease | undefined;

  async function renewAll(): Promise<void> {
    member = (await leases.acquire(memberPrefix + holder, holder, ttlMs)) ?? member;
    for (const [resource, h] of held.entries()) {
      const sentAt = now();
      const renewed = await leases.renew(resource, holder, h.token, ttlMs);
      if (held.get(resource) !== h) continue;
      if (renewed) h.confirmedAt = sentAt;
      else await resume(resource, h);
    }
  }

  /**
   * A held lease the store would not renew: it lapsed while liveness kept it (the store was
   * away) and is taken again with a new token, the work going on; or another holder has it
   * (which the take-over rule should make impossible), and the work stops at once.
   */
  async function resume(resource: string, h: Held): Promise<void> {
    if (now() >= held.validUntil(h)) return void held.lose(resource, 'unconfirmed');
    const sentAt = now();
    // Only the lease it held: a take-over in between changed the token.
    const again = await leases.acquire(resource, holder, ttlMs, h.token);
    if (held.get(resource) !== h) return;
    if (!again) return void held.lose(resource, 'taken');
    log.info({ resource, token: again.token, was: h.token }, 'lease lapsed while liveness kept it; taken again, the work goes on');
    h.token = again.token;
    h.confirmedAt = sentAt;
  }

  async function balance(): Promise<void> {
    const [current, ended] = await Promise.all([leases.current(), leases.ended()]);
    const members = Math.max(1, current.filter((l) => l.resource.startsWith(memberPrefix)).length);
    const share = Math.ceil(resources.length / members);
    if (held.size > share) {
      for (const [resource, { token }] of held.entries().slice(share)) {
        // Stop first, then let go: whoever takes it next starts after this stopped.
        await held.lose(resource, 'rebalanced');
        await leases.release(resource, holder, token);
      }
      return;
    }
    const taken = new Set(current.map((l) => l.resource));
    const last = new Map(ended.map((l) => [l.resource, l]));
    for (const resource of preference) {
      if (held.size >= share) break;
      if (taken.has(resource) || held.busy(resource)) continue;
      const before = last.get(resource);
      // Lapsed, not released: its holder may still work on it, kept alive by liveness. When the
      // liveness store cannot be asked, nobody can tell: such leases wait (only free ones move).
      if (heartbeat && before && before.expiresAt > 0 && before.holder !== holder && (await heartbeat.mayWorkOn(before.holder, resource))) continue;
      const sentAt = now();
      // Only as seen: had anyone taken it since (or its holder taken it again), it stays theirs.
      const lease = await leases.acquire(resource, holder, ttlMs, before?.token ?? 0);
      if (lease && !stopped) held.gain(resource, lease.token, sentAt);
      else if (lease) await leases.release(resource, holder, lease.token);
    }
    // Leases in this holder's name it does not work on (a release lost to an outage, an acquire
    // whose answer was lost): others would wait for its liveness to end, so let them go.
    for (const l of [...current, ...ended]) {
      if (l.holder !== holder || l.expiresAt === 0 || l.resource.startsWith(memberPrefix) || held.busy(l.resource)) continue;
      if (await leases.release(l.resource, holder, l.token)) log.info({ resource: l.resource, token: l.token }, 'released a lease not worked on');
    }
  }

  /** Refreshes the liveness key (apart from the lease rounds: a store that hangs does not hold it up). */
  function beat(): Promise<void> {
    beating ??= (heartbeat ? heartbeat.beat().then(held.enforceDeadlines) : Promise.resolve()).finally(() => {
      beating = undefined;
    });
    return beating;
  }

  async function round(): Promise<void> {
    try {
      await renewAll();
      held.enforceDeadlines();
      if (!stopped) await balance();
      if (failedRounds > 0) log.info({ failedRounds }, 'lease rounds succeed again');
      failedRounds = 0;
    } catch (error) {
      // The store is unreachable: the deadlines stop what could not be confirmed in time
      // (liveness vouching for the rest). Said once, not every round of a long outage.
      if (failedRounds++ === 0) log.warn({ err: error }, 'lease round failed; trying again every round');
      else log.debug({ err: error, failedRounds }, 'lease round failed');
    }
    held.enforceDeadlines();
  }

  function leaseRound(): Promise<void> {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    start() {
      const every = (step: () => Promise<void>, setTimer: (t: NodeJS.Timeout) => void) => {
        const loop = () => {
          if (stopped) return;
          void step().then(() => {
            if (!stopped) setTimer(setTimeout(loop, tickMs));
          });
        };
        return loop;
      };
      const beatLoop = every(beat, (t) => (beatTimer = t));
      // The first refresh before the first round: leases taken then are vouched for from the start.
      void beat().then(() => {
        every(leaseRound, (t) => (tickTimer = t))();
        if (!stopped) beatTimer = setTimeout(beatLoop, tickMs);
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(tickTimer);
      clearTimeout(beatTimer);
      held.stop();
      await Promise.all([running, beating]);
      const given = held.entries().map(([resource, { token }]) => [resource, token] as const);
      await Promise.all(given.map(([resource]) => held.lose(resource, 'stopping')));
      try {
        for (const [resource, token] of given) await leases.release(resource, holder, token);
        if (member) await leases.release(member.resource, holder, member.token);
      } catch (error) {
        log.warn({ err: error }, 'could not release leases at stop; they expire by themselves');
      }
      // After the leases: others may take what could not be released as soon as it lapses.
      await heartbeat?.end();
    },
    async tick() {
      await beat();
      await leaseRound();
    },
    held: () => new Map(held.entries().map(([resource, h]) => [resource, h.token])),
    async setResources(next) {
      resources = [...next];
      preference = [...resources].sort((a, b) => rank(a).localeCompare(rank(b)));
      const gone = held.entries().filter(([resource]) => !resources.includes(resource));
      for (const [resource, { token }] of gone) {
        await held.lose(resource, 'removed');
        await leases.release(resource, holder, token).catch(() => false);
      }
    },
  };
}
