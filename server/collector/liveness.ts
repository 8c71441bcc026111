import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.ts';

/**
 * Where holders show they are alive apart from the lease store (scale-out: Redis,
 * redis-liveness.ts): one key per holder that expires `ttlMs` after its last refresh, by the
 * liveness store's clock. Its value names the key's epoch: a key that lapsed is only ever
 * set again with a new value, so a refresh that finds its own value proves the key never
 * lapsed since that value was set. Each call settles within about a second (it rejects when
 * the store cannot be reached or does not answer).
 *
 * Takers rely on a key living until its expiry: one lost earlier (the store restarted or was
 * flushed) could belong to a holder still working, so for a lease time after such a loss a
 * missing key counts as one that lists everything (`mayWorkOn`).
 */
export interface LivenessStore {
  /**
   * One atomic step: when `holder`'s key holds the epoch `expected`, keeps it `ttlMs` more and
   * answers true; otherwise (absent, lapsed, another epoch; `expected` undefined) sets it to
   * the epoch `next` for `ttlMs` and answers false. Either way the key lists `working`, the
   * resources the holder works on now.
   */
  refresh(holder: string, expected: string | undefined, next: string, ttlMs: number, working: readonly string[]): Promise<boolean>;
  /**
   * Whether `holder` may be working on `resource`: its key lists it; or its key is gone but
   * the store lost keys before their expiry within the last `ttlMs` (a restart, a flush, a
   * fail-over), so the absence proves nothing yet. False: its key lists other work only, or it
   * is gone (expired or deleted).
   */
  mayWorkOn(holder: string, resource: string, ttlMs: number): Promise<boolean>;
  /** Deletes `holder`'s key while it holds `value`. */
  remove(holder: string, value: string): Promise<void>;
}

/** One holder's side of the liveness store: its key, refreshed, and what the refreshes vouch for. */
export interface Heartbeat {
  /** Refreshes this holder's key once. Never rejects: a refresh that fails confirms nothing. */
  beat(): Promise<void>;
  /**
   * Send time (monotonic ms) of the last confirmed refresh that vouches for a lease whose last
   * confirmation by the lease store was sent at `confirmedAt`; undefined when none does.
   *
   * A refresh vouches for it only when the key's current epoch began before that
   * confirmation was sent. Why: a taker takes a lapsed lease only after seeing the lease
   * lapsed in the store and then the holder's key absent. Every store confirmation of the
   * lease came before that sight (a lapsed lease is renewed by nobody; taking it again
   * changes its token, which the taker's conditional acquire checks), so an epoch begun before
   * one of them began before the taker looked, and had ended when it looked: each of its
   * refreshes' deadlines (send time + ttl − margin) came before the key's expiry, so before
   * the taker starts. A lease held across a lapse of the key lives on its store renewals
   * only, until the store confirms it again in the new epoch.
   */
  vouchedAt(confirmedAt: number): number | undefined;
  /**
   * Whether `holder` may still work on `resource`, whose lease it let lapse (so it may not be
   * taken): its key lists it, or cannot be known to be gone. Also true while that cannot be
   * asked. False when its key lists other work only: a holder starts working on a resource
   * only with a new token, so the taker's conditional acquire would fail.
   */
  mayWorkOn(holder: string, resource: string): Promise<boolean>;
  /** Deletes this holder's key: its lapsed leases may be taken at once. */
  end(): Promise<void>;
}

export interface HeartbeatOptions {
  store: LivenessStore;
  holder: string;
  /** The key's expiry after each refresh, ms: the lease time. */
  ttlMs: number;
  log: Logger;
  /** Monotonic clock, ms: the lease keeper's. */
  now: () => number;
  /** What this holder works on now (held, or still stopping). */
  working: () => readonly string[];
}

export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { store, holder, ttlMs, log, now, working } = options;
  /** The key's value; when we last knew it set anew (after the answer); the send time of its last confirmed refresh. */
  let epoch: { id: string; startedAt: number; refreshedAt: number } | undefined;
  let reachable = true;

  function reached(ok: boolean, error?: unknown): void {
    if (ok === reachable) return;
    reachable = ok;
    if (ok) log.info('liveness store reachable again');
    else log.warn({ err: error }, 'liveness store unreachable: leases live by the lease store alone, lapsed ones of others are not taken');
  }

  return {
    async beat() {
      const sentAt = now();
      const next = randomUUID();
      try {
        const kept = await store.refresh(holder, epoch?.id, next, ttlMs, working());
        reached(true);
        if (kept && epoch) epoch.refreshedAt = Math.max(epoch.refreshedAt, sentAt);
        else {
          if (epoch) log.warn('liveness key had lapsed: leases go on by the lease store alone until it confirms them again');
          epoch = { id: next, startedAt: now(), refreshedAt: sentAt };
        }
      } catch (error) {
        // Its outcome is unknown: the next refresh finds out from the key's value.
        reached(false, error);
      }
    },
    vouchedAt: (confirmedAt) => (epoch && confirmedAt >= epoch.startedAt ? epoch.refreshedAt : undefined),
    async mayWorkOn(other, resource) {
      try {
        const may = await store.mayWorkOn(other, resource, ttlMs);
        reached(true);
        return may;
      } catch (error) {
        reached(false, error);
        return true;
      }
    },
    async end() {
      if (!epoch) return;
      try {
        await store.remove(holder, epoch.id);
        epoch = undefined;
      } catch (error) {
        log.warn({ err: error }, 'could not delete the liveness key; it expires by itself');
      }
    },
  };
}
