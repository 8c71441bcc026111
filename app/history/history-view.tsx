'use client';

import Link from 'next/link';
import { useCallback, useEffect, useMemo, useState } from 'react';
import useSWR from 'swr';
import { apiFetch } from '../../lib/client/api-fetch.ts';
import { serverNow } from '../../lib/client/clock.ts';
import { formatValue } from '../../lib/client/format.ts';
import { MAX_TREND_TAGS, rangePresets, type TrendResponse } from '../../lib/history/trend.ts';
import type { LineView } from '../../lib/plant/describe.ts';
import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import type { JobInfo } from '../../lib/types.ts';
import { clampRange, describeResolution, historySearch, pan, queryWidth, resolveRange, zoomAt, type RangeChoice } from './range.ts';
import { pens, TrendChart, type AlarmMarker, type SeriesMeta } from './trend-chart.tsx';

interface Props {
  initialLines: LineView[] | undefined;
  initialTags: string[];
  initialChoice: RangeChoice;
  canExport: boolean;
}

/** A preset range follows the present: re-queried this often, ms. */
const FOLLOW_MS = 30_000;

const button =
  'inline-flex min-h-11 min-w-11 items-center justify-center gap-1 rounded-md border border-edge bg-raised px-3 text-sm font-medium hover:bg-surface disabled:cursor-not-allowed disabled:opacity-50 aria-pressed:border-2 aria-pressed:border-fg aria-pressed:bg-surface aria-pressed:font-semibold';

