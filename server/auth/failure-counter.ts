/**
 * Failures per key (an account, an address, an account × address pair) in a sliding window:
 * up to `maxFailures` pass freely; beyond that each further attempt must wait a delay that
 * doubles with every extra failure (capped). Pure: every call takes the time.
 */
export interface FailureCounterOptions {
  /** Default 10. */
  maxFailures?: number;
  /** Default 15 min. */
  windowMs?: number;
  /** First delay once over the limit, doubling after; default 1 s. */
  baseDelayMs?: number;
  /** Default 15 min. */
  maxDelayMs?: number;
  /**
   * Keys kept at most (default 100 000): past it, keys whose window has passed are dropped,
   * then the least recently failed, so memory stays bounded under a flood of new keys.
   */
  maxKeys?: number;
}

export interface FailureCounter {
  /** Failures of `key` within the window. */
  count(key: string, now: number): number;
  /** Their times, oldest first (a copy). */
  times(key: string, now: number): number[];
  /** 0 when an attempt may proceed now, else the ms to wait. */
  retryAfterMs(key: string, now: number): number;
  fail(key: string, now: number): void;
  /** Takes back one failure recorded at `at` (an attempt counted in advance that succeeded). */
  release(key: string, at: number): void;
  clear(key: string): void;
}

export function createFailureCounter(options: FailureCounterOptions = {}): FailureCounter {
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
  const maxKeys = options.maxKeys ?? 100_000;
  /** Failure times per key, oldest first; the map in order of each key's latest failure. */
  const failures = new Map<string, number[]>();

  function recent(key: string, now: number): number[] {
    const list = failures.get(key);
    if (!list) return [];
    const first = list.findIndex((t) => now - t < windowMs);
    if (first === -1) failures.delete(key);
    else if (first > 0) list.splice(0, first);
    return first === -1 ? [] : list;
  }

  /** Amortised: runs once the map is over `maxKeys`, and brings it to 90 % of it. */
  function trim(now: number): void {
    for (const key of failures.keys()) recent(key, now);
    const excess = failures.size - Math.floor(maxKeys * 0.9);
    if (excess <= 0) return;
    let n = 0;
    for (const key of failures.keys()) {
      if (n++ >= excess) break;
      failures.delete(key);
    }
  }

  return {
    count: (key, now) => recent(key, now).length,
    times: (key, now) => [...recent(key, now)],
    retryAfterMs(key, now) {
      const list = recent(key, now);
      if (list.length < maxFailures) return 0;
      const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (list.length - maxFailures));
      return Math.max(0, list.at(-1)! + delay - now);
    },
    fail(key, now) {
      const list = recent(key, now);
      list.push(now);
      // Re-inserted: the map stays ordered by latest failure, for `trim`.
      failures.delete(key);
      failures.set(key, list);
      if (failures.size > maxKeys) trim(now);
    },
    release(key, at) {
      const list = failures.get(key);
      const i = list?.lastIndexOf(at) ?? -1;
      if (i >= 0) list!.splice(i, 1);
      if (list?.length === 0) failures.delete(key);
    },
    clear(key) {
      failures.delete(key);
    },
  };
}
