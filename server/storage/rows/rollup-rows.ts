import type { RollupRow } from '../store.ts';

/** The columns of a `rollups` row after its key (tag, span), in RollupTuple order. */
export const rollupColumns = 'start, count, bad, min, min_ts, max, max_ts, sum, first, first_ts, last, last_ts, gap_ts';

type N = number | null;
/** A `rollups` row read as an array of `rollupColumns` (cheaper than an object per row). */
export type RollupTuple = [
  start: number,
  count: number,
  bad: number,
  min: N,
  minTs: N,
  max: N,
  maxTs: N,
  sum: N,
  first: N,
  firstTs: N,
  last: N,
  lastTs: N,
  gapTs: N,
];

export function rowFromTuple(tag: string, span: number, r: RollupTuple): RollupRow {
  return {
    tag,
    span,
    start: r[0],
    count: r[1],
    bad: r[2],
    min: r[3],
    minTs: r[4],
    max: r[5],
    maxTs: r[6],
    sum: r[7],
    first: r[8],
    firstTs: r[9],
    last: r[10],
    lastTs: r[11],
    gapTs: r[12],
  };
}

/** Only the `rollups` columns that become trend points: every value read costs an allocation in JS. */
export const rollupPointColumns = 'first, first_ts, min, min_ts, max, max_ts, last, last_ts, gap_ts';
export type RollupPointTuple = [first: N, firstTs: N, min: N, minTs: N, max: N, maxTs: N, last: N, lastTs: N, gapTs: N];

/** A row's first, min, max and last points, then its first gap, each at its own time. */
export function emitRollupPoints(r: RollupPointTuple, sink: (t: number, v: number) => void): void {
  if (r[1] !== null) sink(r[1], r[0]!);
  if (r[3] !== null) sink(r[3], r[2]!);
  if (r[5] !== null) sink(r[5], r[4]!);
  if (r[7] !== null) sink(r[7], r[6]!);
  if (r[8] !== null) sink(r[8], Number.NaN);
}

/** The point of a row nearest to the edge on `side` of it: a gap only when the row holds no value there. */
export function rollupEdgePoint(r: RollupTuple, side: 'before' | 'after'): [number, number] {
  if (side === 'before') return r[11] !== null && (r[12] === null || r[12] < r[11]) ? [r[11], r[10]!] : [r[12] ?? r[0], Number.NaN];
  return r[9] !== null && (r[12] === null || r[9] < r[12]) ? [r[9], r[8]!] : [r[12] ?? r[0], Number.NaN];
}
