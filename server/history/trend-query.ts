import { rollupSpans, type Resolution } from '../../lib/history/trend.ts';
import { MINUTE_MS, minuteOf, startOf } from '../historian/rollup-accumulator.ts';
import type { HistoryReader } from '../storage/history-reader.ts';
import { createM4, type PointColumns } from './downsample.ts';

export interface TrendRequest {
  tag: string;
  from: number;
  to: number;
  /** Pixel columns: at most 4 points each (plus gaps and one point beyond each edge). */
  width: number;
  /** Raw samples older than this are gone (retention): a range reaching before it reads rollups. */
  rawSince: number;
}

export interface TrendSeriesResult extends PointColumns {
  tag: string;
  resolution: Resolution;
  scanned: number;
}

/** Several tags over one range: one trend request of the API. */
export interface TrendsRequest extends Omit<TrendRequest, 'tag'> {
  tags: readonly string[];
}

/** JSON text of a `TrendSeries` (gaps → null), written without building intermediate arrays. */
function seriesJson(r: TrendSeriesResult): string {
  const n = r.t.length;
  const t = new Array<string>(n);
  const v = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    t[i] = String(r.t[i]);
    const x = r.v[i]!;
    v[i] = Number.isFinite(x) ? String(x) : 'null';
  }
  return `{"tag":${JSON.stringify(r.tag)},"resolution":"${r.resolution}","t":[${t.join(',')}],"v":[${v.join(',')}],"scanned":${r.scanned}}`;
}

/** The resolution of every series, or `mixed`. */
export function overallResolution(series: readonly TrendSeriesResult[]): Resolution | 'mixed' {
  const kinds = new Set(series.map((s) => s.resolution));
  return kinds.size === 1 ? series[0]!.resolution : 'mixed';
}

/** JSON text of the `TrendResponse` of `req`, from its computed series. */
export function trendResponseJson(req: TrendsRequest, series: readonly TrendSeriesResult[], tookMs: number): string {
  const head = { from: new Date(req.from).toISOString(), to: new Date(req.to).toISOString(), width: req.width, resolution: overallResolution(series), tookMs };
  return `${JSON.stringify(head).slice(0, -1)},"series":[${series.map(seriesJson).join(',')}]}`;
}

/**
 * Which data answers a request: raw samples while a pixel spans less than a minute (and raw
 * data is still kept for the whole range), else the coarsest rollups whose interval is no
 * longer than a pixel, so every pixel still gets its own first/min/max/last.
 */
export function chooseResolution(from: number, to: number, width: number, rawSince: number): { resolution: Resolution; span: number } {
  const msPerPixel = (to - from) / width;
  const finest = rollupSpans[0]!;
  if (msPerPixel < finest.span && from >= rawSince) return { resolution: 'raw', span: 0 };
  let pick = finest;
  for (const s of rollupSpans) if (s.span <= msPerPixel) pick = s;
  return pick;
}

/**
 * One tag's trend over [from, to] for `width` pixels: M4 over raw samples for short ranges,
 * over rollups for long ones (plus the raw samples newer than the last written minute, so
 * the trend reaches the present). Adds the nearest point beyond each edge so lines reach them.
 * Points go straight from the reader into the M4 accumulator: no array of the points read.
 */
export async function runTrend(reader: HistoryReader, req: TrendRequest): Promise<TrendSeriesResult> {
  const { tag, from, to, width } = req;
  const { resolution, span } = chooseResolution(from, to, width, req.rawSince);
  const m4 = createM4(from, to, width);
  const sink = (t: number, v: number) => m4.add(t, v);
  let scanned = 0;
  let before: [number, number] | undefined;
  let after: [number, number] | undefined;

  if (resolution === 'raw') {
    scanned = await reader.eachRaw(tag, from, to, sink);
    [before, after] = await Promise.all([reader.rawEdge(tag, from, 'before'), reader.rawEdge(tag, to, 'after')]);
  } else {
    // Each interval's row is written when the interval ends: the newest row of the chosen span
    // may still grow, so from its start on read minutes, and after the newest minute, raw.
    const firstStart = startOf(from, span);
    const [newestMinute, newestCoarse] = await Promise.all([
      reader.newestRollupStart(tag, MINUTE_MS),
      span === MINUTE_MS ? undefined : reader.newestRollupStart(tag, span),
    ]);
    const minutesFrom = newestCoarse === undefined ? firstStart : Math.max(firstStart, newestCoarse);
    if (newestCoarse !== undefined && newestCoarse > firstStart)
      scanned += await reader.eachRollupPoint(tag, span, firstStart, Math.min(to, newestCoarse - 1), sink);
    if (newestMinute !== undefined && newestMinute >= minutesFrom)
      scanned += await reader.eachRollupPoint(tag, MINUTE_MS, minutesFrom, Math.min(to, newestMinute), sink);
    const tailFrom = newestMinute === undefined ? Math.max(from, minutesFrom) : Math.max(from, newestMinute + MINUTE_MS);
    if (tailFrom <= to) scanned += await reader.eachRaw(tag, tailFrom, to, sink);
    [before, after] = await Promise.all([
      reader.rollupEdge(tag, span, firstStart, 'before').then((edge) => edge ?? reader.rawEdge(tag, from, 'before')),
      tailFrom <= to ? reader.rawEdge(tag, to, 'after') : reader.rollupEdge(tag, MINUTE_MS, minuteOf(to), 'after'),
    ]);
  }

  const kept = m4.result();
  const hasBefore = before !== undefined && before[0] < from;
  const hasAfter = after !== undefined && after[0] > to;
  if (!hasBefore && !hasAfter) return { tag, resolution, scanned, ...kept };
  const n = kept.t.length + (hasBefore ? 1 : 0) + (hasAfter ? 1 : 0);
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const offset = hasBefore ? 1 : 0;
  if (hasBefore) (t[0] = before![0]), (v[0] = before![1]);
  t.set(kept.t, offset);
  v.set(kept.v, offset);
  if (hasAfter) (t[n - 1] = after![0]), (v[n - 1] = after![1]);
  return { tag, resolution, scanned, t, v };
}
