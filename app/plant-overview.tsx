'use client';

import Link from 'next/link';
import { memo, Suspense, useEffect, useState } from 'react';
import { apiFetch } from '../lib/client/api-fetch.ts';
import { formatValue } from '../lib/client/format.ts';
import { useLastGoodAt, useLinePartial, useLineState, useLineStatus } from '../lib/client/live-store.ts';
import { useTrend } from '../lib/client/use-trend.ts';
import type { LineView, TagView } from '../lib/plant/describe.ts';
import { Freshness } from './_components/age.tsx';
import { LineAlarmSummary, TagAlarmMark } from './alarms/alarm-marks.tsx';
import { Sparkline } from './_components/sparkline.tsx';
import { LiveTagValue } from './_components/live-tag-value.tsx';
import { LineStateBadge } from './_components/status-badge.tsx';
import { Icon } from './_components/glyph.tsx';

const trendWindowMs = 5 * 60_000;

/**
 * Every line as a card: state, key values with a 5-minute sparkline, data freshness.
 *
 * Rendering cost is kept per part: a value ticking is written into the DOM without a render
 * (LiveTagValue), a sparkline takes new points every few seconds (useTrend), the freshness
 * line re-renders with its line's samples; a card re-renders only when the line's state does.
 */
export function PlantOverview({ initialLines }: { initialLines: LineView[] | undefined }) {
  // The server renders the lines (again on a new plant version: `router.refresh()`, see
  // PlantUpdates); fetched here only when it could not (runtime still starting).
  const [fetched, setFetched] = useState<LineView[]>();
  const lines = initialLines ?? fetched;
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    if (initialLines) return;
    let live = true;
    apiFetch<{ lines: LineView[] }>('/api/lines').then(
      (d) => live && setFetched(d.lines),
      (e: Error) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [initialLines]);
  if (!lines) {
    return error ? <p role="alert">Could not load the lines: {error.message}</p> : <p className="text-muted">Loading lines…</p>;
  }
  return (
    <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-label="Lines">
      {lines.map((line) => (
        <li key={line.id}>
          {/* A boundary per card: React hydrates each one in its own short task, after the
              page's shell, instead of the whole overview in one long task. */}
          <Suspense>
            <LineCard line={line} />
          </Suspense>
        </li>
      ))}
    </ul>
  );
}

function newestGood(line: LineView): number | undefined {
  let newest: number | undefined;
  for (const t of line.tags) if (t.current?.quality === 'good' && t.current.ts > (newest ?? 0)) newest = t.current.ts;
  return newest;
}

const LineCard = memo(function LineCard({ line }: { line: LineView }) {
  const state = useLineState(line.id) ?? line.state;
  const partial = useLinePartial(line.id) ?? (line.partial && `${line.partial.lost}/${line.partial.of}`);
  const byId = new Map(line.tags.map((t) => [t.id, t]));
  const keyTags = line.keyTags.map((id) => byId.get(id)).filter((t): t is TagView => t !== undefined);
  const headingId = `line-${line.id}-name`;
  return (
    <article
      aria-labelledby={headingId}
      data-line={line.id}
      className="relative h-full rounded-lg border border-edge bg-surface p-3 focus-within:outline-3 focus-within:outline-focus sm:p-4"
    >
      <div className="flex items-start justify-between gap-2">
        <h2 id={headingId} className="text-xl font-semibold">
          <Link href={`/lines/${line.id}`} prefetch={false} className="outline-none after:absolute after:inset-0 after:rounded-lg after:content-['']">
            {line.name}
          </Link>
        </h2>
        <LineStateBadge state={state} />
      </div>
      {line.description && <p className="mt-0.5 text-sm text-muted">{line.description}</p>}
      {partial && <PartialLoss partial={partial} />}
      {/* Alarms of the line (issue 4): renders nothing when there are none. */}
      <LineAlarmSummary line={line.id} />
      <dl className="mt-2 divide-y divide-edge-soft">
        {keyTags.map((tag) => (
          <KeyValue key={tag.id} tag={tag} />
        ))}
      </dl>
      <p className="mt-2 flex flex-wrap items-center gap-x-1 text-sm text-muted">
        <LineFreshness line={line} state={state} />
      </p>
    </article>
  );
});

/** Some PLCs of a running line lost: said in words with the fault glyph, not only by colour. */
function PartialLoss({ partial }: { partial: string }) {
  const [lost, of] = partial.split('/');
  return (
    <p
      className="mt-1 inline-flex min-h-7 items-center gap-1.5 rounded border-2 border-diag bg-diag-bg px-2 text-sm font-semibold text-diag"
      data-partial={partial}
    >
      <Icon name="fault" />
      {lost} of {of} PLCs lost
    </p>
  );
}

/** Re-renders with every sample batch of its line: kept small. */
function LineFreshness({ line, state }: { line: LineView; state: LineView['state'] }) {
  const status = useLineStatus(line.id);
  const lastGood = useLastGoodAt(line.id) ?? newestGood(line);
  const since = lastGood ?? status?.lastSampleAt ?? line.lastSampleAt;
  return <Freshness state={state} lastGood={lastGood} since={since} />;
}

const KeyValue = memo(function KeyValue({ tag }: { tag: TagView }) {
  return (
    <div className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 py-1.5" data-tag={tag.id}>
      <dt className="col-span-2 truncate text-sm text-muted">{tag.label}</dt>
      <dd className="flex min-w-0 flex-wrap items-baseline gap-x-2">
        <LiveTagValue tag={tag} size="lg" />
        <TagAlarmMark tag={tag.id} />
      </dd>
      <dd>
        <KeyTrend tag={tag} />
      </dd>
    </div>
  );
});

function KeyTrend({ tag }: { tag: TagView }) {
  const trend = useTrend(tag.id, trendWindowMs);
  const format = (v: number) => `${formatValue(v, tag.decimals, tag.type)} ${tag.unit}`.trim();
  return <Sparkline points={trend} windowMs={trendWindowMs} label={`${tag.label}, last 5 minutes`} format={format} />;
}
