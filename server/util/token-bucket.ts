/**
 * A rate limit as a token bucket: `burst` takes at once, then one more every `refillMs`.
 * `take(now)` uses a token and answers true, or answers false when none is left.
 */
export function createTokenBucket(burst: number, refillMs: number, now: number): { take(now: number): boolean } {
  let tokens = burst;
  let at = now;
  return {
    take(t) {
      tokens = Math.min(burst, tokens + (t - at) / refillMs);
      at = t;
      if (tokens < 1) return false;
      tokens--;
      return true;
    },
  };
}
