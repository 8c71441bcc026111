/**
 * The pushes waiting for a free connection, as a bounded priority queue. Rank 0 (a critical
 * alarm) goes first and items of one rank go in arrival order. When it is full, the newest
 * item of the worst rank is dropped — the newcomer itself when it ranks no better — so a
 * flood of low alarms never pushes out a critical one.
 *
 * Ranks are a handful of small integers (`priorityRank`), so one FIFO per rank keeps every
 * operation proportional to the number of ranks, not to the queue's length.
 */

export interface RankedQueue<T> {
  /** Items waiting. */
  readonly size: number;
  /** Adds `item`; returns the item dropped to make room (possibly `item` itself), else undefined. */
  push(item: T, rank: number): T | undefined;
  /** Takes the oldest item of the best rank; undefined when empty. */
  shift(): T | undefined;
  /** Empties the queue; returns how many items it held. */
  clear(): number;
}

/** A queue holding at most `capacity` items. */
export function createRankedQueue<T>(capacity: number): RankedQueue<T> {
  /** `buckets[rank]`: that rank's items, oldest first. */
  const buckets: T[][] = [];
  let size = 0;

  function worstRank(): number {
    for (let rank = buckets.length - 1; rank >= 0; rank--) if (buckets[rank]!.length > 0) return rank;
    return -1;
  }

  return {
    get size() {
      return size;
    },
    push(item, rank) {
      if (!Number.isInteger(rank) || rank < 0) throw new RangeError(`rank must be a non-negative integer, not ${rank}`);
      let dropped: T | undefined;
      if (size >= capacity) {
        const worst = worstRank();
        if (worst < 0 || rank >= worst) return item;
        dropped = buckets[worst]!.pop();
        size--;
      }
      while (buckets.length <= rank) buckets.push([]);
      buckets[rank]!.push(item);
      size++;
      return dropped;
    },
    shift() {
      for (const bucket of buckets) {
        if (bucket.length > 0) {
          size--;
          return bucket.shift();
        }
      }
      return undefined;
    },
    clear() {
      const held = size;
      for (const bucket of buckets) bucket.length = 0;
      size = 0;
      return held;
    },
  };
}
