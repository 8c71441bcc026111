'use client';

import Link from 'next/link';
import { Fragment, useState } from 'react';
import useSWR from 'swr';
import type { Role } from '../../../lib/auth/access-rules.ts';
import { apiFetch } from '../../../lib/client/api-fetch.ts';
import { useLastGoodAt, useLineStatus, useSample } from '../../../lib/client/live-store.ts';
import { mayWrite } from '../../../lib/client/tag-write.ts';
import type { LineView, TagView } from '../../../lib/plant/describe.ts';
import type { ProcessInfo } from '../../../lib/types.ts';
import { Age, Freshness } from '../../_components/age.tsx';
import { Icon } from '../../_components/glyph.tsx';
import { LineStateBadge, QualityBadge } from '../../_components/status-badge.tsx';
import { TagValue } from '../../_components/tag-value.tsx';
import { trendHref } from '../../history/range.ts';
import { LineAlarmSummary, TagAlarmMark } from '../../alarms/alarm-marks.tsx';
import { AnalogIndicator } from './analog-indicator.tsx';
import { SimulationControl } from './simulation-control.tsx';
import { WriteButton, WriteDialog, type WriteTarget } from './write-dialog.tsx';

/**
 * One line: state, simulation control, and every tag with value, quality and age; setpoints
 * and commands the signed-in `role` may write have a button that opens the write dialog.
 */
export function LineDetail(props: {
  id: string;
  initialLines: LineView[] | undefined;
  initialProcesses: ProcessInfo[] | undefined;
  canOperate: boolean;
  role: Role | undefined;
}) {
  const { id, initialLines, initialProcesses, canOperate, role } = props;
  const { data, error } = useSWR<{ lines: LineView[] }>('/api/lines', apiFetch, {
    fallbackData: initialLines && { lines: initialLines },
  });
  const line = data?.lines.find((l) => l.id === id);
  const back = (
    <Link href="/" className="-ml-2 inline-flex min-h-11 items-center gap-1 rounded-md px-2 text-base hover:bg-raised">
      <Icon name="back" />
      Overview
    </Link>
  );
  if (!line) {
    return (
      <>
        {back}
        {error ? <p role="alert">Could not load the line: {(error as Error).message}</p> : data ? <p role="alert">No line “{id}”.</p> : <p>Loading…</p>}
      </>
    );
  }
  return (
    <>
      {back}
      <LineHeader line={line} />
      {line.simulated && <SimulationControl line={line} canOperate={canOperate} initialProcesses={initialProcesses} />}
      <TagTable line={line} role={role} />
    </>
  );
}

function LineHeader({ line }: { line: LineView }) {
  const status = useLineStatus(line.id);
  const state = status?.state ?? line.state;
  const lastGood = useLastGoodAt(line.id);
  const since = lastGood ?? status?.lastSampleAt ?? line.lastSampleAt;
  return (
    <div className="mt-1 mb-4">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h1 className="text-2xl font-semibold">{line.name}</h1>
        <span aria-live="polite">
          <LineStateBadge state={state} />
        </span>
      </div>
      {line.description && <p className="mt-1 text-muted">{line.description}</p>}
      {/* Alarms of the line (issue 4): renders nothing when there are none. */}
      <LineAlarmSummary line={line.id} />
      <p className="mt-1 text-sm text-muted">
        <Freshness state={state} lastGood={lastGood} since={since} />
      </p>
    </div>
  );
}

function TagTable({ line, role }: { line: LineView; role: Role | undefined }) {
  const [writing, setWriting] = useState<WriteTarget | null>(null);
  return (
    <section aria-labelledby="tags-heading" className="mt-4">
      <h2 id="tags-heading" className="mb-2 text-lg font-semibold">
        Tags <span className="font-normal text-muted">({line.tags.length})</span>
      </h2>
      <div className="rounded-lg border border-edge bg-surface">
        <table className="w-full table-fixed border-collapse text-left">
          <thead className="text-sm text-muted">
            <tr className="border-b border-edge">
              <th scope="col" className="px-3 py-2 font-medium">
                Tag
              </th>
              <th scope="col" className="w-36 py-2 pr-3 text-right font-medium sm:w-40">
                Value<span className="sm:hidden"> / quality</span>
              </th>
              <th scope="col" className="hidden w-60 py-2 pr-4 pl-2 font-medium lg:table-cell">
                Against limits
              </th>
              <th scope="col" className="hidden w-52 py-2 pr-3 font-medium sm:table-cell">
                Quality
              </th>
              <th scope="col" className="hidden w-28 py-2 pr-3 font-medium sm:table-cell">
                Age
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-edge-soft">
            {line.tags.map((tag) => (
              <TagRow key={tag.id} tag={tag} role={role} onWrite={setWriting} />
            ))}
          </tbody>
        </table>
      </div>
      {writing && <WriteDialog key={writing.tag.id} target={writing} onClose={() => setWriting(null)} />}
    </section>
  );
}

