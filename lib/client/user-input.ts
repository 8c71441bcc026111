/**
 * Whether the page is making a request by itself (a refresh interval, a clock moving a
 * trend's range, a reconnect) or because of the user: only the user's own requests may keep a
 * session from its idle timeout (lib/auth/background.ts). A request counts as the user's
 * within `userRequestWindowMs` of their last input (a click, a key, a wheel turn, a touch) or
 * of the page's load.
 */

/** Default 10 s: a debounced search or a zoom still counts; a one-minute refresh does not. */
export const userRequestWindowMs = 10_000;

/** Pure: whether a request at `now` is the page's own, the user's last input being at `lastInput` (same clock). */
export function isBackgroundAt(now: number, lastInput: number, windowMs = userRequestWindowMs): boolean {
  return now - lastInput > windowMs;
}

const inputEvents = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
/** `performance.now()` of the last input; 0 is the navigation's start, so the load counts as the user's. */
let lastInput = 0;
let watching = false;

/** Starts following the user's input; the first request calls it (once is enough). */
export function watchUserInput(): void {
  if (watching || typeof window === 'undefined') return;
  watching = true;
  const seen = () => {
    lastInput = performance.now();
  };
  for (const type of inputEvents) window.addEventListener(type, seen, { capture: true, passive: true });
}

/** Whether a request made now is one the page makes by itself (false outside the browser). */
export function isBackgroundRequestNow(): boolean {
  if (typeof window === 'undefined') return false;
  watchUserInput();
  return isBackgroundAt(performance.now(), lastInput);
}
