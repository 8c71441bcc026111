/**
 * What to do after one attempt to hand a push to the push service, as pure functions: the
 * delivery queue only acts on the verdict, so the policy can be checked with a table.
 */

/** The push service's answer to one attempt: `status` null when no answer came (network error, timeout). */
export interface AttemptResult {
  delivered: boolean;
  status: number | null;
  /** From a Retry-After header, ms. */
  retryAfterMs?: number;
}

export type Verdict =
  | { kind: 'sent' }
  /** The subscription is no more (the browser unsubscribed, or it expired): delete it. */
  | { kind: 'gone' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed' };

export interface RetryOptions {
  /** Tries per push for 429, 5xx and network errors. */
  maxAttempts: number;
  /** Longest wait before a retry, Retry-After included, ms. */
  maxRetryDelayMs: number;
}

/**
 * The verdict after attempt number `attempt` (0 = the first). A retry waits what Retry-After
 * asks, else 1 s doubled per attempt with ±25 % jitter (`jitter` in [0, 1)) so devices that
 * failed together do not all come back in the same millisecond; never more than `maxRetryDelayMs`.
 */
export function afterAttempt(result: AttemptResult, attempt: number, o: RetryOptions, jitter: number = Math.random()): Verdict {
  if (result.delivered) return { kind: 'sent' };
  if (result.status === 404 || result.status === 410) return { kind: 'gone' };
  const retryable = result.status === null || result.status === 429 || result.status >= 500;
  if (!retryable || attempt + 1 >= o.maxAttempts) return { kind: 'failed' };
  const backoff = 1000 * 2 ** attempt * (0.75 + jitter * 0.5);
  return { kind: 'retry', delayMs: Math.min(o.maxRetryDelayMs, result.retryAfterMs ?? backoff) };
}

/** A Retry-After header (seconds or an HTTP date) as ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
