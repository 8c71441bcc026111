import type { TrendPoint } from '../../lib/client/live-trend.ts';
import type { TrendResponse } from '../../lib/history/trend.ts';
import type { RangeChoice } from './range.ts';

/** Presets whose right edge is now and moves with the live data (a window of minutes to hours). */
const followed = new Set(['1h', '8h']);

/** Whether a choice follows the live data: "Last hour" and "This shift". */
export function followsLive(choice: RangeChoice): boolean {
  return choice.kind === 'preset' && followed.has(choice.preset);
}

/**
 * The answer with the live points the stream brought since it was computed: each series gets
 * the points newer than its last one, up to `to`; a point of bad or stale quality is a gap
 * (`null`), as in the history. Pure: `data` is not changed; an unchanged series is the same
 * object.
 */
export function withLivePoints(data: TrendResponse, live: (tag: string) => readonly TrendPoint[], to: number): TrendResponse {
  let changed = false;
  const series = data.series.map((s) => {
    const points = live(s.tag);
    const last = s.t.length > 0 ? s.t[s.t.length - 1]! : Number.NEGATIVE_INFINITY;
    let i = points.length;
    while (i > 0 && points[i - 1]!.ts > last) i--;
    const fresh = points.slice(i).filter((p) => p.ts <= to);
    if (fresh.length === 0) return s;
    changed = true;
    return {
      ...s,
      t: s.t.concat(fresh.map((p) => p.ts)),
      v: s.v.concat(fresh.map((p) => (p.quality === 'good' ? p.value : null))),
    };
  });
  return changed ? { ...data, series } : data;
}
