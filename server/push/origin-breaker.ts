/**
 * A circuit breaker per push service origin, as a pure state machine. An origin that keeps
 * failing (no answer in time, a network error, 5xx) is paused: its pushes wait in its own
 * queue instead of holding connections open for a timeout each. When the pause is over, one
 * request probes it: success resumes it, failure pauses it again for twice as long.
 */

export interface BreakerOptions {
  /** Consecutive failures that pause an origin. Default 5. */
  failures: number;
  /** The first pause, ms; it doubles after each failed probe. Default 30 000. */
  pauseMs: number;
  /** Longest pause, ms. Default 300 000. */
  maxPauseMs: number;
}

export const defaultBreakerOptions: BreakerOptions = { failures: 5, pauseMs: 30_000, maxPauseMs: 300_000 };

export interface BreakerState {
  /** Consecutive failures so far. */
  failures: number;
  /** Paused until then (epoch ms); null while the origin is in service. */
  pausedUntil: number | null;
  /** Pauses in a row, without a success between them. */
  pauses: number;
}

export const closedBreaker: BreakerState = { failures: 0, pausedUntil: null, pauses: 0 };

/** Requests the origin may have in flight now: `concurrency` in service, none while paused, one (the probe) once the pause is over. */
export function breakerSlots(state: BreakerState, now: number, concurrency: number): number {
  if (state.pausedUntil === null) return concurrency;
  return state.pausedUntil > now ? 0 : 1;
}

/** The state after a request's result; `change` tells when the origin was just paused or resumed. */
export function afterResult(
  state: BreakerState,
  failed: boolean,
  now: number,
  o: BreakerOptions,
): { state: BreakerState; change?: { kind: 'paused'; ms: number } | { kind: 'resumed' } } {
  if (!failed) {
    if (state.pausedUntil === null) return { state: state.failures === 0 ? state : closedBreaker };
    return { state: closedBreaker, change: { kind: 'resumed' } };
  }
  // A request started before the pause that fails now tells nothing new.
  if (state.pausedUntil !== null && state.pausedUntil > now) return { state };
  const failures = state.failures + 1;
  if (state.pausedUntil === null && failures < o.failures) return { state: { ...state, failures } };
  const ms = Math.min(o.maxPauseMs, o.pauseMs * 2 ** state.pauses);
  return { state: { failures, pausedUntil: now + ms, pauses: state.pauses + 1 }, change: { kind: 'paused', ms } };
}

/** Whether a push service's answer counts against its origin: none (timeout, network error) or a 5xx. */
export const isOriginFailure = (status: number | null): boolean => status === null || status >= 500;
