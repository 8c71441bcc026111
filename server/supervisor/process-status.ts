import type { ProcessStatus } from '../../lib/types.ts';
import { LinewatchError } from '../../lib/errors.ts';

/**
 * Allowed status changes of a supervised process. `stopped` is final; `crashed` only leads
 * back to `starting` through the restart policy (starting an id again replaces the record).
 * `stopping → crashed` is a child killed for not becoming ready in time.
 */
export const allowedTransitions: Readonly<Record<ProcessStatus, readonly ProcessStatus[]>> = {
  starting: ['running', 'stopping', 'stopped', 'crashed'],
  running: ['stopping', 'stopped', 'crashed'],
  stopping: ['stopped', 'crashed'],
  stopped: [],
  crashed: ['starting'],
};

/** Every status, in lifecycle order. */
export const processStatuses = Object.keys(allowedTransitions) as ProcessStatus[];

/** A status change the table above forbids: a bug in the supervisor, never a user error. */
export class IllegalTransitionError extends LinewatchError {
  override readonly code = 'LW_ILLEGAL_TRANSITION';
  readonly from: ProcessStatus;
  readonly to: ProcessStatus;
  constructor(from: ProcessStatus, to: ProcessStatus) {
    super(`illegal process status change ${from} → ${to}`);
    this.from = from;
    this.to = to;
  }
}

export function canTransition(from: ProcessStatus, to: ProcessStatus): boolean {
  return allowedTransitions[from].includes(to);
}

/** Returns `to` when `from → to` is allowed; throws IllegalTransitionError otherwise. */
export function assertTransition(from: ProcessStatus, to: ProcessStatus): ProcessStatus {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
  return to;
}

/** A child exists (or is about to) for these statuses; starting the same id again conflicts. */
export function isLive(status: ProcessStatus): boolean {
  return status === 'starting' || status === 'running' || status === 'stopping';
}

/**
 * What an exit means. Any exit after we asked the child to stop is `stopped`, unless the
 * stop was itself a failure (`forcedCrash`, e.g. no ready message in time); on its own, only
 * exit code 0 is `stopped`.
 */
export function classifyExit(statusAtExit: ProcessStatus, code: number | null, signal: string | null, forcedCrash = false): 'stopped' | 'crashed' {
  if (forcedCrash) return 'crashed';
  if (statusAtExit === 'stopping') return 'stopped';
  return code === 0 && signal === null ? 'stopped' : 'crashed';
}
