/**
 * Login throttling per key (an account, an IP): up to `maxFailures` failures in `windowMs`
 * pass freely; beyond that each further attempt must wait a delay that doubles with every
 * extra failure (capped). Memory is bounded by forgetting keys whose window has passed.
 */
export interface LoginThrottleOptions {
  /** Default 10. */
  maxFailures?: number;
  /** Default 15 min. */
  windowMs?: number;
  /** First delay once over the limit, doubling after; default 1 s. */
  baseDelayMs?: number;
  /** Default 15 min. */
  maxDelayMs?: number;
}

export interface LoginThrottle {
  /** 0 when an attempt may proceed now, else the ms to wait. */
  retryAfterMs(key: string, now?: number): number;
  fail(key: string, now?: number): void;
  /** Takes back one failure recorded at `at` (an attempt counted in advance that succeeded). */
  release(key: string, at: number): void;
  succeed(key: string): void;
}

export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
  const failures = new Map<string, number[]>();

  const recent = (key: string, now: number): number[] => {
    const list = (failures.get(key) ?? []).filter((t) => now - t < windowMs);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };

  return {
    retryAfterMs(key, now = Date.now()) {
      const list = recent(key, now);
      if (list.length < maxFailures) return 0;
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (list.length - maxFailures));
      return Math.max(0, list.at(-1)! + delay - now);
    },
    fail(key, now = Date.now()) {
      const list = recent(key, now);
      list.push(now);
      failures.set(key, list);
      if (failures.size > 100_000) for (const k of failures.keys()) recent(k, now);
    },
    release(key, at) {
      const list = failures.get(key);
      const i = list?.lastIndexOf(at) ?? -1;
      if (i >= 0) list!.splice(i, 1);
      if (list?.length === 0) failures.delete(key);
    },
    succeed(key) {
      failures.delete(key);
    },
  };
}
