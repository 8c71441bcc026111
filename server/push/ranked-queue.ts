/**
 * The pushes waiting for a free connection, as a bounded priority queue that is fair between
 * owners. Rank 0 (a critical alarm) goes first; within a rank, owners (`key`: the user) take
 * turns, round-robin, and one owner's items go in arrival order — so a user with ten devices
 * does not make another user's single device wait behind all ten.
 *
 * When it is full, an item of the worst rank is dropped: the newest of the owner holding the
 * most items at that rank (the newcomer itself when it ranks worse, or when its owner holds
 * the most) — so a flood of low alarms never pushes out a critical one, and one user's many
 * devices cannot push out another user's one.
 *
 * Ranks are a handful of small integers (`priorityRank`), so the cost of an operation grows
 * with the number of ranks and of owners waiting at a rank, not with the queue's length.
 */

export interface RankedQueue<T> {
  /** Items waiting. */
  readonly size: number;
  /** Adds `item` for owner `key` (default: one owner for all); returns the item dropped to make room (possibly `item` itself), else undefined. */
  push(item: T, rank: number, key?: unknown): T | undefined;
  /** Takes the next item of the best rank: the oldest of the owner whose turn it is; undefined when empty. */
  shift(): T | undefined;
  /** Empties the queue; returns how many items it held. */
  clear(): number;
}

interface Entry<T> {
  item: T;
  /** Arrival order, to find the newest among owners. */
  seq: number;
}

/** One rank: each owner's items, oldest first, in the order owners take turns. */
type Bucket<T> = Map<unknown, Entry<T>[]>;

/** A queue holding at most `capacity` items. */
export function createRankedQueue<T>(capacity: number): RankedQueue<T> {
  const buckets: Bucket<T>[] = [];
  let size = 0;
  let seq = 0;

  function worstRank(): number {
    for (let rank = buckets.length - 1; rank >= 0; rank--) if (buckets[rank]!.size > 0) return rank;
    return -1;
  }

  /** The owner at `rank` holding the most items (`extra` more for `key`); a tie goes to `key`, then to the newest item. */
  function biggest(bucket: Bucket<T>, key: unknown, extra: number): unknown {
    let best: unknown = key;
    let bestCount = (bucket.get(key)?.length ?? 0) + extra;
    let bestSeq = Number.POSITIVE_INFINITY;
    for (const [owner, entries] of bucket) {
      if (owner === key) continue;
      const newest = entries.at(-1)!.seq;
      if (entries.length > bestCount || (entries.length === bestCount && extra === 0 && newest > bestSeq)) {
        best = owner;
        bestCount = entries.length;
        bestSeq = newest;
      }
    }
    return best;
  }

  function take(bucket: Bucket<T>, owner: unknown, newest: boolean): Entry<T> {
    const entries = bucket.get(owner)!;
    const entry = newest ? entries.pop()! : entries.shift()!;
    if (entries.length === 0) bucket.delete(owner);
    else if (!newest) {
      // It has had its turn: to the end of the line (a Map keeps insertion order).
      bucket.delete(owner);
      bucket.set(owner, entries);
    }
    size--;
    return entry;
  }

  return {
    get size() {
      return size;
    },
    push(item, rank, key) {
      if (!Number.isInteger(rank) || rank < 0) throw new RangeError(`rank must be a non-negative integer, not ${rank}`);
      let dropped: T | undefined;
      if (size >= capacity) {
        const worst = worstRank();
        if (worst < 0 || rank > worst) return item;
        const bucket = buckets[worst]!;
        const victim = rank === worst ? biggest(bucket, key, 1) : biggest(bucket, Symbol('none'), 0);
        if (rank === worst && victim === key) return item;
        dropped = take(bucket, victim, true).item;
      }
      while (buckets.length <= rank) buckets.push(new Map());
      const bucket = buckets[rank]!;
      const entries = bucket.get(key);
      if (entries) entries.push({ item, seq: seq++ });
      else bucket.set(key, [{ item, seq: seq++ }]);
      size++;
      return dropped;
    },
    shift() {
      for (const bucket of buckets) {
        const first = bucket.keys().next();
        if (!first.done) return take(bucket, first.value, false).item;
      }
      return undefined;
    },
    clear() {
      const held = size;
      for (const bucket of buckets) bucket.clear();
      size = 0;
      return held;
    },
  };
}
