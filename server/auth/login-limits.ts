import { ThrottledError } from '../../lib/errors.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditEntry } from '../storage/store.ts';
import { createLoginThrottle, type LoginThrottleOptions, type LoginTicket } from './login-throttle.ts';
import { createRefusalTally, type RefusalSummary, type RefusalTallyOptions } from './refusal-tally.ts';

export interface LoginLimitsDeps {
  /** Appends an audit row. */
  audit(entry: AuditEntry): void;
  log?: Logger;
}

const limitNames = { ip: 'per-address limit', 'account-ip': 'per-account-and-address limit', account: 'per-account limit' } as const;

/** The audit row of a summary: who was tried from where, how often, between when. */
export function summaryRow(s: RefusalSummary): AuditEntry {
  const accounts = s.accounts > 1 ? ` for ${s.accounts} accounts` : '';
  return {
    ts: s.last,
    username: s.username,
    ip: s.ip,
    action: 'login',
    target: null,
    result: 'throttled',
    detail: `${s.count} attempts refused${accounts} (${limitNames[s.limit]}) from ${new Date(s.first).toISOString()} to ${new Date(s.last).toISOString()}`,
  };
}

/**
 * The login throttle (login-throttle.ts) with its record: a refused attempt throws a
 * `ThrottledError`, is logged once per summary period and counted into one audit row per
 * account × address and period (refusal-tally.ts), written by `flush`.
 */
export function createLoginLimits(deps: LoginLimitsDeps, options: { throttle?: LoginThrottleOptions; summaries?: RefusalTallyOptions } = {}) {
  const throttle = createLoginThrottle(options.throttle);
  const tally = createRefusalTally(options.summaries);

  /** Writes the summaries whose period has ended (every one with `all`). */
  function flush(now: number, all = false): void {
    for (const s of tally.take(now, all)) deps.audit(summaryRow(s));
  }

  return {
    /** Admits an attempt (counted as a failure until `succeeded`) or throws a `ThrottledError`. */
    admit(username: string, ip: string, now: number): { ticket: LoginTicket; waitMs: number } {
      const verdict = throttle.attempt(username, ip, now);
      if (verdict.ok) return verdict;
      if (tally.note(username, ip, verdict.limit, now)) {
        deps.log?.warn({ username, ip, limit: verdict.limit, retryAfterMs: verdict.retryAfterMs }, 'login throttled');
      }
      if (tally.full()) flush(now, true);
      throw new ThrottledError(verdict.retryAfterMs);
    },
    succeeded: (ticket: LoginTicket) => throttle.succeeded(ticket),
    failed: (ticket: LoginTicket, now: number) => throttle.failed(ticket, now),
    flush,
  };
}

export type LoginLimits = ReturnType<typeof createLoginLimits>;
