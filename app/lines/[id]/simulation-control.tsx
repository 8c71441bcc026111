'use client';

import { useId, useState, type FormEvent } from 'react';
import { apiFetch } from '../../../lib/client/api-fetch.ts';
import { useNow } from '../../../lib/client/clock.ts';
import { formatDuration } from '../../../lib/client/format.ts';
import { useHasSnapshot, useProcess, useProcessStatuses } from '../../../lib/client/live-store.ts';
import type { LineView } from '../../../lib/plant/describe.ts';
import { simulatorProcessId } from '../../../lib/plant/process-ids.ts';
import type { Scenario } from '../../../lib/plant/schema.ts';
import type { ProcessInfo } from '../../../lib/types.ts';
import { ConfirmDialog } from '../../_components/confirm-dialog.tsx';
import { ProcessStatusBadge } from '../../_components/status-badge.tsx';
import { stopConfirmation } from '../../_components/stop-confirmation.tsx';

/** Same list as the server's schema (type-checked against it); importing it would ship zod. */
const scenarios = ['normal', 'overheat', 'jam', 'flaky'] as const satisfies readonly Scenario[];
const scenarioLabels: Record<Scenario, string> = {
  normal: 'Normal',
  overheat: 'Overheat (a temperature climbs)',
  jam: 'Jam (line stops)',
  flaky: 'Flaky (dropped replies)',
};

const button = 'inline-flex min-h-11 items-center justify-center rounded-md px-4 font-semibold disabled:cursor-not-allowed disabled:opacity-60';

/**
 * Start/stop the line's simulated PLC(s) with a scenario. The status shown comes from the
 * live stream (`process` events), so starting → running → stopping → stopped appears as it
 * happens, whoever started it.
 */
export function SimulationControl({ line, canOperate, initialProcesses }: { line: LineView; canOperate: boolean; initialProcesses?: ProcessInfo[] }) {
  // Real PLCs on the same line have no simulator to show.
  const connections = line.simulatedConnections ?? [...new Set(line.tags.map((t) => t.connection))];
  const live = useHasSnapshot();
  const [pending, setPending] = useState<'start' | 'stop' | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const selectId = useId();
  const ids = connections.map(simulatorProcessId);
  const statuses = connections.map((c) => <ProcessRow key={c} id={simulatorProcessId(c)} connection={c} initial={initialProcesses} />);
  const liveStates = useProcessStatuses(ids);
  // Until this tab's stream delivered its snapshot, the server-rendered statuses hold.
  const processStates = live ? liveStates : ids.map((id) => initialProcesses?.find((p) => p.id === id)?.status ?? 'none');
  const up = processStates.some((s) => s === 'starting' || s === 'running' || s === 'stopping');
  const canStop = processStates.some((s) => s === 'starting' || s === 'running');

  async function act(kind: 'start' | 'stop', run: () => Promise<unknown>) {
    setPending(kind);
    setMessage(null);
    try {
      await run();
    } catch (err) {
      setMessage((err as Error).message);
    } finally {
      setPending(null);
    }
  }

  function start(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const scenario = String(new FormData(e.currentTarget).get('scenario'));
    void act('start', () => apiFetch(`/api/lines/${encodeURIComponent(line.id)}/simulation`, { method: 'POST', body: JSON.stringify({ scenario }) }));
  }

  return (
    <section aria-labelledby="sim-heading" className="rounded-lg border border-edge bg-surface p-3 sm:p-4">
      <h2 id="sim-heading" className="text-lg font-semibold">
        Simulated PLC
      </h2>
      <ul className="mt-2 space-y-2">{statuses}</ul>
      {canOperate ? (
        <form onSubmit={start} className="mt-3 flex flex-wrap items-end gap-2">
          <div className="flex min-w-0 flex-col">
            <label htmlFor={selectId} className="text-sm font-medium">
              Scenario
            </label>
            <select
              id={selectId}
              name="scenario"
              defaultValue="normal"
              disabled={up || pending !== null}
              className="mt-1 min-h-11 max-w-full rounded-md border border-edge bg-raised px-2 text-base"
            >
              {scenarios.map((s) => (
                <option key={s} value={s}>
                  {scenarioLabels[s]}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={up || pending !== null} className={`${button} bg-action text-action-fg`}>
            {pending === 'start' ? 'Starting…' : 'Start simulation'}
          </button>
          <button
            type="button"
            disabled={!canStop || pending !== null}
            aria-haspopup="dialog"
            onClick={() => setConfirming(true)}
            className={`${button} border-2 border-edge bg-raised text-fg`}
          >
            {pending === 'stop' ? 'Stopping…' : 'Stop simulation'}
          </button>
        </form>
      ) : (
        <p className="mt-3 text-sm text-muted">Operators can start and stop the simulation.</p>
      )}
      {message && (
        <p role="alert" className="mt-2 rounded-md border-2 border-diag bg-diag-bg px-3 py-2 text-sm text-diag">
          {message}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          ask={stopConfirmation(
            line.name,
            connections.length === 1 ? `The simulated PLC ${simulatorProcessId(connections[0]!)}` : 'Every simulated PLC of the line',
          )}
          onDone={(yes) => {
            setConfirming(false);
            if (yes) void act('stop', () => apiFetch(`/api/lines/${encodeURIComponent(line.id)}/simulation`, { method: 'DELETE' }));
          }}
        />
      )}
    </section>
  );
}

function ProcessRow({ id, connection, initial }: { id: string; connection: string; initial?: ProcessInfo[] }) {
  const live = useHasSnapshot();
  const fromStream = useProcess(id);
  const p = live ? fromStream : initial?.find((x) => x.id === id);
  const now = useNow();
  return (
    <li className="flex flex-wrap items-center gap-x-3 gap-y-1" data-process={id}>
      <span aria-live="polite" className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1">
        <ProcessStatusBadge status={p?.status ?? 'none'} />
        <span className="min-w-0 break-words">{p?.name ?? connection}</span>
      </span>
      {p?.status === 'running' && p.startedAt && now !== null ? (
        <span className="text-sm text-muted tabular-nums">
          pid {p.pid} · up {formatDuration(now - p.startedAt)}
        </span>
      ) : p?.status === 'crashed' ? (
        <span className="text-sm text-muted">exit {p.exitCode ?? p.signal ?? '?'}</span>
      ) : null}
    </li>
  );
}
