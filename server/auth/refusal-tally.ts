import type { ThrottleLimit } from './login-throttle.ts';

/**
 * Counts the login attempts the throttle refused, so the audit log gets one summary row per
 * account × address (per address, for the per-address limit) and period instead of one row
 * per refusal: a flood of refused attempts costs an attacker nothing and must not fill the
 * database. Pure: every call takes the time.
 */
export interface RefusalTallyOptions {
  /** Length of a summary period, from its first refusal; default 5 min. */
  periodMs?: number;
  /** Tallies kept at most before `full()` asks for a flush; default 10 000. */
  maxKeys?: number;
}

export interface RefusalSummary {
  /** The account tried, or null when refusals by the per-address limit named several. */
  username: string | null;
  ip: string;
  limit: ThrottleLimit;
  count: number;
  /** Distinct accounts tried (at most 1000 are told apart). */
  accounts: number;
  first: number;
  last: number;
}

export interface RefusalTally {
  /** Counts one refusal; true when it opens a period (the moment to log it). */
  note(username: string, ip: string, limit: ThrottleLimit, now: number): boolean;
  /** Removes and returns the tallies whose period has ended (every tally with `all`). */
  take(now: number, all?: boolean): RefusalSummary[];
  full(): boolean;
}

const maxAccountsTold = 1000;

export function createRefusalTally(options: RefusalTallyOptions = {}): RefusalTally {
  const periodMs = options.periodMs ?? 5 * 60_000;
  const maxKeys = options.maxKeys ?? 10_000;
  const tallies = new Map<string, { summary: RefusalSummary; names: Set<string> }>();

  return {
    note(username, ip, limit, now) {
      // Refusals by the address's own limit are one tally for the address, however many
      // accounts it tries: rotating usernames must not multiply the rows.
      const key = limit === 'ip' ? `ip\u0000${ip}` : `account\u0000${username.toLowerCase()}\u0000${ip}`;
      const tally = tallies.get(key);
      if (!tally) {
        tallies.set(key, { summary: { username, ip, limit, count: 1, accounts: 1, first: now, last: now }, names: new Set([username.toLowerCase()]) });
        return true;
      }
      const { summary, names } = tally;
      summary.count++;
      summary.last = Math.max(summary.last, now);
      if (names.size < maxAccountsTold) names.add(username.toLowerCase());
      summary.accounts = names.size;
      if (names.size > 1) summary.username = null;
      return false;
    },
    take(now, all = false) {
      const out: RefusalSummary[] = [];
      for (const [key, { summary }] of tallies) {
        if (!all && now - summary.first < periodMs) continue;
        tallies.delete(key);
        out.push(summary);
      }
      return out;
    },
    full: () => tallies.size >= maxKeys,
  };
}
