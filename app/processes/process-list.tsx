'use client';

import { useState } from 'react';
import useSWR from 'swr';
import { apiFetch } from '../../lib/client/api-fetch.ts';
import { useNow } from '../../lib/client/clock.ts';
import { formatAge, formatDuration } from '../../lib/client/format.ts';
import { useHasSnapshot, useProcesses } from '../../lib/client/live-store.ts';
import type { LineView } from '../../lib/plant/describe.ts';
import { simulatorProcessId } from '../../lib/plant/process-ids.ts';
import type { ProcessInfo } from '../../lib/types.ts';
import { ConfirmDialog } from '../_components/confirm-dialog.tsx';
import { stopConfirmation } from '../_components/stop-confirmation.tsx';
import { Icon } from '../_components/glyph.tsx';
import { ProcessStatusBadge } from '../_components/status-badge.tsx';

interface Props {
  initialProcesses: ProcessInfo[] | undefined;
  initialLines: LineView[] | undefined;
  canOperate: boolean;
}

/** Every child process, live from the stream; simulated PLCs can be stopped from here. */
export function ProcessList({ initialProcesses, initialLines, canOperate }: Props) {
  const live = useHasSnapshot();
  const fromStream = useProcesses();
  const processes = live ? fromStream : initialProcesses;
  const { data } = useSWR<{ lines: LineView[] }>('/api/lines', apiFetch, { fallbackData: initialLines && { lines: initialLines } });
  // Simulated PLC processes are named after their connection: `sim-<connection id>`.
  const lineOfProcess = new Map<string, LineView>();
  for (const line of data?.lines ?? []) for (const t of line.tags) lineOfProcess.set(simulatorProcessId(t.connection), line);

  if (!processes) return <p className="text-muted">Loading processes…</p>;
  if (processes.length === 0) return <p>No child processes.</p>;
  return (
    <ul className="grid gap-3 lg:grid-cols-2" aria-label="Child processes">
      {processes.map((p) => (
        <li key={p.id}>
          <ProcessCard process={p} line={lineOfProcess.get(p.id)} canOperate={canOperate} />
        </li>
      ))}
    </ul>
  );
}

function ProcessCard({ process: p, line, canOperate }: { process: ProcessInfo; line: LineView | undefined; canOperate: boolean }) {
  const now = useNow();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const headingId = `proc-${p.id}`;
  const up = p.status === 'starting' || p.status === 'running';
  const port = typeof p.info.port === 'number' ? p.info.port : null;
  const exit = p.exitCode !== null ? `code ${p.exitCode}` : p.signal ? `signal ${p.signal}` : '—';
  const time = (ms: number | null) => (ms === null || now === null ? '—' : formatAge(Math.max(0, now - ms)));

  async function stop() {
    if (!line) return;
    setBusy(true);
    setMessage(null);
    try {
      await apiFetch(`/api/lines/${encodeURIComponent(line.id)}/simulation`, { method: 'DELETE' });
    } catch (err) {
      setMessage((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const fact = 'flex justify-between gap-2 border-b border-edge-soft py-1 sm:block sm:border-0 sm:py-0';
  return (
    <article aria-labelledby={headingId} data-process={p.id} className="h-full rounded-lg border border-edge bg-surface p-3 sm:p-4">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h2 id={headingId} className="min-w-0 text-lg font-semibold break-words">
          {p.name}
        </h2>
        <span aria-live="polite">
          <ProcessStatusBadge status={p.status} />
        </span>
      </div>
      <p className="text-sm text-muted">
        {p.id}
        {line ? ` · line ${line.name}` : ''}
      </p>
      <dl className="mt-2 grid grid-cols-1 gap-x-4 text-sm sm:grid-cols-4 sm:gap-y-2">
        <div className={fact}>
          <dt className="text-muted">PID</dt>
          <dd className="tabular-nums">{p.pid ?? '—'}</dd>
        </div>
        <div className={fact}>
          <dt className="text-muted">Port</dt>
          <dd className="tabular-nums">{port ?? '—'}</dd>
        </div>
        <div className={fact}>
          <dt className="text-muted">{up || p.status === 'stopping' ? 'Uptime' : 'Ran for'}</dt>
          <dd className="tabular-nums" data-fact="uptime">
            {p.startedAt === null || now === null ? '—' : formatDuration((up || p.status === 'stopping' ? now : (p.stoppedAt ?? now)) - p.startedAt)}
          </dd>
        </div>
        <div className={fact}>
          <dt className="text-muted">Restarts</dt>
          <dd className="tabular-nums">{p.restarts}</dd>
        </div>
        <div className={fact}>
          <dt className="text-muted">Started</dt>
          <dd className="tabular-nums">{time(p.startedAt)}</dd>
        </div>
        <div className={fact}>
          <dt className="text-muted">Stopped</dt>
          <dd className="tabular-nums">{up ? '—' : time(p.stoppedAt)}</dd>
        </div>
        <div className={fact}>
          <dt className="text-muted">Exit</dt>
          <dd className="tabular-nums" data-fact="exit">
            {exit}
          </dd>
        </div>
      </dl>
      <details className="group mt-2">
        <summary className="inline-flex min-h-11 cursor-pointer list-none items-center gap-1 text-sm font-medium [&::-webkit-details-marker]:hidden">
          <Icon name="back" className="size-4 rotate-180 transition-transform group-open:-rotate-90" />
          Output ({p.tail.length} {p.tail.length === 1 ? 'line' : 'lines'})
        </summary>
        <pre className="mt-1 max-h-60 overflow-auto rounded border border-edge-soft bg-raised p-2 text-xs leading-relaxed whitespace-pre-wrap break-all">
          {p.tail.length > 0 ? p.tail.join('\n') : 'No output.'}
        </pre>
      </details>
      {line && canOperate ? (
        <button
          type="button"
          aria-haspopup="dialog"
          onClick={() => setConfirming(true)}
          disabled={!up || busy}
          className="mt-2 inline-flex min-h-11 items-center rounded-md border-2 border-edge bg-raised px-4 font-semibold disabled:cursor-not-allowed disabled:opacity-60"
        >
          {busy || p.status === 'stopping' ? 'Stopping…' : 'Stop'}
          <span className="sr-only"> {p.name}</span>
        </button>
      ) : null}
      {message && (
        <p role="alert" className="mt-2 rounded-md border-2 border-diag bg-diag-bg px-3 py-2 text-sm text-diag">
          {message}
        </p>
      )}
      {confirming && line && (
        <ConfirmDialog
          ask={stopConfirmation(line.name, p.name)}
          onDone={(yes) => {
            setConfirming(false);
            if (yes) void stop();
          }}
        />
      )}
    </article>
  );
}
