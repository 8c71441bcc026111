import type { Quality } from '../types.ts';

export interface TrendPoint {
  ts: number;
  value: number | null;
  quality: Quality;
}

/**
 * The live points of one tag over a sliding time window, as an immutable value: `appendTrend`
 * returns a new `Trend` and never changes the one it was given.
 *
 * Appending costs O(1) amortised, not a copy of the window: versions share one growing buffer
 * and each sees only its own `[start, end)` range of it. A version may push onto the buffer
 * only while it owns its end (`end === buf.length`); any other append (from an older version)
 * copies first, so no version ever sees a point that is not its own. Trimming moves `start`;
 * the dead prefix is dropped by one copy once it outgrows the live part.
 */
export interface Trend {
  /** Shared between versions: read only inside [start, end). */
  readonly buf: TrendPoint[];
  readonly start: number;
  readonly end: number;
}

/** A trend with no points, with a buffer of its own (the first append pushes onto it). */
export function newTrend(): Trend {
  return { buf: [], start: 0, end: 0 };
}

/** A dead prefix shorter than this is kept: copying a tiny buffer often is not worth it. */
const compactAfter = 256;

/**
 * The trend with `point` added and points older than `point.ts - windowMs` dropped. A point
 * not newer than the last one is ignored (a snapshot repeats values already seen): the trend
 * stays strictly in time order, and the same `Trend` comes back.
 */
export function appendTrend(trend: Trend, point: TrendPoint, windowMs: number): Trend {
  const { buf, end } = trend;
  if (end > trend.start && point.ts <= buf[end - 1]!.ts) return trend;
  const from = point.ts - windowMs;
  let start = trend.start;
  while (start < end && buf[start]!.ts < from) start++;
  const live = end - start;
  if (end === buf.length && !(start >= compactAfter && start > live)) {
    buf.push(point);
    return { buf, start, end: end + 1 };
  }
  const next = buf.slice(start, end);
  next.push(point);
  return { buf: next, start: 0, end: next.length };
}

/** Arrays handed out, one per version: a reader gets the same array until the trend changes. */
const pointArrays = new WeakMap<Trend, TrendPoint[]>();

/**
 * The points of `trend`, oldest first. Copied on the first read of each version (readers are
 * throttled, samples are not), then the same array for that version; callers must not change it.
 */
export function trendPoints(trend: Trend): TrendPoint[] {
  let points = pointArrays.get(trend);
  if (!points) {
    points = trend.buf.slice(trend.start, trend.end);
    pointArrays.set(trend, points);
  }
  return points;
}
