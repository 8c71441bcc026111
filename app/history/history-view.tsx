'use client';

import Link from 'next/link';
import { memo, startTransition, useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState } from 'react';
import useSWR from 'swr';
import type { AlarmJournalEntry } from '../../lib/alarms/alarm-types.ts';
import { apiFetch } from '../../lib/client/api-fetch.ts';
import { serverNow } from '../../lib/client/clock.ts';
import { formatValue } from '../../lib/client/format.ts';
import { liveTrend, trackTrend, useSample } from '../../lib/client/live-store.ts';
import { MAX_TREND_TAGS, rangePresets, type TrendResponse } from '../../lib/history/trend.ts';
import type { LineView, TagView } from '../../lib/plant/describe.ts';
import type { JobInfo } from '../../lib/types.ts';
import { DateSpan, DateTime } from '../_components/date-time.tsx';
import { followsLive, withLivePoints } from './follow.ts';
import { clampRange, describeResolution, historySearch, isPresetId, pan, presetMs, queryWidth, resolveRange, zoomAt, type RangeChoice } from './range.ts';
import { SavedViews } from './saved-views-panel.tsx';
import { isDarkTheme, latestRangeEnd, PenSwatch, TrendChart, type AlarmMarker, type LimitLine, type SeriesMeta } from './trend-chart.tsx';

interface Props {
  initialLines: LineView[] | undefined;
  initialTags: string[];
  initialChoice: RangeChoice;
  canExport: boolean;
}

/** A preset range is re-queried this often, ms; in between, a followed one takes the live points. */
const FOLLOW_MS = 30_000;
/** A followed range moves its right edge this often, ms. */
const TICK_MS = 1000;

const button =
  'inline-flex min-h-11 min-w-11 items-center justify-center gap-1 rounded-md border border-edge bg-raised px-3 text-sm font-medium hover:bg-surface disabled:cursor-not-allowed disabled:opacity-50 aria-pressed:border-2 aria-pressed:border-fg aria-pressed:bg-surface aria-pressed:font-semibold';

/** Value for a `datetime-local` input, in the browser's zone. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/*
 * State this page sets by itself on arrival and while it follows (effects, timers, the chart's
 * size) rather than on the user's input goes in a transition: React renders it in slices that
 * yield to input. Set plainly, it renders in one task without yielding, and on arrival those
 * updates (clock, query time, chart width, saved views, theme, custom range) all landed in the
 * task running the hydration's effects: its main-thread CPU fell from ~20 to ~11.5 ms. A theme
 * the user switches stays urgent: the legend turns with the chart.
 */

/** Server time every `TICK_MS` while `enabled` (a followed range); null otherwise. */
function useFollowClock(enabled: boolean): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const tick = () => startTransition(() => setNow(Math.round(serverNow())));
    tick();
    const timer = setInterval(tick, TICK_MS);
    return () => clearInterval(timer);
  }, [enabled]);
  return enabled ? now : null;
}

/** Outermost first, as the legend reads them. */
const limitKinds = ['hihi', 'hi', 'lo', 'lolo'] as const;

/**
 * The alarm limits of the shown tags, from the plant's alarm definitions as the lines carry
 * them: there with the first render (no request, no legend growing under the reader's eyes)
 * and current with each plant version (the lines are refetched then).
 */
function limitsOf(tags: string[], tagsById: ReadonlyMap<string, TagView>): LimitLine[] {
  return tags.flatMap((tag, series) => {
    const limits = tagsById.get(tag)?.limits ?? {};
    return limitKinds.flatMap((kind) => (limits[kind] === undefined ? [] : [{ series, kind, value: limits[kind] }]));
  });
}

