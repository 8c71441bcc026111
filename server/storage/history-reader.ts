import type { AlarmActivationRow, HistoryPoint } from './store.ts';

/** Receives one point: epoch ms and value (NaN for a quality gap). */
export type PointSink = (t: number, v: number) => void;

/** One exported raw sample: time, tag name, value, quality and reason. */
export type ExportRow = [ts: number, tag: string, value: number | null, quality: HistoryPoint['quality'], reason: string | null];

/**
 * Read-only access to history for query workers and export jobs, on their own connection
 * (SQLite: a read-only connection on the WAL database, so reads never block the writer;
 * PostgreSQL: its own client). Opened from a `StoreLocation` by `openHistoryReader`.
 * Points whose quality is not good, or that have no value, come out as NaN: gaps.
 */
export interface HistoryReader {
  /** Raw points of `tag` with from ≤ ts ≤ to, oldest first. Returns how many. */
  eachRaw(tag: string, from: number, to: number, sink: PointSink): Promise<number>;
  /**
   * Rollup rows of `tag` and `span` starting in [from, to], oldest first: for each, its
   * first, min, max and last points and its first gap (all at their own times). Returns rows read.
   */
  eachRollupPoint(tag: string, span: number, from: number, to: number, sink: PointSink): Promise<number>;
  /** The raw point just before `ts` (`before`) or just after it (`after`). */
  rawEdge(tag: string, ts: number, side: 'before' | 'after'): Promise<[number, number] | undefined>;
  /** The last point of the rollup row (of `span`) that starts before `ts`, or the first of the row that starts after it. */
  rollupEdge(tag: string, span: number, ts: number, side: 'before' | 'after'): Promise<[number, number] | undefined>;
  /** Start of the newest rollup row of `tag` and `span` (1 minute: later samples are only in raw storage yet). */
  newestRollupStart(tag: string, span: number): Promise<number | undefined>;
  /** Raw points with quality and reason, oldest first, at most `limit`. */
  rawPoints(tag: string, from: number, to: number, limit: number): Promise<HistoryPoint[]>;
  /** Raw samples of several tags with from ≤ ts < to, by time then tag. */
  exportRows(tags: readonly string[], from: number, to: number): Promise<ExportRow[]>;
  /** Alarm activations with from ≤ ts < to, oldest first, and the journal's largest seq, read together (alarm KPIs). */
  alarmActivations(from: number, to: number): Promise<{ activations: AlarmActivationRow[]; lastSeq: number }>;
  close(): Promise<void>;
}
