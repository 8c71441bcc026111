/**
 * Live-bus event ids: `<ms>-<seq>`, the form of Redis Stream ids, so the in-process bus and
 * the Redis bus hand out ids a client treats the same way (opaque, increasing). An id carries
 * the time it was given, so an id from a previous life of the bus is simply older than
 * anything kept (the client gets a fresh snapshot).
 */
export type EventId = string;

// Redis's sequence part is a 64-bit integer: up to 20 digits (compared as a double past 2^53, which no real sequence reaches).
const ID = /^(\d{1,15})-(\d{1,20})$/;

/** The id's two parts, or undefined when it is not a bus id (an old numeric id, garbage). */
export function parseEventId(id: string): [ms: number, seq: number] | undefined {
  const m = ID.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export const isEventId = (id: string): boolean => ID.test(id);

/** What a client may send back to resume: a bus id, or a bare number (an id of an older release, answered with a snapshot). */
export const resumeIdPattern = /^\d{1,20}(-\d{1,20})?$/;

/** Negative, zero or positive as `a` is before, equal to or after `b` (both valid ids). */
export function compareEventIds(a: EventId, b: EventId): number {
  const [am, as] = parseEventId(a)!;
  const [bm, bs] = parseEventId(b)!;
  return am - bm || as - bs;
}

/** The greatest id before `id`: resuming after it misses nothing from `id` on. */
export function previousEventId(id: EventId): EventId {
  const [ms, seq] = parseEventId(id)!;
  return seq > 0 ? `${ms}-${seq - 1}` : `${ms - 1}-18446744073709551615`;
}

/**
 * Ids as Redis makes them for `XADD *`: the clock's ms, and a sequence within one ms; never
 * going back when the clock does. `start` is the id before the first one given.
 */
export function createIdClock(now: () => number = Date.now): { start: EventId; next(): EventId } {
  let ms = now();
  let seq = 0;
  return {
    start: `${ms}-0`,
    next() {
      const t = now();
      if (t > ms) {
        ms = t;
        seq = 0;
      } else seq++;
      return `${ms}-${seq}`;
    },
  };
}
