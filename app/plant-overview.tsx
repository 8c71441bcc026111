'use client';

import Link from 'next/link';
import useSWR from 'swr';
import { apiFetch } from '../lib/client/api-fetch.ts';
import { formatValue } from '../lib/client/format.ts';
import { useLastGoodAt, useLineStatus, useSample } from '../lib/client/live-store.ts';
import { useTrend } from '../lib/client/use-trend.ts';
import type { LineView, TagView } from '../lib/plant/describe.ts';
import { Freshness } from './_components/age.tsx';
import { LineAlarmSummary, TagAlarmMark } from './alarms/alarm-marks.tsx';
import { Sparkline } from './_components/sparkline.tsx';
import { LineStateBadge, QualityBadge } from './_components/status-badge.tsx';
import { TagValue } from './_components/tag-value.tsx';

const trendWindowMs = 5 * 60_000;

/** Every line as a card: state, key values with a 5-minute sparkline, data freshness. */
export function PlantOverview({ initialLines }: { initialLines: LineView[] | undefined }) {
  const { data, error } = useSWR<{ lines: LineView[] }>('/api/lines', apiFetch, {
    fallbackData: initialLines && { lines: initialLines },
  });
  if (!data) {
    return error ? <p role="alert">Could not load the lines: {(error as Error).message}</p> : <p className="text-muted">Loading lines…</p>;
  }
  return (
    <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-label="Lines">
      {data.lines.map((line) => (
        <li key={line.id}>
          <LineCard line={line} />
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

function LineCard({ line }: { line: LineView }) {
  const status = useLineStatus(line.id);
  const lastGood = useLastGoodAt(line.id) ?? newestGood(line);
  const state = status?.state ?? line.state;
  const since = lastGood ?? status?.lastSampleAt ?? line.lastSampleAt;
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
          <Link href={`/lines/${line.id}`} className="outline-none after:absolute after:inset-0 after:rounded-lg after:content-['']">
            {line.name}
          </Link>
        </h2>
        <LineStateBadge state={state} />
      </div>
      {line.description && <p className="mt-0.5 text-sm text-muted">{line.description}</p>}
      {/* Alarms of the line (issue 4): renders nothing when there are none. */}
      <LineAlarmSummary line={line.id} />
      <dl className="mt-2 divide-y divide-edge-soft">
        {keyTags.map((tag) => (
          <KeyValue key={tag.id} tag={tag} />
        ))}
      </dl>
      <p className="mt-2 flex flex-wrap items-center gap-x-1 text-sm text-muted">
        <Freshness state={state} lastGood={lastGood} since={since} />
      </p>
    </article>
  );
}

function KeyValue({ tag }: { tag: TagView }) {
  const sample = useSample(tag.id) ?? tag.current ?? undefined;
  const trend = useTrend(tag.id, trendWindowMs);
  const format = (v: number) => `${formatValue(v, tag.decimals, tag.type)} ${tag.unit}`.trim();
  return (
    <div className="grid grid-cols-[minmax(0,1fr)_auto] items-center gap-x-3 py-1.5" data-tag={tag.id}>
      <dt className="col-span-2 truncate text-sm text-muted">{tag.label}</dt>
      <dd className="flex min-w-0 flex-wrap items-baseline gap-x-2">
        <TagValue sample={sample} decimals={tag.decimals} unit={tag.unit} type={tag.type} size="lg" />
        {sample && sample.quality !== 'good' ? <QualityBadge sample={sample} compact /> : null}
        <TagAlarmMark tag={tag.id} />
      </dd>
      <dd>
        <Sparkline points={trend} windowMs={trendWindowMs} label={`${tag.label}, last 5 minutes`} format={format} />
      </dd>
    </div>
  );
}
