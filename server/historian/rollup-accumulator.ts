import type { Sample } from '../../lib/types.ts';
import { rollupSpans } from '../../lib/history/trend.ts';
import type { RollupRow } from '../storage/store.ts';

export const MINUTE_MS = 60_000;

export interface RollupAccumulator {
  /** Folds a sample into its tag's minute. A later minute closes the tag's open one (and so on up). */
  add(sample: Sample): void;
  /**
   * Rows ready to write: intervals a later one closed, intervals that ended before
   * `closeBefore` (epoch ms; a tag that went quiet), and rows of late samples. Clears them.
   */
  takeClosed(closeBefore: number): RollupRow[];
  /** Every row, open intervals included (a final write). Clears everything. */
  takeAll(): RollupRow[];
  /** Open rows held in memory (all intervals). */
  open(): number;
}

/** Start of the interval of length `span` that holds `ts`. */
export const startOf = (ts: number, span: number) => Math.floor(ts / span) * span;
export const minuteOf = (ts: number) => startOf(ts, MINUTE_MS);

export function emptyRollup(tag: string, span: number, start: number): RollupRow {
  return {
    tag,
    span,
    start,
    count: 0,
    bad: 0,
    min: null,
    minTs: null,
    max: null,
    maxTs: null,
    sum: null,
    first: null,
    firstTs: null,
    last: null,
    lastTs: null,
    gapTs: null,
  };
}

/** Folds one sample into a row of its interval (pure, mutates `row`). */
export function foldSample(row: RollupRow, s: Sample): void {
  const ts = Math.round(s.ts);
  if (s.quality !== 'good' || s.value === null) {
    row.bad++;
    if (row.gapTs === null || ts < row.gapTs) row.gapTs = ts;
    return;
  }
  const v = s.value;
  row.count++;
  row.sum = (row.sum ?? 0) + v;
  if (row.min === null || v < row.min) (row.min = v), (row.minTs = ts);
  if (row.max === null || v > row.max) (row.max = v), (row.maxTs = ts);
  if (row.firstTs === null || ts < row.firstTs) (row.first = v), (row.firstTs = ts);
  if (row.lastTs === null || ts >= row.lastTs) (row.last = v), (row.lastTs = ts);
}

/** The 1-minute rows of one tag's raw points (in any order), by minute start: a rebuild from raw. */
export function minuteRollupsOf(tag: string, points: Iterable<Omit<Sample, 'tag'>>): RollupRow[] {
  const rows = new Map<number, RollupRow>();
  for (const p of points) {
    const minute = minuteOf(p.ts);
    let row = rows.get(minute);
    if (!row) rows.set(minute, (row = emptyRollup(tag, MINUTE_MS, minute)));
    foldSample(row, { tag, ...p });
  }
  return [...rows.values()];
}

/**
 * Folds a whole row (e.g. a minute) into a row of a wider or the same interval (pure,
 * mutates `into`): the same rules as the store's merge.
 */
export function mergeRollup(into: RollupRow, r: RollupRow): void {
  into.count += r.count;
  into.bad += r.bad;
  if (r.min !== null && (into.min === null || r.min < into.min)) (into.min = r.min), (into.minTs = r.minTs);
  if (r.max !== null && (into.max === null || r.max > into.max)) (into.max = r.max), (into.maxTs = r.maxTs);
  if (r.sum !== null) into.sum = (into.sum ?? 0) + r.sum;
  if (r.firstTs !== null && (into.firstTs === null || r.firstTs < into.firstTs)) (into.first = r.first), (into.firstTs = r.firstTs);
  if (r.lastTs !== null && (into.lastTs === null || r.lastTs >= into.lastTs)) (into.last = r.last), (into.lastTs = r.lastTs);
  if (r.gapTs !== null && (into.gapTs === null || r.gapTs < into.gapTs)) into.gapTs = r.gapTs;
}

/**
 * Rollups built in memory as samples arrive: per tag one open minute, one open 10 minutes
 * and one open hour. A minute is handed over (to be written) when a later sample closes it,
 * and is then folded into its tag's open 10 minutes, which in turn is handed over and folded
 * into the hour when it closes. So keeping rollups costs one row write per tag per minute
 * (plus one per 10 minutes and one per hour), never one per sample. The store merges rows of
 * the same interval (late samples, an interval split across a restart). Pure state, no clock.
 */
export function createRollupAccumulator(spans: readonly number[] = rollupSpans.map((s) => s.span)): RollupAccumulator {
  if (spans[0] !== MINUTE_MS || spans.some((s, i) => i > 0 && s % spans[i - 1]! !== 0))
    throw new RangeError('spans must start at one minute, each a multiple of the one before');
  const open = spans.map(() => new Map<string, RollupRow>());
  let closed: RollupRow[] = [];

  /** Hands a row over and folds it into the next coarser level. */
  function finish(level: number, row: RollupRow): void {
    closed.push(row);
    if (level + 1 < spans.length) absorb(level + 1, row);
  }

  /** Folds a finished finer row into this level's open row (or a late row of its own). */
  function absorb(level: number, r: RollupRow): void {
    const span = spans[level]!;
    const start = startOf(r.start, span);
    const rows = open[level]!;
    let cur = rows.get(r.tag);
    if (cur === undefined || start > cur.start) {
      if (cur) finish(level, cur);
      cur = emptyRollup(r.tag, span, start);
      rows.set(r.tag, cur);
    } else if (start < cur.start) {
      const late = emptyRollup(r.tag, span, start);
      mergeRollup(late, r);
      finish(level, late);
      return;
    }
    mergeRollup(cur, r);
  }

  return {
    add(s) {
      const minute = minuteOf(s.ts);
      const minutes = open[0]!;
      let row = minutes.get(s.tag);
      if (row === undefined || minute > row.start) {
        if (row) finish(0, row);
        row = emptyRollup(s.tag, MINUTE_MS, minute);
        minutes.set(s.tag, row);
      } else if (minute < row.start) {
        // Late: its minute was already handed over; write it as its own row, merged on write.
        const late = emptyRollup(s.tag, MINUTE_MS, minute);
        foldSample(late, s);
        finish(0, late);
        return;
      }
      foldSample(row, s);
    },
    takeClosed(closeBefore) {
      // Finest first: a minute closed here may complete the 10 minutes checked next.
      open.forEach((rows, level) => {
        for (const [tag, row] of rows) {
          if (row.start + row.span <= closeBefore) {
            rows.delete(tag);
            finish(level, row);
          }
        }
      });
      const out = closed;
      closed = [];
      return out;
    },
    takeAll() {
      open.forEach((rows, level) => {
        const all = [...rows.values()];
        rows.clear();
        for (const row of all) finish(level, row);
      });
      // Finishing the last level's rows folded nothing further; the coarser open rows that the
      // finer ones were folded into were taken in their own turn above.
      const out = closed;
      closed = [];
      return out;
    },
    open: () => open.reduce((n, rows) => n + rows.size, 0),
  };
}
