/**
 * M4 downsampling (Jugel et al., "M4: a visualization-oriented time series data aggregation",
 * VLDB 2014): the range [from, to] is cut into `width` buckets, one per pixel column, and each
 * bucket keeps its first, last, minimum and maximum point. A line drawn through what is kept
 * covers exactly the pixels the full series would, so a spike is never lost, with at most 4
 * points per pixel. Pure: no I/O, no clock.
 *
 * Gaps (bad or stale quality) are points with a NaN value. A bucket that holds one keeps
 * its earliest gap as well (at most 5 points then), so the drawn line breaks there instead
 * of joining the values on either side of the gap.
 */

/** Parallel arrays: times (epoch ms, ascending) and values (NaN = gap). */
export interface PointColumns {
  t: Float64Array;
  v: Float64Array;
}

export interface M4 {
  /** Adds one point; points outside [from, to] are ignored. Any order is fine. */
  add(t: number, v: number): void;
  /** Points added so far. */
  readonly added: number;
  /** What is kept, in time order. */
  result(): PointColumns;
}

/**
 * An M4 accumulator over [from, to] with `width` buckets (`width` ≥ 1, `to` > `from`).
 * Bucket `i` covers [from + i·w, from + (i+1)·w) with w = (to − from) / width; `to` itself
 * belongs to the last bucket.
 */
export function createM4(from: number, to: number, width: number): M4 {
  if (!(to > from)) throw new RangeError(`to (${to}) must be after from (${from})`);
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be an integer ≥ 1, got ${width}`);
  const span = to - from;
  const has = new Uint8Array(width);
  const firstT = new Float64Array(width);
  const firstV = new Float64Array(width);
  const lastT = new Float64Array(width);
  const lastV = new Float64Array(width);
  const minT = new Float64Array(width);
  const minV = new Float64Array(width);
  const maxT = new Float64Array(width);
  const maxV = new Float64Array(width);
  const gapT = new Float64Array(width).fill(Number.POSITIVE_INFINITY);
  let added = 0;

  function add(t: number, v: number): void {
    if (!(t >= from && t <= to)) return;
    added++;
    let b = Math.floor(((t - from) / span) * width);
    if (b >= width) b = width - 1;
    if (Number.isNaN(v)) {
      if (t < gapT[b]!) gapT[b] = t;
      return;
    }
    if (has[b] === 0) {
      has[b] = 1;
      firstT[b] = lastT[b] = minT[b] = maxT[b] = t;
      firstV[b] = lastV[b] = minV[b] = maxV[b] = v;
      return;
    }
    if (t < firstT[b]!) (firstT[b] = t), (firstV[b] = v);
    if (t > lastT[b]!) (lastT[b] = t), (lastV[b] = v);
    // Ties keep the earliest point, so the result does not depend on the order of adds.
    if (v < minV[b]! || (v === minV[b] && t < minT[b]!)) (minT[b] = t), (minV[b] = v);
    if (v > maxV[b]! || (v === maxV[b] && t < maxT[b]!)) (maxT[b] = t), (maxV[b] = v);
  }

  function result(): PointColumns {
    const outT: number[] = [];
    const outV: number[] = [];
    const bt = [0, 0, 0, 0, 0];
    const bv = [0, 0, 0, 0, 0];
    for (let b = 0; b < width; b++) {
      let n = 0;
      const put = (t: number, v: number) => {
        // Insertion into a list of at most 5, skipping a point already there (same time).
        let i = n;
        while (i > 0 && bt[i - 1]! > t) i--;
        if (i > 0 && bt[i - 1] === t) return;
        for (let j = n; j > i; j--) (bt[j] = bt[j - 1]!), (bv[j] = bv[j - 1]!);
        bt[i] = t;
        bv[i] = v;
        n++;
      };
      if (has[b] === 1) {
        put(firstT[b]!, firstV[b]!);
        put(minT[b]!, minV[b]!);
        put(maxT[b]!, maxV[b]!);
        put(lastT[b]!, lastV[b]!);
      }
      if (gapT[b] !== Number.POSITIVE_INFINITY) put(gapT[b]!, Number.NaN);
      for (let i = 0; i < n; i++) {
        outT.push(bt[i]!);
        outV.push(bv[i]!);
      }
    }
    return { t: Float64Array.from(outT), v: Float64Array.from(outV) };
  }

  return {
    add,
    get added() {
      return added;
    },
    result,
  };
}

/** M4 of whole columns at once (see `createM4`). */
export function m4(points: PointColumns, from: number, to: number, width: number): PointColumns {
  const acc = createM4(from, to, width);
  for (let i = 0; i < points.t.length; i++) acc.add(points.t[i]!, points.v[i]!);
  return acc.result();
}
