import { type DateFormat, formatDate, formatTime } from '../../lib/client/format.ts';
import { MAX_TREND_TAGS, MAX_TREND_WIDTH, MIN_TREND_WIDTH, rangePresets, type RangePresetId, type Resolution } from '../../lib/history/trend.ts';

/** What the history page shows: a preset that follows the present, or a fixed range. */
export type RangeChoice = { kind: 'preset'; preset: RangePresetId } | { kind: 'custom'; from: number; to: number };

/** Narrowest range a zoom goes to, ms. */
export const MIN_SPAN_MS = 10_000;
/** Widest, ms (rollups are kept two years by default). */
export const MAX_SPAN_MS = 800 * 86_400_000;

export const presetMs = (id: RangePresetId) => rangePresets.find((p) => p.id === id)!.ms;

export function isPresetId(s: string | undefined | null): s is RangePresetId {
  return rangePresets.some((p) => p.id === s);
}

/** [from, to] of a choice; a preset ends at `now`. */
export function resolveRange(choice: RangeChoice, now: number): { from: number; to: number } {
  return choice.kind === 'preset' ? { from: now - presetMs(choice.preset), to: now } : { from: choice.from, to: choice.to };
}

/** Keeps a span within [MIN_SPAN_MS, MAX_SPAN_MS] around its centre, and its end in the past-ish (`latest`). */
export function clampRange(from: number, to: number, latest: number): { from: number; to: number } {
  let span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, to - from));
  let centre = (from + to) / 2;
  if (centre + span / 2 > latest) centre = latest - span / 2;
  span = Math.round(span);
  const start = Math.round(centre - span / 2);
  return { from: start, to: start + span };
}

/** Zooms by `factor` (< 1 in, > 1 out) keeping `anchor` (a time inside the range) in place. */
export function zoomAt(from: number, to: number, factor: number, anchor = (from + to) / 2): { from: number; to: number } {
  const a = Math.min(to, Math.max(from, anchor));
  return { from: a - (a - from) * factor, to: a + (to - a) * factor };
}

/** Moves the range by `fraction` of its span (negative: back in time). */
export function pan(from: number, to: number, fraction: number): { from: number; to: number } {
  const shift = (to - from) * fraction;
  return { from: from + shift, to: to + shift };
}

/** Pixel width to ask for: the chart's CSS width × device pixels (up to 2), in steps of 50, within the API's bounds. */
export function queryWidth(cssWidth: number, devicePixelRatio: number): number {
  const px = cssWidth * Math.min(2, Math.max(1, devicePixelRatio));
  return Math.min(MAX_TREND_WIDTH, Math.max(MIN_TREND_WIDTH, Math.round(px / 50) * 50));
}

/** Reads `?tags=a,b&range=8h` or `&from=ISO&to=ISO`; unknown values fall back to defaults. */
export function parseHistoryParams(
  params: Record<string, string | string[] | undefined>,
  knownTags: ReadonlySet<string>,
): { tags: string[]; choice: RangeChoice } {
  const one = (k: string) => {
    const v = params[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const tags = (one('tags') ?? '')
    .split(',')
    .filter((t, i, all) => knownTags.has(t) && all.indexOf(t) === i)
    .slice(0, MAX_TREND_TAGS);
  const from = Date.parse(one('from') ?? '');
  const to = Date.parse(one('to') ?? '');
  const range = one('range');
  const choice: RangeChoice =
    Number.isFinite(from) && Number.isFinite(to) && to > from ? { kind: 'custom', from, to } : { kind: 'preset', preset: isPresetId(range) ? range : '8h' };
  return { tags, choice };
}

/** The query string that reproduces a view (for the address bar). */
export function historySearch(tags: readonly string[], choice: RangeChoice): string {
  const q = new URLSearchParams();
  if (tags.length > 0) q.set('tags', tags.join(','));
  if (choice.kind === 'preset') q.set('range', choice.preset);
  else {
    q.set('from', new Date(choice.from).toISOString());
    q.set('to', new Date(choice.to).toISOString());
  }
  return `?${q.toString().replace(/%2C/g, ',')}`;
}

/** The history page showing `tag`'s trend over the last hour (one tap from a line page or an alarm). */
export function trendHref(tag: string, preset: RangePresetId = '1h'): string {
  return `/history${historySearch([tag], { kind: 'preset', preset })}`;
}

export function describeResolution(r: Resolution | 'mixed'): string {
  switch (r) {
    case 'raw':
      return 'raw samples';
    case '1m':
      return '1-minute rollups';
    case '10m':
      return '10-minute rollups';
    case '1h':
      return '1-hour rollups';
    default:
      return 'mixed resolutions';
  }
}

/**
 * Time-axis labels in this device's date format: seconds on short ranges, the time on a day
 * or two, the date over the time up to two weeks (two lines), the date alone beyond.
 */
export function timeTicks(splits: number[], spanMs: number, f: DateFormat): string[] {
  return splits.map((ms) => {
    if (spanMs <= 10 * 60_000) return formatTime(ms, f);
    if (spanMs <= 2 * 86_400_000) return formatTime(ms, f, { seconds: false });
    return spanMs <= 14 * 86_400_000 ? `${formatDate(ms, f)}\n${formatTime(ms, f, { seconds: false })}` : formatDate(ms, f);
  });
}