/** `2026-05-04 14:03` in the browser's zone. */
function formatStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Value for a `datetime-local` input, in the browser's zone. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** Trends of chosen tags over a chosen range; zoom and pan re-query at the new resolution. */
export function HistoryView({ initialLines, initialTags, initialChoice, canExport }: Props) {
  const { data: linesData } = useSWR<{ lines: LineView[] }>('/api/lines', apiFetch, {
    fallbackData: initialLines && { lines: initialLines },
    revalidateOnFocus: false,
  });
  const lines = linesData?.lines ?? [];
  const tagsById = useMemo(() => new Map(lines.flatMap((l) => l.tags.map((t) => [t.id, { ...t, line: l }] as const))), [lines]);

  const [tags, setTags] = useState<string[]>(initialTags);
  const [choice, setChoice] = useState<RangeChoice>(initialChoice);
  const [lineId, setLineId] = useState<string>(() => initialTags[0]?.split('.')[0] ?? initialLines?.[0]?.id ?? '');
  const [now, setNow] = useState<number | null>(null);
  const [cssWidth, setCssWidth] = useState(0);
  const [exportState, setExportState] = useState<{ job?: JobInfo; error?: string; busy?: boolean }>({});

  // The clock starts in the browser (server time as the stream sees it); presets follow it.
  useEffect(() => {
    setNow(serverNow());
    if (choice.kind !== 'preset') return;
    const timer = setInterval(() => setNow(serverNow()), FOLLOW_MS);
    return () => clearInterval(timer);
  }, [choice]);

  useEffect(() => {
    if (!lineId && lines[0]) setLineId(lines[0].id);
  }, [lineId, lines]);

  // The address bar reproduces the view (shareable, survives a reload).
  useEffect(() => {
    window.history.replaceState(window.history.state, '', `/history${historySearch(tags, choice)}`);
  }, [tags, choice]);

  const range = now === null ? null : resolveRange(choice, now);
  const width = cssWidth > 0 ? queryWidth(cssWidth, typeof window === 'undefined' ? 1 : window.devicePixelRatio) : 0;
  const key =
    range && width > 0 && tags.length > 0
      ? `/api/history?tags=${tags.map(encodeURIComponent).join(',')}&from=${new Date(range.from).toISOString()}&to=${new Date(range.to).toISOString()}&width=${width}`
      : null;
  const trend = useSWR<TrendResponse>(key, apiFetch, { keepPreviousData: true, revalidateOnFocus: false, revalidateIfStale: false });
  const shown = trend.data;
  const alarms = useAlarmEvents(tags, range);

  const series: SeriesMeta[] = tags.map((id) => {
    const t = tagsById.get(id);
    return { tag: id, label: t ? `${t.label}` : id, unit: t?.unit ?? '', decimals: t?.decimals ?? 1, type: t?.type ?? 'float32' };
  });

  const setRange = useCallback((from: number, to: number) => {
    const r = clampRange(from, to, serverNow() + 60_000);
    setChoice({ kind: 'custom', from: r.from, to: r.to });
  }, []);
  const onWidth = useCallback((w: number) => setCssWidth((old) => (Math.abs(old - w) >= 25 || old === 0 ? w : old)), []);

  const toggleTag = (id: string) => setTags((old) => (old.includes(id) ? old.filter((t) => t !== id) : old.length >= MAX_TREND_TAGS ? old : [...old, id]));
  const line = lines.find((l) => l.id === lineId);
  const chartState = !key
    ? 'empty'
    : trend.error
      ? 'error'
      : !shown || trend.isLoading
        ? 'loading'
        : shown.series.every((s) => s.t.length === 0)
          ? 'empty'
          : 'ready';

  async function startExport() {
    if (!range) return;
    setExportState({ busy: true });
    try {
      const { job } = await apiFetch<{ job: JobInfo }>('/api/jobs', {
        method: 'POST',
        body: JSON.stringify({ tags, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() }),
      });
      setExportState({ job });
    } catch (error) {
      setExportState({ error: (error as Error).message });
    }
  }

  return (
    <div className="grid gap-4">
      <section aria-labelledby="trend-title" className="rounded-lg border border-edge bg-surface p-3 sm:p-4">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="trend-title" className="text-lg font-semibold">
            Trend
          </h2>
          {range ? (
            <p className="text-sm tabular-nums text-muted" data-testid="range">
              {formatStamp(range.from)} – {formatStamp(range.to)}
            </p>
          ) : null}
        </div>

        {/* biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form section */}
        <div className="mt-2 flex flex-wrap gap-2" role="group" aria-label="Range">
          {rangePresets.map((p) => (
            <button
              key={p.id}
              type="button"
              className={button}
              aria-pressed={choice.kind === 'preset' && choice.preset === p.id}
              onClick={() => setChoice({ kind: 'preset', preset: p.id })}
            >
              {p.label}
            </button>
          ))}
        </div>
        {range ? <CustomRange from={range.from} to={range.to} onApply={setRange} /> : null}

        {/* biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a form section */}
        <div className="mt-3 flex flex-wrap gap-2" role="group" aria-label="Zoom and pan">
          <button type="button" className={button} disabled={!range} onClick={() => range && setRange(...spread(pan(range.from, range.to, -0.5)))}>
            ◀ Earlier
          </button>
          <button type="button" className={button} disabled={!range} onClick={() => range && setRange(...spread(zoomAt(range.from, range.to, 0.5)))}>
            Zoom in
          </button>
          <button type="button" className={button} disabled={!range} onClick={() => range && setRange(...spread(zoomAt(range.from, range.to, 2)))}>
            Zoom out
          </button>
          <button type="button" className={button} disabled={!range} onClick={() => range && setRange(...spread(pan(range.from, range.to, 0.5)))}>
            Later ▶
          </button>
        </div>

        <figure className="mt-3" aria-labelledby="trend-caption">
          {tags.length === 0 ? (
            <p className="grid min-h-40 place-items-center rounded-md border border-dashed border-edge text-muted">Choose one or more tags above.</p>
          ) : (
            <TrendChart
              series={series}
              data={shown}
              from={range?.from ?? 0}
              to={range?.to ?? 1}
              onRange={setRange}
              onWidth={onWidth}
              latest={serverNow() + 60_000}
              state={chartState}
              markers={alarms.markers}
            />
          )}
          <figcaption id="trend-caption" className="mt-2 text-sm">
            <TrendStatus state={chartState} data={shown} error={trend.error as Error | undefined} validating={trend.isValidating} />
            <span className="block text-muted">
              Drag across the chart to zoom (mouse), pinch or swipe sideways (touch), Ctrl + wheel to zoom. Gaps are periods of bad or stale quality.
            </span>
          </figcaption>
        </figure>

        {series.length > 0 ? <Legend series={series} data={shown} /> : null}
        {alarms.entries.length > 0 ? <AlarmEvents entries={alarms.entries} truncated={alarms.truncated} /> : null}

        {canExport && tags.length > 0 ? (
          <div className="mt-3 flex flex-wrap items-center gap-3">
            <button type="button" className={button} onClick={startExport} disabled={exportState.busy || !range}>
              Export CSV of this range
            </button>
            <p aria-live="polite" className="text-sm">
              {exportState.job ? (
                <>
                  Export started (job {exportState.job.id}).{' '}
                  <Link href="/jobs" className="underline underline-offset-4">
                    Follow it on the jobs page
                  </Link>
                </>
              ) : exportState.error ? (
                <span role="alert" className="text-diag">
                  Export refused: {exportState.error}
                </span>
              ) : null}
            </p>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="pick-tags" className="rounded-lg border border-edge bg-surface p-3 sm:p-4">
        <h2 id="pick-tags" className="text-lg font-semibold">
          Tags
        </h2>
        <div className="mt-2 flex flex-wrap items-end gap-3">
          <label className="grid gap-1 text-sm font-medium">
            Line
            <select value={lineId} onChange={(e) => setLineId(e.target.value)} className="min-h-11 rounded-md border border-edge bg-raised px-2 text-base">
              {lines.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          <p className="text-sm text-muted">
            {tags.length} of at most {MAX_TREND_TAGS} chosen
          </p>
        </div>
        <ul className="mt-3 flex flex-wrap gap-2" aria-label={`Tags of ${line?.name ?? 'the line'}`}>
          {line?.tags.map((t) => (
            <li key={t.id}>
              <button
                type="button"
                className={button}
                aria-pressed={tags.includes(t.id)}
                disabled={!tags.includes(t.id) && tags.length >= MAX_TREND_TAGS}
                onClick={() => toggleTag(t.id)}
                data-tag={t.id}
              >
                {t.label}
                {t.unit ? <span className="text-muted">({t.unit})</span> : null}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

const spread = (r: { from: number; to: number }): [number, number] => [r.from, r.to];

type JournalPage = { entries: AlarmJournalEntry[]; nextBefore: number | null };
const markerTransitions = ['raised', 'cleared'] as const;
const markerLimit = 500;

/**
 * Alarm raises and clears of the shown tags in the range, from the alarm journal (newest
 * first). Asked per tag and transition, so acknowledgements and shelving never crowd raises
 * out of the page; `truncated` says the range holds more than one page of them.
 */
function useAlarmEvents(
  tags: string[],
  range: { from: number; to: number } | null,
): { entries: AlarmJournalEntry[]; markers: AlarmMarker[]; truncated: boolean } {
  // The journal filters by tag text; exact matches are kept below.
  const keys = range
    ? tags.flatMap((t) =>
        markerTransitions.map(
          (tr) =>
            `/api/alarms/journal?tag=${encodeURIComponent(t)}&transition=${tr}&from=${new Date(range.from).toISOString()}&to=${new Date(range.to).toISOString()}&limit=${markerLimit}`,
        ),
      )
    : [];
  const { data } = useSWR<JournalPage[]>(keys.length > 0 ? keys : null, (urls: string[]) => Promise.all(urls.map((u) => apiFetch<JournalPage>(u))), {
    keepPreviousData: true,
    revalidateOnFocus: false,
    // Alarm markers are extra: a refused or missing journal leaves the trend as it is.
    shouldRetryOnError: false,
  });
  return useMemo(() => {
    const wanted = new Set(tags);
    const entries = (data ?? [])
      .flatMap((d) => d.entries)
      .filter((e, i, all) => e.tag !== null && wanted.has(e.tag) && all.findIndex((x) => x.seq === e.seq) === i)
      .sort((a, b) => b.ts - a.ts);
    const truncated = (data ?? []).some((d) => d.nextBefore !== null);
    return { entries, truncated, markers: entries.map((e) => ({ ts: e.ts, kind: e.transition === 'raised' ? 'raised' : 'cleared' })) };
  }, [data, tags]);
}

function AlarmEvents({ entries, truncated }: { entries: AlarmJournalEntry[]; truncated: boolean }) {
  const shown = entries.slice(0, 20);
  return (
    <details className="mt-3">
      <summary className="inline-flex min-h-11 cursor-pointer items-center text-sm font-medium">
        Alarm events in this range ({entries.length}) — ▼ raised, ○ cleared on the chart
      </summary>
      <ul className="mt-1 grid gap-1 text-sm" aria-label="Alarm events">
        {shown.map((e) => (
          <li key={e.seq} className="tabular-nums">
            {formatStamp(e.ts)} · {e.transition === 'raised' ? '▼ raised' : '○ cleared'} · {e.label}: {e.message}
            {e.value !== null ? ` (${e.value})` : ''}
          </li>
        ))}
      </ul>
      {entries.length > shown.length ? <p className="text-sm text-muted">… and {entries.length - shown.length} more in the alarm journal.</p> : null}
      {truncated ? <p className="text-sm text-muted">Only the newest {markerLimit} raises and clears per tag are marked; zoom in to see older ones.</p> : null}
    </details>
  );
}

function CustomRange({ from, to, onApply }: { from: number; to: number; onApply(from: number, to: number): void }) {
  const [draft, setDraft] = useState({ from: '', to: '' });
  useEffect(() => setDraft({ from: toLocalInput(from), to: toLocalInput(to) }), [from, to]);
  const f = Date.parse(draft.from);
  const t = Date.parse(draft.to);
  const valid = Number.isFinite(f) && Number.isFinite(t) && t > f;
  return (
    <form
      className="mt-3 flex flex-wrap items-end gap-3"
      aria-label="Custom range"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) onApply(f, t);
      }}
    >
      <label className="grid gap-1 text-sm font-medium">
        From
        <input
          type="datetime-local"
          value={draft.from}
          onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          className="min-h-11 rounded-md border border-edge bg-raised px-2 text-base"
        />
      </label>
      <label className="grid gap-1 text-sm font-medium">
        To
        <input
          type="datetime-local"
          value={draft.to}
          onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          className="min-h-11 rounded-md border border-edge bg-raised px-2 text-base"
        />
      </label>
      <button type="submit" className={button} disabled={!valid}>
        Show range
      </button>
    </form>
  );
}

function TrendStatus({ state, data, error, validating }: { state: string; data: TrendResponse | undefined; error: Error | undefined; validating: boolean }) {
  if (state === 'error') {
    return (
      <span role="alert" className="block font-semibold text-diag">
        Could not load the trend: {error?.message}
      </span>
    );
  }
  if (!data) return <span className="block">{state === 'empty' ? 'Nothing to show yet.' : 'Loading…'}</span>;
  const points = data.series.reduce((n, s) => n + s.t.length, 0);
  return (
    <span className="block" aria-live="polite" data-testid="trend-status">
      {state === 'empty' ? 'No data in this range. ' : ''}
      {points} points from {describeResolution(data.resolution)}, computed in {Math.round(data.tookMs)} ms
      {validating ? ' · updating…' : ''}
    </span>
  );
}

/** Each series: its pen (same dash as on the chart), name, unit and the range's min / max / last. */
function Legend({ series, data }: { series: SeriesMeta[]; data: TrendResponse | undefined }) {
  return (
    <ul className="mt-3 grid gap-2 sm:grid-cols-2" aria-label="Series">
      {series.map((s, i) => {
        const pen = pens[i % pens.length]!;
        const got = data?.series.find((x) => x.tag === s.tag);
        const values = got?.v.filter((v): v is number => v !== null) ?? [];
        const last = got ? [...got.v].reverse().find((v) => v !== null) : undefined;
        const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${formatValue(v, s.decimals, s.type)} ${s.unit}`);
        return (
          <li key={s.tag} className="flex items-start gap-2 text-sm" data-series={s.tag}>
            <svg viewBox="0 0 32 8" className="mt-1.5 h-2 w-8 shrink-0" aria-hidden="true">
              <line
                x1="0"
                y1="4"
                x2="32"
                y2="4"
                strokeWidth={pen.width}
                strokeDasharray={pen.dash.join(' ')}
                className={pen.tone === 'fg' ? 'stroke-fg' : 'stroke-muted'}
              />
            </svg>
            <span>
              <span className="font-medium">{s.label}</span>
              <span className="text-muted"> · {s.tag}</span>
              <span className="block tabular-nums text-muted">
                min {fmt(values.length ? Math.min(...values) : null)} · max {fmt(values.length ? Math.max(...values) : null)} · last {fmt(last)}
              </span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}
