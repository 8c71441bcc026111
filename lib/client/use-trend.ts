import { useEffect, useMemo, useState } from 'react';
import type { TrendResponse } from '../history/trend.ts';
import { apiFetch } from './api-fetch.ts';
import { serverNow } from './clock.ts';
import { liveTrend, subscribeSample, trackTrend, type TrendPoint } from './live-store.ts';

/** New live points reach a trend at most this often by default (a sparkline pixel is seconds wide). */
const liveEveryMs = 2000;
/** Points asked of the history per sparkline: its width in px (the server keeps the spikes). */
const historyWidth = 120;
/** Tags per history request (the API's limit). */
const tagsPerRequest = 8;

interface HistoryWanted {
  tag: string;
  from: number;
  to: number;
  done: (points: TrendPoint[]) => void;
}

let wanted: HistoryWanted[] = [];

/**
 * The past of many sparklines in few requests: the ones that mount together (a page of
 * cards) are asked for in one `/api/history?tags=…&width=` request per 8 tags. A failed
 * request gives empty histories (the live points still come).
 */
function loadHistory(tag: string, from: number, to: number): Promise<TrendPoint[]> {
  return new Promise((done) => {
    if (wanted.length === 0) setTimeout(flushWanted, 0);
    wanted.push({ tag, from, to, done });
  });
}

function flushWanted(): void {
  const all = wanted;
  wanted = [];
  for (let i = 0; i < all.length; i += tagsPerRequest) {
    const batch = all.slice(i, i + tagsPerRequest);
    const from = Math.min(...batch.map((w) => w.from));
    const to = Math.max(...batch.map((w) => w.to));
    const tags = [...new Set(batch.map((w) => w.tag))];
    const url = `/api/history?tags=${tags.map(encodeURIComponent).join(',')}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&width=${historyWidth}`;
    apiFetch<TrendResponse>(url).then(
      (res) => {
        const byTag = new Map(res.series.map((s) => [s.tag, s]));
        for (const w of batch) {
          const s = byTag.get(w.tag);
          // A null value is a quality gap: the sparkline breaks there.
          w.done(s ? s.t.map((ts, k) => ({ ts, value: s.v[k] ?? null, quality: s.v[k] === null ? 'bad' : 'good' })) : []);
        }
      },
      () => {
        for (const w of batch) w.done([]);
      },
    );
  }
}

/**
 * The live points of `tag`, taken from the store at most every `everyMs`: a trend of minutes
 * does not need to re-render for every sample.
 */
function useThrottledLiveTrend(tag: string, everyMs: number): TrendPoint[] {
  const [points, setPoints] = useState<TrendPoint[]>(() => liveTrend(tag));
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const update = () => {
      timer = undefined;
      last = Date.now();
      setPoints(liveTrend(tag));
    };
    const unsubscribe = subscribeSample(tag, () => {
      if (timer !== undefined) return;
      timer = setTimeout(update, Math.max(0, last + everyMs - Date.now()));
    });
    update();
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [tag, everyMs]);
  return points;
}

/**
 * The last `windowMs` of a tag for a sparkline: its history up to the moment the component
 * mounted (fetched once, batched with the other sparklines that mount with it), then the live
 * points the shared stream records from then on, taken at most every `everyMs` (default 2 s).
 * Returns null until the history is loaded (the sparkline keeps its box meanwhile).
 */
export function useTrend(tag: string, windowMs: number, everyMs = liveEveryMs): TrendPoint[] | null {
  const [past, setPast] = useState<TrendPoint[] | null>(null);
  useEffect(() => {
    let live = true;
    trackTrend(tag);
    const to = serverNow();
    setPast(null);
    void loadHistory(tag, to - windowMs, to).then((points) => {
      if (live) setPast(points);
    });
    return () => {
      live = false;
    };
  }, [tag, windowMs]);
  const live = useThrottledLiveTrend(tag, everyMs);

  return useMemo(() => {
    if (!past) return null;
    const firstLive = live.length > 0 ? live[0]!.ts : Infinity;
    const merged = past.filter((p) => p.ts < firstLive).concat(live);
    const newest = merged.length > 0 ? merged[merged.length - 1]!.ts : 0;
    const from = newest - windowMs;
    let cut = 0;
    while (cut < merged.length && merged[cut]!.ts < from) cut++;
    return cut > 0 ? merged.slice(cut) : merged;
  }, [past, live, windowMs]);
}
