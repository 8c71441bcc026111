import { createFailureCounter } from './failure-counter.ts';

/**
 * Which login attempts may check a password. Throttling per account alone lets anyone lock an
 * account out: one failure from any address whenever the delay runs out keeps even the right
 * password waiting. So the limits are:
 * - per account × address (`maxFailures`, then doubling delays): a guesser is held on its own;
 * - per address across accounts (`ipMaxFailures`, twice as many): one address cannot try
 *   many accounts;
 * - per account across addresses (`accountMaxFailures`): once an account is under attack, an
 *   address that has already failed against it waits the account's delay, and an address that
 *   has not is let through after a short wait (`hotAccountWaitMs`) — slowed, never blocked, so
 *   the owner signs in from their own device while a distributed guesser gets one try per
 *   address per delay.
 * Pure: every call takes the time; the caller waits and checks the password.
 */
export interface LoginThrottleOptions {
  /** Failures per account × address before delays start. Default 10. */
  maxFailures?: number;
  /** Failures per address, any account. Default 2 × `maxFailures`. */
  ipMaxFailures?: number;
  /** Failures per account, any address, before it counts as under attack. Default `maxFailures`. */
  accountMaxFailures?: number;
  /** Default 15 min. */
  windowMs?: number;
  /** First delay once over a limit, doubling after; default 1 s. */
  baseDelayMs?: number;
  /** Default 15 min. */
  maxDelayMs?: number;
  /** How long an attempt on an account under attack waits before its password is checked; default 1 s. */
  hotAccountWaitMs?: number;
}

/** Which limit refused an attempt. */
export type ThrottleLimit = 'ip' | 'account-ip' | 'account';

/** One admitted attempt, counted as a failure in advance. */
export interface LoginTicket {
  account: string;
  ip: string;
  at: number;
}

export type LoginVerdict = { ok: true; ticket: LoginTicket; waitMs: number } | { ok: false; limit: ThrottleLimit; retryAfterMs: number };

export interface LoginThrottle {
  /**
   * Decides on an attempt. An admitted one is counted as a failure at once, in the same turn as
   * the check: parallel attempts each see those before them, so N at once cannot all pass
   * under a limit. `waitMs`: wait that long before checking the password.
   */
  attempt(account: string, ip: string, now: number): LoginVerdict;
  /**
   * The attempt had the right password: what its address did against the account (this
   * attempt and earlier typos) is forgotten everywhere; failures from elsewhere stay.
   */
  succeeded(ticket: LoginTicket): void;
  /**
   * The attempt was refused: its failure counts from now, when the refusal is answered, not
   * from when it was admitted — a password check that took long (a loaded server) must not
   * eat the delay the next attempt has to wait.
   */
  failed(ticket: LoginTicket, now: number): void;
}

export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const maxFailures = options.maxFailures ?? 10;
  const timing = { windowMs: options.windowMs, baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs };
  const pairs = createFailureCounter({ ...timing, maxFailures });
  const ips = createFailureCounter({ ...timing, maxFailures: options.ipMaxFailures ?? 2 * maxFailures });
  const accountMax = options.accountMaxFailures ?? maxFailures;
  const accounts = createFailureCounter({ ...timing, maxFailures: accountMax });
  const hotWaitMs = options.hotAccountWaitMs ?? 1000;

  const pairKey = (account: string, ip: string) => `${account}\u0000${ip}`;

  return {
    attempt(rawAccount, ip, now) {
      const account = rawAccount.toLowerCase();
      const pair = pairKey(account, ip);
      const ipWait = ips.retryAfterMs(ip, now);
      if (ipWait > 0) return { ok: false, limit: 'ip', retryAfterMs: ipWait };
      const pairWait = pairs.retryAfterMs(pair, now);
      if (pairWait > 0) return { ok: false, limit: 'account-ip', retryAfterMs: pairWait };
      const hot = accounts.count(account, now) >= accountMax;
      if (hot && pairs.count(pair, now) > 0) {
        const accountWait = accounts.retryAfterMs(account, now);
        if (accountWait > 0) return { ok: false, limit: 'account', retryAfterMs: accountWait };
      }
      pairs.fail(pair, now);
      ips.fail(ip, now);
      accounts.fail(account, now);
      return { ok: true, ticket: { account, ip, at: now }, waitMs: hot ? hotWaitMs : 0 };
    },
    failed({ account, ip, at }, now) {
      for (const [counter, key] of [
        [pairs, pairKey(account, ip)],
        [ips, ip],
        [accounts, account],
      ] as const) {
        counter.release(key, at);
        counter.fail(key, now);
      }
    },
    succeeded({ account, ip, at }) {
      const pair = pairKey(account, ip);
      // The address keeps its failures against other accounts; the account those from elsewhere.
      for (const t of pairs.times(pair, at)) {
        ips.release(ip, t);
        accounts.release(account, t);
      }
      pairs.clear(pair);
    },
  };
}
