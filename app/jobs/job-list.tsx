'use client';

import { useEffect, useState } from 'react';
import useSWR from 'swr';
import { apiFetch } from '../../lib/client/api-fetch.ts';
import { useNow } from '../../lib/client/clock.ts';
import { formatAge, formatDuration } from '../../lib/client/format.ts';
import { subscribeStream } from '../../lib/client/live-store.ts';
import type { JobInfo, JobStatus } from '../../lib/types.ts';
import { DateSpan } from '../_components/date-time.tsx';
import { Icon, type IconName } from '../_components/glyph.tsx';

interface Props {
  initialJobs: JobInfo[] | undefined;
  /** Tag id → label. */
  tagLabels: Record<string, string>;
  canOperate: boolean;
}

const statuses: Record<JobStatus, { icon: IconName; label: string; abnormal: boolean }> = {
  queued: { icon: 'stale', label: 'Waiting', abnormal: false },
  running: { icon: 'busy', label: 'Running', abnormal: false },
  succeeded: { icon: 'good', label: 'Done', abnormal: false },
  failed: { icon: 'fault', label: 'Failed', abnormal: true },
  cancelled: { icon: 'stopped', label: 'Cancelled', abnormal: false },
};

const pill = 'inline-flex min-h-7 items-center gap-1.5 rounded px-2 text-sm font-semibold whitespace-nowrap';

function JobStatusBadge({ status }: { status: JobStatus }) {
  const s = statuses[status];
  return (
    <span className={s.abnormal ? `${pill} border-2 border-diag bg-diag-bg text-diag` : `${pill} border border-edge-soft text-fg`} data-status={status}>
      <Icon name={s.icon} />
      {s.label}
    </span>
  );
}

/** Running and recent jobs, kept current by `job` events on the live stream. */
export function JobList({ initialJobs, tagLabels, canOperate }: Props) {
  const { data, mutate } = useSWR<{ jobs: JobInfo[] }>('/api/jobs', apiFetch, { fallbackData: initialJobs && { jobs: initialJobs }, revalidateOnFocus: true });

  useEffect(
    () =>
      subscribeStream((event, payload) => {
        if (event === 'snapshot') {
          // (Re)connected: events may have been missed meanwhile.
          void mutate();
          return;
        }
        if (event !== 'job') return;
        const job = payload as JobInfo;
        void mutate(
          (old) => {
            const jobs = old?.jobs ?? [];
            const at = jobs.findIndex((j) => j.id === job.id);
            if (at < 0) return { jobs: [job, ...jobs] };
            const next = jobs.slice();
            next[at] = job;
            return { jobs: next };
          },
          { revalidate: false },
        );
      }),
    [mutate],
  );

  const jobs = data?.jobs;
  if (!jobs) return <p className="text-muted">Loading jobs…</p>;
  if (jobs.length === 0) return <p>No jobs yet. Start a CSV export from the History page.</p>;
  return (
    <ul className="grid gap-3 lg:grid-cols-2" aria-label="Jobs">
      {jobs.map((j) => (
        <li key={j.id}>
          <JobCard job={j} tagLabels={tagLabels} canOperate={canOperate} />
        </li>
      ))}
    </ul>
  );
}

