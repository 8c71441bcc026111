import { LimitError } from '../../lib/errors.ts';

/**
 * "Send test" makes the server open a connection on a user's word, so it is rationed: one at
 * a time per user, and at most `perWindow` in `windowMs`. A refusal is a LimitError (429).
 */

export interface TestSendLimits {
  /** Test sends per user per window. Default 5. */
  perWindow: number;
  /** Default 60 000 ms. */
  windowMs: number;
}

export const defaultTestSendLimits: TestSendLimits = { perWindow: 5, windowMs: 60_000 };

/** Admits one send at `now` given the user's earlier ones (times, oldest first): the times to keep, or how long to wait. */
export function admitTestSend(times: readonly number[], now: number, o: TestSendLimits): { ok: true; times: number[] } | { ok: false; retryAfterMs: number } {
  const recent = times.filter((t) => now - t < o.windowMs);
  if (recent.length >= o.perWindow) return { ok: false, retryAfterMs: recent[recent.length - o.perWindow]! + o.windowMs - now };
  return { ok: true, times: [...recent, now] };
}

export interface TestSendGate {
  /** Runs `send` for `userId` when the limits allow it, else throws LimitError. */
  run<T>(userId: number, send: () => Promise<T>): Promise<T>;
}

export function createTestSendGate(o: TestSendLimits, now: () => number = Date.now): TestSendGate {
  const users = new Map<number, { busy: boolean; times: number[] }>();
  return {
    async run(userId, send) {
      const user = users.get(userId) ?? { busy: false, times: [] };
      if (user.busy) throw new LimitError('a test notification of yours is still on its way: wait for its answer');
      const admitted = admitTestSend(user.times, now(), o);
      if (!admitted.ok) {
        const s = Math.ceil(admitted.retryAfterMs / 1000);
        throw new LimitError(`at most ${o.perWindow} test notifications per ${o.windowMs / 1000} s: try again in ${s} s`);
      }
      users.set(userId, { busy: true, times: admitted.times });
      try {
        return await send();
      } finally {
        // One entry per user who ever tested: bounded by the users there are.
        users.get(userId)!.busy = false;
      }
    },
  };
}
