/**
 * Time helpers of the poll loop: interruptible sleep, a bounded wait on a promise that may
 * never settle, reconnect backoff and scan-slot arithmetic. The pure ones are table-tested.
 */

import type { Plant } from '../../lib/plant/schema.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits `ms` (`Infinity`: until interrupted), or less when one of `signals` aborts. Resolves
 * `true` when the full time elapsed, `false` when interrupted; never rejects. Listeners are
 * removed either way, so long-lived signals don't accumulate them.
 */
export function sleep(ms: number, ...signals: AbortSignal[]): Promise<boolean> {
  if (signals.some((s) => s.aborted)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (full: boolean) => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      resolve(full);
    };
    const onAbort = () => done(false);
    // setTimeout turns anything over 2^31-1 ms (Infinity included) into 1 ms.
    const timer = Number.isFinite(ms) ? setTimeout(() => done(true), Math.min(Math.max(0, ms), MAX_TIMER_MS)) : undefined;
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}

export type Bounded<T> = { ok: true; value: T } | { ok: false; error: unknown } | { ok: false; timedOut: true } | { ok: false; interrupted: AbortSignal };

/**
 * Waits for `promise` at most `timeoutMs`, or until one of `signals` aborts. modbus-serial's
 * requests can stay pending forever (a silent peer, `destroy()` with a request in flight),
 * so nothing in the poller awaits one of them directly. A late rejection of `promise` is
 * swallowed here: by then nobody is listening.
 */
export function bounded<T>(promise: Promise<T>, timeoutMs: number, ...signals: AbortSignal[]): Promise<Bounded<T>> {
  promise.catch(() => {});
  const aborted = signals.find((s) => s.aborted);
  if (aborted) return Promise.resolve({ ok: false, interrupted: aborted });
  return new Promise((resolve) => {
    const listeners = new Map<AbortSignal, () => void>();
    const done = (result: Bounded<T>) => {
      clearTimeout(timer);
      for (const [s, l] of listeners) s.removeEventListener('abort', l);
      listeners.clear();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, timedOut: true }), timeoutMs);
    for (const s of signals) {
      const l = () => done({ ok: false, interrupted: s });
      listeners.set(s, l);
      s.addEventListener('abort', l, { once: true });
    }
    promise.then(
      (value) => done({ ok: true, value }),
      (error: unknown) => done({ ok: false, error }),
    );
  });
}

/**
 * Reconnect delay before attempt `attempt` (0-based): doubling from `minMs`, capped at
 * `maxMs`, with "equal jitter" (half fixed, half random) so many connections that failed
 * together (a switch reboot) don't reconnect in lockstep.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: number = Math.random()): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (ceiling / 2) * random;
}

/**
 * The next scan slot after a read that was due at `due`: one period later, or, when the read
 * overran past that, the first slot of the same grid after `now` (missed slots are skipped,
 * never queued). Returns the new deadline and how many slots were skipped.
 */
export function nextSlot(due: number, periodMs: number, now: number): { due: number; skipped: number } {
  const next = due + periodMs;
  if (next > now) return { due: next, skipped: 0 };
  const skipped = Math.floor((now - next) / periodMs) + 1;
  return { due: next + skipped * periodMs, skipped };
}

/**
 * Each connection's scan phase: its place among all the plant's connections, so their reads
 * spread evenly through the period. Taken from the whole plant even where one process polls
 * only some lines (a collector's line units): collectors that each started their lines at the
 * same moment would otherwise read every PLC at phase 0, and the replies would reach the web
 * instances in one burst per period, the last of them waiting behind the fan-out of the rest.
 */
export function scanPhases(plant: Plant): ReadonlyMap<string, number> {
  const ids = plant.lines.flatMap((line) => line.connections.map((c) => c.id));
  return new Map(ids.map((id, i) => [id, i / ids.length]));
}

/**
 * The first scan slot at or after `now` (a `performance.now()` reading) on the wall-clock grid
 * of `periodMs`, shifted by `phase` (0 ≤ phase < 1) of a period. Connections get evenly spread
 * phases (scanPhases): their replies then reach the main thread one after another
 * through the period instead of all at once, so the fan-out to stream clients never queues
 * behind another connection's, and the load on the PLC network and the server stays flat.
 */
export function scanSlot(now: number, periodMs: number, phase: number, timeOrigin: number = performance.timeOrigin): number {
  const wall = timeOrigin + now;
  const offset = phase * periodMs;
  return now + (Math.ceil((wall - offset) / periodMs) * periodMs + offset - wall);
}
