/** When and how often a crashed process is started again. */
export interface RestartPolicy {
  /** Restarts allowed over the life of the process record (not reset by a good run). */
  maxRestarts: number;
  /** Delay before the first restart, ms. Default 250. */
  initialDelayMs?: number;
  /** Upper bound of the doubled delay before jitter, ms. Default 10 000. */
  maxDelayMs?: number;
}

/** Jitter as a fraction of the delay, both ways, so crashed siblings don't restart in lockstep. */
export const RESTART_JITTER = 0.2;

/**
 * Delay before restart number `attempt + 1` (`attempt` = restarts done so far):
 * `initialDelayMs × 2^attempt`, capped at `maxDelayMs`, then ±20 % jitter.
 */
export function restartDelay(attempt: number, policy: RestartPolicy, random: () => number = Math.random): number {
  const initial = policy.initialDelayMs ?? 250;
  const max = policy.maxDelayMs ?? 10_000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 + (random() * 2 - 1) * RESTART_JITTER));
}
