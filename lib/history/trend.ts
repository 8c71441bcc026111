/**
 * The trend API's vocabulary, shared by the server (`GET /api/history`) and the history page.
 * Plain data only.
 */

/**
 * `raw`: stored samples; `1m`, `10m`, `1h`: rollups of that interval (plus the raw samples
 * newer than the last written minute, so a trend reaches the present).
 */
export type Resolution = 'raw' | '1m' | '10m' | '1h';

/** Rollup intervals kept, ms, finest first, with their resolution names. */
export const rollupSpans: readonly { span: number; resolution: Exclude<Resolution, 'raw'> }[] = [
  { span: 60_000, resolution: '1m' },
  { span: 600_000, resolution: '10m' },
  { span: 3_600_000, resolution: '1h' },
];

export interface TrendSeries {
  tag: string;
  resolution: Resolution;
  /** Epoch ms, ascending. May start one point before `from` and end one after `to`, so lines reach the edges. */
  t: number[];
  /** Values; `null` is a quality gap (bad or stale): the line breaks there. */
  v: (number | null)[];
  /** Rows read from storage for this series. */
  scanned: number;
}

export interface TrendResponse {
  from: string;
  to: string;
  width: number;
  /** The resolution of every series, or `mixed`. */
  resolution: Resolution | 'mixed';
  /** Time the query worker spent computing the series, ms. */
  tookMs: number;
  series: TrendSeries[];
}

/** Tags per trend request. */
export const MAX_TREND_TAGS = 8;
/** Chart width bounds, px. */
export const MIN_TREND_WIDTH = 10;
export const MAX_TREND_WIDTH = 4000;

/** Range presets of the history page (this shift = the last 8 hours). */
export const rangePresets = [
  { id: '1h', label: 'Last hour', ms: 3600_000 },
  { id: '8h', label: 'This shift (8 h)', ms: 8 * 3600_000 },
  { id: '24h', label: '24 h', ms: 24 * 3600_000 },
  { id: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 days', ms: 30 * 86_400_000 },
] as const;
export type RangePresetId = (typeof rangePresets)[number]['id'];