function JobCard({ job, tagLabels, canOperate }: { job: JobInfo; tagLabels: Record<string, string>; canOperate: boolean }) {
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const active = job.status === 'queued' || job.status === 'running';
  const headingId = `job-${job.id}`;
  const progress = Math.round(job.progress);

  async function cancel() {
    setBusy(true);
    setMessage(null);
    try {
      await apiFetch(`/api/jobs/${job.id}`, { method: 'DELETE' });
    } catch (error) {
      setMessage((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const fact = 'flex justify-between gap-2 border-b border-edge-soft py-1 sm:block sm:border-0 sm:py-0';
  const ran = job.startedAt === null ? null : (job.endedAt ?? now ?? job.startedAt) - job.startedAt;
  return (
    <article aria-labelledby={headingId} data-job={job.id} className="h-full rounded-lg border border-edge bg-surface p-3 sm:p-4">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h2 id={headingId} className="text-lg font-semibold">
          CSV export · job {job.id}
        </h2>
        <span aria-live="polite">
          <JobStatusBadge status={job.status} />
        </span>
      </div>
      <p className="mt-1 text-sm break-words">{job.params.tags.map((t) => tagLabels[t] ?? t).join(', ')}</p>
      <p className="text-sm tabular-nums text-muted">
        <DateSpan from={job.params.from} to={job.params.to} />
      </p>

      <div className="mt-3">
        <div className="flex justify-between text-sm">
          <span id={`${headingId}-progress`}>Progress</span>
          <span className="tabular-nums" data-progress={progress}>
            {progress} %
          </span>
        </div>
        <div
          role="progressbar"
          aria-labelledby={`${headingId}-progress`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress}
          className="mt-1 h-3 w-full overflow-hidden rounded-full border border-edge bg-raised"
        >
          <div
            className={`h-full ${job.status === 'failed' ? 'hatched bg-edge-soft' : 'bg-fg'} transition-[width] duration-300`}
            style={{ width: `${progress}%` }}
          />
        </div>
      </div>

      <dl className="mt-3 grid grid-cols-1 gap-x-4 text-sm sm:grid-cols-3 sm:gap-y-2">
        <div className={fact}>
          <dt className="text-muted">Started by</dt>
          <dd>{job.createdBy}</dd>
        </div>
        <div className={fact}>
          <dt className="text-muted">Started</dt>
          <dd className="tabular-nums">{job.startedAt === null ? 'waiting' : now === null ? '—' : formatAge(Math.max(0, now - job.startedAt))}</dd>
        </div>
        <div className={fact}>
          <dt className="text-muted">{active ? 'Running for' : 'Took'}</dt>
          <dd className="tabular-nums">{ran === null ? '—' : formatDuration(ran)}</dd>
        </div>
        {job.result ? (
          <div className={`${fact} sm:col-span-3`}>
            <dt className="text-muted">Result</dt>
            <dd className="tabular-nums">
              {job.result.rows.toLocaleString('en-US')} rows · {(job.result.bytes / 1024 / 1024).toFixed(1)} MiB
            </dd>
          </div>
        ) : null}
      </dl>
      {job.error && job.status === 'failed' ? (
        <p className="mt-2 flex items-start gap-1 text-sm font-semibold text-diag">
          <Icon name="fault" className="mt-0.5 size-4" />
          <span className="break-words">{job.error}</span>
        </p>
      ) : job.error ? (
        <p className="mt-2 text-sm text-muted">{job.error}</p>
      ) : null}

      <div className="mt-3 flex flex-wrap gap-2">
        {job.status === 'succeeded' && job.result ? (
          <a
            href={`/api/jobs/${job.id}/download`}
            download={job.result.filename}
            className="inline-flex min-h-11 items-center rounded-md border-2 border-edge bg-raised px-4 font-semibold"
          >
            Download CSV<span className="sr-only"> of job {job.id}</span>
          </a>
        ) : null}
        {canOperate && active ? (
          <button
            type="button"
            onClick={cancel}
            disabled={busy}
            className="inline-flex min-h-11 items-center rounded-md border-2 border-edge bg-raised px-4 font-semibold disabled:cursor-not-allowed disabled:opacity-60"
          >
            {busy ? 'Cancelling…' : 'Cancel'}
            <span className="sr-only"> job {job.id}</span>
          </button>
        ) : null}
      </div>
      {message && (
        <p role="alert" className="mt-2 rounded-md border-2 border-diag bg-diag-bg px-3 py-2 text-sm text-diag">
          {message}
        </p>
      )}
    </article>
  );
}
