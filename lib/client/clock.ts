import { useSyncExternalStore } from 'react';

/**
 * The browser's view of server time, and one shared 1 s tick for everything that shows an
 * age. Sample timestamps come from the server's clock; a tablet's clock may be minutes off,
 * so ages are measured against `serverNow()`, corrected by the observed offset.
 */

/** Offsets (server time − local receive time) seen recently; the largest is the least delayed. */
const offsets: number[] = [];
const maxOffsets = 64;
let skew = 0;

/**
 * Records a server timestamp taken just before the message was sent (a heartbeat's `ts`, a
 * sample batch's `readAt`). Network delay only makes an offset smaller, so the maximum over
 * a recent window is the best estimate; replayed old events are far below it and never win.
 */
export function observeServerTime(serverMs: number, receivedAt: number = Date.now()): void {
  if (!Number.isFinite(serverMs)) return;
  offsets.push(serverMs - receivedAt);
  if (offsets.length > maxOffsets) offsets.shift();
  skew = Math.max(...offsets);
}

/** Current time on the server's clock (epoch ms), as far as this browser can tell. */
export function serverNow(): number {
  return Date.now() + skew;
}

const tickMs = 1000;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | undefined;
let now = 0;

function schedule(): void {
  // Aligned to the local second so every age on screen changes together.
  timer = setTimeout(tick, tickMs - (Date.now() % tickMs) + 5);
}

function tick(): void {
  now = serverNow();
  for (const l of listeners) l();
  schedule();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) {
    now = serverNow();
    schedule();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
  };
}

function getSnapshot(): number {
  if (now === 0) now = serverNow();
  return now;
}

const getServerSnapshot = (): null => null;

/** Forces every ticking component to re-read the time now (e.g. the tab became visible). */
export function refreshClock(): void {
  if (listeners.size > 0) {
    now = serverNow();
    for (const l of listeners) l();
  }
}

/**
 * Server time, updated every second while mounted; `null` during server rendering and
 * hydration (time-dependent text is rendered in the browser only, so it never mismatches).
 */
export function useNow(): number | null {
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}
