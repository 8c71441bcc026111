import { createTokenBucket } from '../util/token-bucket.ts';

/** Whose a live stream is, for the caps below. */
export interface StreamOwner {
  /** Login session (SHA-256 of its token). */
  session: string;
  userId: number;
  ip: string;
}

export interface StreamCaps {
  /** Default 8: a tab keeps one stream for all its pages, so this is eight tabs. */
  perSession: number;
  /** Default 20: a few devices of one person, or a shared kiosk account. */
  perUser: number;
  /** Default 200: many people may share one address behind a plant's NAT. */
  perIp: number;
  /**
   * Default 120: streams one user may open a minute, past a burst of twice `perUser` (every
   * device reconnecting at once). Each open costs the live process a snapshot, on a thread
   * that may run at real-time priority: opening and closing in a loop must not be free.
   */
  opensPerMinute: number;
}

export const defaultStreamCaps: StreamCaps = { perSession: 8, perUser: 20, perIp: 200, opensPerMinute: 120 };

/**
 * Why a new stream of `owner` is refused given the streams open (or being opened) now, or
 * null when it may open. Each open stream holds a socket, a queue and a share of every
 * event's fan-out in the live process: one session must not be able to hold thousands.
 */
export function streamRefusal(open: Iterable<StreamOwner>, owner: StreamOwner, caps: StreamCaps): string | null {
  let session = 0;
  let user = 0;
  let ip = 0;
  for (const o of open) {
    if (o.session === owner.session) session++;
    if (o.userId === owner.userId) user++;
    if (o.ip === owner.ip) ip++;
  }
  if (session >= caps.perSession) return `at most ${caps.perSession} live streams per sign-in: close another tab of this app`;
  if (user >= caps.perUser) return `at most ${caps.perUser} live streams per user: close the app on another device`;
  if (ip >= caps.perIp) return `at most ${caps.perIp} live streams from one address`;
  return null;
}

/**
 * The open rate of each user's streams, as a token bucket per user: `take` answers why a new
 * stream is refused, or null and counts it.
 */
export function createOpenRate(caps: StreamCaps): { take(userId: number, now: number): string | null } {
  const buckets = new Map<number, ReturnType<typeof createTokenBucket>>();
  return {
    take(userId, now) {
      let bucket = buckets.get(userId);
      if (!bucket) buckets.set(userId, (bucket = createTokenBucket(2 * caps.perUser, 60_000 / caps.opensPerMinute, now)));
      return bucket.take(now) ? null : `at most ${caps.opensPerMinute} live streams opened a minute per user: try again in a few seconds`;
    },
  };
}
