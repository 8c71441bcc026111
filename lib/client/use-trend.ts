import { useEffect, useMemo, useState } from 'react';
import useSWR from 'swr';
import { apiFetch } from './api-fetch.ts';
import { serverNow } from './clock.ts';
import { trackTrend, useLiveTrend, type TrendPoint } from './live-store.ts';

interface HistoryResponse {
  points: TrendPoint[];
}

/**
 * The last `windowMs` of a tag for a sparkline: raw history up to the moment the component
 * mounted (SWR, fetched once), then the live points the shared stream records from then on.
 * Returns null until the history is loaded (the sparkline keeps its box meanwhile).
 */
export function useTrend(tag: string, windowMs: number): TrendPoint[] | null {
  // The history window is fixed at mount; later points come from the stream.
  const [range, setRange] = useState<{ from: number; to: number } | null>(null);
  useEffect(() => {
    trackTrend(tag);
    const to = serverNow();
    setRange({ from: to - windowMs, to });
  }, [tag, windowMs]);

  const key = range && `/api/history?tag=${encodeURIComponent(tag)}&from=${new Date(range.from).toISOString()}&to=${new Date(range.to).toISOString()}`;
  const history = useSWR<HistoryResponse>(key, apiFetch, { revalidateOnFocus: false, revalidateIfStale: false, revalidateOnReconnect: false });
  const live = useLiveTrend(tag);

  return useMemo(() => {
    if (!history.data && !history.error) return null;
    const past = history.data?.points ?? [];
    const firstLive = live.length > 0 ? live[0]!.ts : Infinity;
    const merged = past.filter((p) => p.ts < firstLive).concat(live);
    const newest = merged.length > 0 ? merged[merged.length - 1]!.ts : 0;
    const from = newest - windowMs;
    let cut = 0;
    while (cut < merged.length && merged[cut]!.ts < from) cut++;
    return cut > 0 ? merged.slice(cut) : merged;
  }, [history.data, history.error, live, windowMs]);
}