/** Trends of chosen tags over a chosen range; zoom and pan re-query at the new resolution; "Last hour" and "This shift" follow the live data. */
export function HistoryView({ initialLines, initialTags, initialChoice, canExport }: Props) {
  const { data: linesData } = useSWR<{ lines: LineView[] }>('/api/lines', apiFetch, {
    fallbackData: initialLines && { lines: initialLines },
    // The server's lines are current (a new plant version refetches them: plant-updates.ts).
    revalidateOnMount: !initialLines,
    revalidateOnFocus: false,
  });
  const lines = linesData?.lines ?? [];
  const tagsById = useMemo(() => new Map(lines.flatMap((l) => l.tags.map((t) => [t.id, { ...t, line: l }] as const))), [lines]);
  const controlsId = useId();

  const [tags, setTags] = useState<string[]>(initialTags);
  const [choice, setChoice] = useState<RangeChoice>(initialChoice);
  const [lineId, setLineId] = useState<string>(() => initialTags[0]?.split('.')[0] ?? initialLines?.[0]?.id ?? '');
  const [queryNow, setQueryNow] = useState<number | null>(null);
  const [cssWidth, setCssWidth] = useState(0);
  const [exportState, setExportState] = useState<{ job?: JobInfo; error?: string; busy?: boolean }>({});
  const [controlsOpen, setControlsOpen] = useState(false);
  const follow = followsLive(choice);
  const followNow = useFollowClock(follow);

  // The clock starts in the browser (server time as the stream sees it); presets are re-queried with it.
  useEffect(() => {
    startTransition(() => setQueryNow(serverNow()));
    if (choice.kind !== 'preset') return;
    const timer = setInterval(() => startTransition(() => setQueryNow(serverNow())), FOLLOW_MS);
    return () => clearInterval(timer);
  }, [choice]);

  // A followed range records the stream's points of its tags, drawn until the next query.
  useEffect(() => {
    if (follow) for (const t of tags) trackTrend(t);
  }, [follow, tags]);

  useEffect(() => {
    if (!lineId && lines[0]) setLineId(lines[0].id);
  }, [lineId, lines]);

  // The address bar reproduces the view (shareable, survives a reload). Left alone where it
  // already does, and on arrival at a bare /history (it opens this same default view): each
  // replaceState makes Next's router re-render the whole page, which on arrival landed in
  // the commit of the page's hydration, its longest task.
  const search = historySearch(tags, choice);
  const arriving = useRef(true);
  useEffect(() => {
    const bare = arriving.current && window.location.search === '';
    arriving.current = false;
    if (bare || window.location.search === search) return;
    window.history.replaceState(window.history.state, '', `/history${search}`);
  }, [search]);

  const queried = queryNow === null ? null : resolveRange(choice, queryNow);
  // Followed: the right edge is now, moving every second; the query behind it every 30 s.
  const range = follow && followNow !== null && choice.kind === 'preset' ? { from: followNow - presetMs(choice.preset), to: followNow } : queried;
  const width = cssWidth > 0 ? queryWidth(cssWidth, typeof window === 'undefined' ? 1 : window.devicePixelRatio) : 0;
  const key =
    queried && width > 0 && tags.length > 0
      ? `/api/history?tags=${tags.map(encodeURIComponent).join(',')}&from=${new Date(queried.from).toISOString()}&to=${new Date(queried.to).toISOString()}&width=${width}`
      : null;
  const trend = useSWR<TrendResponse>(key, apiFetch, { keepPreviousData: true, revalidateOnFocus: false, revalidateIfStale: false });
  // An answer arrives through SWR's store, which re-renders the page at once and without
  // yielding; the chart, legend and markers take it in a deferred (yielding) render after.
  const trendData = useDeferredValue(trend.data);
  const shown = useMemo(
    () => (follow && trendData && followNow !== null ? withLivePoints(trendData, liveTrend, followNow) : trendData),
    // followNow: new live points are taken once a tick, not per sample.
    [follow, trendData, followNow],
  );
  // Markers are extra: asked once the trend is there, not in the same breath as the chart's first draw.
  const alarms = useAlarmEvents(tags, trendData ? queried : null);
  const limits = useMemo(() => limitsOf(tags, tagsById), [tags, tagsById]);

  const series = useMemo(
    () =>
      tags.map((id): SeriesMeta => {
        const t = tagsById.get(id);
        return { tag: id, label: t ? `${t.label}` : id, unit: t?.unit ?? '', decimals: t?.decimals ?? 1, type: t?.type ?? 'float32' };
      }),
    [tags, tagsById],
  );

  const setRange = useCallback((from: number, to: number) => {
    const r = clampRange(from, to, latestRangeEnd());
    setChoice({ kind: 'custom', from: r.from, to: r.to });
  }, []);
  const onWidth = useCallback((w: number) => startTransition(() => setCssWidth((old) => (Math.abs(old - w) >= 25 || old === 0 ? w : old))), []);

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

  const presetValue = choice.kind === 'preset' ? choice.preset : 'custom';
  return (
    <div className="grid gap-4">
      <section aria-labelledby="trend-title" className="rounded-lg border border-edge bg-surface p-3 sm:p-4">
        <h2 id="trend-title" className="sr-only">
          Trend
        </h2>
        <div className="flex flex-wrap items-center gap-2">
          {/* A phone: one drop-down for the range, and the custom range and zoom behind one button
              (on the next line where the drop-down would not show its longest choice). */}
          <label className="flex min-w-52 flex-1 items-center gap-2 text-sm font-medium sm:hidden">
            Range
            <select
              value={presetValue}
              onChange={(e) => {
                const v = e.target.value;
                if (isPresetId(v)) setChoice({ kind: 'preset', preset: v });
                else setControlsOpen(true);
              }}
              className="min-h-11 min-w-0 flex-1 rounded-md border border-edge bg-raised px-2 text-base"
            >
              {rangePresets.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
              <option value="custom">Custom…</option>
            </select>
          </label>
          <button
            type="button"
            className={`${button} sm:hidden`}
            aria-expanded={controlsOpen}
            aria-controls={controlsId}
            onClick={() => setControlsOpen((o) => !o)}
          >
            Zoom, dates {controlsOpen ? '▴' : '▾'}
          </button>
          {/* biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form section */}
          <div className="hidden flex-wrap gap-2 sm:flex" role="group" aria-label="Range">
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
        </div>
        {/* On phones the indicator has a line of its own: it does not jump down when the dates
            (a placeholder until the locale's layouts are known) grow to their full width. */}
        <p className="mt-1 flex flex-col gap-x-2 text-sm tabular-nums text-muted sm:flex-row sm:flex-wrap sm:items-center" data-testid="range">
          {range ? <DateSpan from={range.from} to={range.to} /> : <span>—</span>}
          {follow ? (
            <span className="inline-flex items-center gap-1 font-medium text-fg" data-testid="follow">
              <span aria-hidden="true">●</span> following live
            </span>
          ) : null}
        </p>

        <div id={controlsId} className={controlsOpen ? 'block' : 'hidden sm:block'}>
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
        </div>

        <figure className="mt-2 grid gap-x-4 gap-y-2 lg:grid-cols-[minmax(0,1fr)_15rem]" aria-labelledby="trend-caption">
          {series.length > 0 ? <Legend series={series} data={shown} limits={limits} /> : null}
          <div className="min-w-0 lg:col-start-1 lg:row-start-1">
            {tags.length === 0 ? (
              <p className="grid min-h-40 place-items-center rounded-md border border-dashed border-edge text-muted">Choose one or more tags below.</p>
            ) : (
              <TrendChart
                series={series}
                data={shown}
                from={range?.from ?? 0}
                to={range?.to ?? 1}
                onRange={setRange}
                onWidth={onWidth}
                state={chartState}
                markers={alarms.markers}
                limits={limits}
              />
            )}
            <figcaption id="trend-caption" className="mt-2 text-sm">
              {/* Two lines kept on phones: "Loading…" becomes a two-line summary there, and the
                  text below must not move down under the reader's eyes. */}
              <div className="min-h-10 sm:min-h-5">
                <TrendStatus state={chartState} data={shown} error={trend.error as Error | undefined} validating={trend.isValidating} />
              </div>
              <span className="block text-muted">
                Drag across the chart to zoom (mouse), pinch or swipe sideways (touch), Ctrl + wheel to zoom. Gaps are periods of bad or stale quality; dashed
                lines across are alarm limits.
              </span>
            </figcaption>
          </div>
        </figure>

        {/* Asked for once the trend is there: not while it cannot be read. */}
        {tags.length > 0 && !trend.error ? <AlarmEvents state={alarms.state} entries={alarms.entries} truncated={alarms.truncated} /> : null}

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

      <SavedViews
        search={search}
        canSave={tags.length > 0}
        onOpen={(next) => {
          setTags(next.tags);
          setChoice(next.choice);
          if (next.tags[0]) setLineId(next.tags[0].split('.')[0]!);
        }}
        knownTags={tagsById}
      />

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
): { state: AlarmEventsState; entries: AlarmJournalEntry[]; markers: AlarmMarker[]; truncated: boolean } {
  // The journal filters by tag text; exact matches are kept below.
  const keys = range
    ? tags.flatMap((t) =>
        markerTransitions.map(
          (tr) =>
            `/api/alarms/journal?tag=${encodeURIComponent(t)}&transition=${tr}&from=${new Date(range.from).toISOString()}&to=${new Date(range.to).toISOString()}&limit=${markerLimit}`,
        ),
      )
    : [];
  const { data, error } = useSWR<JournalPage[]>(keys.length > 0 ? keys : null, (urls: string[]) => Promise.all(urls.map((u) => apiFetch<JournalPage>(u))), {
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
    const state: AlarmEventsState = data ? 'ready' : error ? 'failed' : 'loading';
    return { state, entries, truncated, markers: entries.map((e) => ({ ts: e.ts, kind: e.transition === 'raised' ? 'raised' : 'cleared' })) };
  }, [data, error, tags]);
}

type AlarmEventsState = 'loading' | 'ready' | 'failed';

/**
 * The alarm events of the range, folded. Its line is there from the first render, whatever it
 * will say: the events arrive after the trend, and what is below must not move down then.
 */
function AlarmEvents({ state, entries, truncated }: { state: AlarmEventsState; entries: AlarmJournalEntry[]; truncated: boolean }) {
  if (state !== 'ready' || entries.length === 0) {
    const text =
      state === 'loading'
        ? 'Looking for alarm events in this range…'
        : state === 'failed'
          ? 'Could not read the alarm events of this range'
          : 'No alarm events in this range';
    return (
      <p className="mt-3 flex min-h-11 items-center text-sm text-muted" data-testid="alarm-events" data-state={state}>
        {text}
      </p>
    );
  }
  const shown = entries.slice(0, 20);
  return (
    <details className="mt-3" data-testid="alarm-events" data-state={state}>
      <summary className="inline-flex min-h-11 cursor-pointer items-center text-sm font-medium">
        Alarm events in this range ({entries.length}) — ▼ raised, ○ cleared on the chart
      </summary>
      <ul className="mt-1 grid gap-1 text-sm" aria-label="Alarm events">
        {shown.map((e) => (
          <li key={e.seq} className="tabular-nums">
            <DateTime ts={e.ts} seconds /> · {e.transition === 'raised' ? '▼ raised' : '○ cleared'} · {e.label}: {e.message}
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
  useEffect(() => startTransition(() => setDraft({ from: toLocalInput(from), to: toLocalInput(to) })), [from, to]);
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
      {points} {points === 1 ? 'point' : 'points'} from {describeResolution(data.resolution)}, computed in {Math.round(data.tookMs)} ms
      {validating ? ' · updating…' : ''}
    </span>
  );
}

/** Theme as drawn (the legend's swatches match the chart's pens), following theme changes. */
function useDarkTheme(): boolean {
  const [dark, setDark] = useState(false);
  useEffect(() => {
    startTransition(() => setDark(isDarkTheme()));
    const observer = new MutationObserver(() => setDark(isDarkTheme()));
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => observer.disconnect();
  }, []);
  return dark;
}

/**
 * Beside the chart (above it on phones and narrow tablets): each pen with its colour, dash and
 * marker, its name, current value and unit, its alarm limits, and the range's min / max.
 * Memoized like the chart: the page's other state changes leave the pens as they are.
 */
const Legend = memo(function Legend({ series, data, limits }: { series: SeriesMeta[]; data: TrendResponse | undefined; limits: LimitLine[] }) {
  const dark = useDarkTheme();
  return (
    <ul className="grid content-start gap-x-4 gap-y-1 sm:grid-cols-2 lg:col-start-2 lg:grid-cols-1 lg:gap-y-3" aria-label="Pens">
      {series.map((s, i) => (
        <LegendItem key={s.tag} index={i} meta={s} data={data} limits={limits.filter((l) => l.series === i)} dark={dark} />
      ))}
    </ul>
  );
});

function LegendItem({
  index,
  meta: s,
  data,
  limits,
  dark,
}: {
  index: number;
  meta: SeriesMeta;
  data: TrendResponse | undefined;
  limits: LimitLine[];
  dark: boolean;
}) {
  const sample = useSample(s.tag);
  const got = data?.series.find((x) => x.tag === s.tag);
  const values = got?.v.filter((v): v is number => v !== null) ?? [];
  const last = got ? [...got.v].reverse().find((v) => v !== null) : undefined;
  // The current value: live from the stream; without one, the newest in the range.
  const current = sample?.value ?? last ?? null;
  const quality = sample ? sample.quality : null;
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatValue(v, s.decimals, s.type));
  const unit = s.unit ? ` ${s.unit}` : '';
  return (
    <li className="flex min-w-0 items-start gap-2 text-sm" data-series={s.tag} data-current={current ?? ''}>
      <span className="mt-1">
        <PenSwatch index={index} dark={dark} />
      </span>
      <span className="min-w-0">
        <span className="font-medium">{s.label}</span>{' '}
        <span className="whitespace-nowrap text-base font-semibold tabular-nums" data-testid="pen-current">
          {fmt(current)}
          {unit}
        </span>
        {quality && quality !== 'good' ? <span className="ml-1 text-muted">({quality})</span> : null}
        <span className="hidden text-muted lg:block">{s.tag}</span>
        {limits.length > 0 ? (
          <span className="block tabular-nums text-muted" data-testid="pen-limits">
            limits {limits.map((l) => `${l.kind.toUpperCase()} ${fmt(l.value)}`).join(' · ')}
          </span>
        ) : null}
        <span className="hidden tabular-nums text-muted sm:block">
          range min {fmt(values.length ? Math.min(...values) : null)} · max {fmt(values.length ? Math.max(...values) : null)}
        </span>
      </span>
    </li>
  );
}
