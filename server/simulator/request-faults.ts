import type { RequestFault } from './modbus-tcp-server.ts';

/** `flaky` scenario: this fraction of requests gets no reply at all... */
export const FLAKY_DROP_FRACTION = 0.2;
/** ...this fraction is answered late, after FLAKY_DELAY_MIN_MS … FLAKY_DELAY_MAX_MS... */
export const FLAKY_DELAY_FRACTION = 0.2;
export const FLAKY_DELAY_MIN_MS = 500;
export const FLAKY_DELAY_MAX_MS = 3000;
/** ...and the rest (60 %) is answered at once. */

/** Fault for one request of a `flaky` PLC, drawn from `random` (uniform in [0, 1)). */
export function flakyFault(random: () => number): RequestFault {
  const r = random();
  if (r < FLAKY_DROP_FRACTION) return { kind: 'drop' };
  if (r < FLAKY_DROP_FRACTION + FLAKY_DELAY_FRACTION) {
    return { kind: 'delay', ms: Math.round(FLAKY_DELAY_MIN_MS + (FLAKY_DELAY_MAX_MS - FLAKY_DELAY_MIN_MS) * random()) };
  }
  return { kind: 'answer' };
}