function TagRow({ tag, role, onWrite }: { tag: TagView; role: Role | undefined; onWrite(target: WriteTarget): void }) {
  const sample = useSample(tag.id) ?? tag.current ?? undefined;
  const writable = mayWrite(role, tag.writable) ? tag.writable : undefined;
  const abnormal = sample !== undefined && sample.quality !== 'good';
  const age = <Age ts={sample?.ts} className={abnormal ? 'font-semibold text-fg' : 'text-muted'} />;
  return (
    <tr data-tag={tag.id} data-quality={sample?.quality ?? 'none'} className={abnormal ? 'bg-raised' : undefined}>
      <th scope="row" className="px-3 py-1 align-middle font-normal">
        {/* The whole name is the target (≥ 44 px tall): one tap to the tag's last hour. */}
        <Link href={trendHref(tag.id)} className="group flex min-h-11 flex-col justify-center rounded-sm hover:bg-raised" data-trend-link={tag.id}>
          <span className="block leading-snug break-words">
            <span className="underline decoration-edge underline-offset-4 group-hover:decoration-fg" data-words>
              {tag.label}
            </span>{' '}
            <Icon name="trend" className="size-4 align-[-2px] text-muted" />
            <span className="sr-only">: trend, last hour</span>
          </span>
          <span className="block text-xs text-muted" data-words>
            <BreakAtSeparators text={tag.name} />
          </span>
        </Link>
        {/* Room for the mark's outline (unacknowledged), clear of the name above. */}
        <span className="mt-1 mb-0.5 block empty:hidden">
          <TagAlarmMark tag={tag.id} />
        </span>
      </th>
      <td className="py-2 pr-3 text-right align-middle">
        <TagValue sample={sample} decimals={tag.decimals} unit={tag.unit} type={tag.type} />
        {/* Below lg the indicator sits under the value; lg has a column of them, aligned for scanning. */}
        <span className="block lg:hidden">
          <AnalogIndicator tag={tag} sample={sample} className="mt-1" />
        </span>
        {writable && (
          <span className="mt-1 flex justify-end">
            <WriteButton tag={{ ...tag, writable }} sample={sample} onOpen={onWrite} />
          </span>
        )}
        {/* Phones: quality and age under the value (the two columns are hidden). */}
        <span className="mt-0.5 flex flex-wrap items-center justify-end gap-x-2 gap-y-0.5 text-right sm:hidden">
          <QualityBadge sample={sample} />
          <span className="text-sm">{age}</span>
        </span>
      </td>
      <td className="hidden py-2 pr-4 pl-2 align-middle lg:table-cell" data-cell="limits">
        <AnalogIndicator tag={tag} sample={sample} />
      </td>
      <td className="hidden py-2 pr-3 align-middle sm:table-cell" data-cell="quality">
        <QualityBadge sample={sample} />
      </td>
      <td className="hidden py-2 pr-3 align-middle text-sm sm:table-cell" data-cell="age">
        {age}
      </td>
    </tr>
  );
}

/**
 * A tag name that wraps only after its separators (`zone1-temp`, `cooling-water-temp`), never
 * between two letters: a line break opportunity after each `-`, `.` and `_`.
 */
function BreakAtSeparators({ text }: { text: string }) {
  const parts = text.split(/(?<=[-._])/);
  return parts.map((p, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order.
    <Fragment key={i}>
      {p}
      {i < parts.length - 1 ? <wbr /> : null}
    </Fragment>
  ));
}
