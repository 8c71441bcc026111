import { setFlagsFromString } from 'node:v8';

/**
 * Lets the main thread's heap grow to twice what survived its last full collection before
 * the next one (V8's `--heap-growing-percent`). The main isolate holds about 75 MB that live
 * for good (mostly Next's code and caches) and, busy, promotes a few MB a second: V8's own
 * growing factor then left a few MB of room, and a mark-compact with a 7–20 ms pause came
 * every 3 s, each one a hiccup of the live stream. Measured (bench:history-live, back to
 * back): 9–12 mark-compacts per 30 s busy window before, 1–2 after, busy live-path p99
 * 10.4 → 6.5–7.2 ms (medians), for up to ~75 MB more heap. V8 reads the flag at each
 * collection, so setting it from code at start takes effect (the same counts as on the
 * command line).
 */
export function roomierHeapGrowth(percent = 100): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
