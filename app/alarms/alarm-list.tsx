'use client';

import Link from 'next/link';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { alarmPriorities, type AlarmPriority, type AlarmView } from '../../lib/alarms/alarm-types.ts';
import { apiFetch } from '../../lib/client/api-fetch.ts';
import { applyAlarmViews, useAlarms } from '../../lib/client/alarm-store.ts';
import { useNow } from '../../lib/client/clock.ts';
import { formatDuration } from '../../lib/client/format.ts';
import { useSample } from '../../lib/client/live-store.ts';
import { Age } from '../_components/age.tsx';
import { DateTime } from '../_components/date-time.tsx';
import { Icon } from '../_components/glyph.tsx';
import { trendHref } from '../history/range.ts';
import { AlarmStateBadge, alarmValueText, kindName, limitText, PriorityBadge, priorityStyle } from './alarm-badges.tsx';
import { AnnunciationSetting } from './annunciation-setting.tsx';
import type { LineName } from './server-alarms.ts';

const button = 'inline-flex min-h-11 items-center justify-center rounded-md px-4 font-semibold disabled:cursor-not-allowed disabled:opacity-60';
const primary = `${button} bg-action text-action-fg`;
const secondary = `${button} border-2 border-edge bg-raised text-fg`;
const field = 'mt-1 min-h-11 w-full rounded-md border border-edge bg-raised px-2 text-base';

const shelveChoicesMin = [15, 30, 60, 120, 240, 480, 720, 1440];

/** `15 min`, `1 h`, `1 h 30 min`. */
function minutesText(min: number): string {
  const h = Math.floor(min / 60);
  const m = min % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

interface Props {
  initialAlarms: AlarmView[] | undefined;
  lines: LineName[];
  /** Line preselected in the filter ('' = all). */
  initialLine?: string;
  /** Alarm to scroll to and highlight once it is listed (a notification's link). */
  focus?: string;
  canOperate: boolean;
  canAdmin: boolean;
}

type Status = { kind: 'ok' | 'error'; text: string } | null;

const suppressed = (a: AlarmView) => a.state === 'shelved' || a.state === 'out-of-service';

/**
 * Active alarms, highest priority first then newest, live from the stream: acknowledge one
 * or every visible one (with a comment), shelve, and — for admins — take out of service.
 * Viewers see no action controls (the server refuses them too).
 */
export function AlarmList({ initialAlarms, lines, initialLine = '', focus, canOperate, canAdmin }: Props) {
  const live = useAlarms();
  const all = live ?? initialAlarms ?? null;
  const [line, setLine] = useState(initialLine);
  const [priority, setPriority] = useState<'' | AlarmPriority>('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status>(null);
  const ids = { line: useId(), priority: useId(), comment: useId() };
  const lineName = new Map(lines.map((l) => [l.id, l.name]));
  const focused = useRef(false);
  const focusListed = Boolean(focus && all?.some((a) => a.id === focus));
  useEffect(() => {
    if (!focus || !focusListed || focused.current) return;
    const el = document.querySelector<HTMLElement>(`li[data-alarm="${CSS.escape(focus)}"]`);
    if (!el) return;
    focused.current = true;
    el.scrollIntoView({ block: 'center' });
    el.focus({ preventScroll: true });
  }, [focus, focusListed]);

  if (!all) return <p className="text-muted">Loading alarms…</p>;
  const filtered = all.filter((a) => (!line || a.line === line) && (!priority || a.priority === priority));
  const inService = filtered.filter((a) => !suppressed(a));
  const shelvedOrOos = filtered.filter(suppressed);
  const unackedVisible = inService.filter((a) => !a.acknowledged);

  /** Runs an action; shows its outcome; applies the answer at once (the stream follows). */
  async function run(action: () => Promise<{ views: AlarmView[]; text: string }>): Promise<boolean> {
    setBusy(true);
    setStatus(null);
    try {
      const { views, text } = await action();
      applyAlarmViews(views);
      setStatus({ kind: 'ok', text });
      return true;
    } catch (error) {
      setStatus({ kind: 'error', text: (error as Error).message });
      return false;
    } finally {
      setBusy(false);
    }
  }

  const acknowledge = (list: AlarmView[]) =>
    run(async () => {
      const res = await apiFetch<{ acknowledged: AlarmView[]; skipped: { id: string }[] }>('/api/alarms/ack', {
        method: 'POST',
        body: JSON.stringify({ ids: list.map((a) => a.id), ...(comment.trim() && { comment: comment.trim() }) }),
      });
      setComment('');
      const n = res.acknowledged.length;
      const skipped = res.skipped.length ? ` (${res.skipped.length} already acknowledged)` : '';
      return { views: res.acknowledged, text: `Acknowledged ${n} alarm${n === 1 ? '' : 's'}${skipped}.` };
    });

  const single = (path: string, body: unknown, text: string) =>
    run(async () => {
      const res = await apiFetch<{ alarm: AlarmView }>(path, { method: 'POST', body: JSON.stringify(body) });
      return { views: [res.alarm], text };
    });

  const actions: ItemActions | null = canOperate
    ? {
        acknowledge: (a) => void acknowledge([a]),
        shelve: (a, durationMin, reason) =>
          single('/api/alarms/shelve', { id: a.id, durationMin, reason }, `Shelved “${a.message}” for ${minutesText(durationMin)}.`),
        unshelve: (a) => void single('/api/alarms/unshelve', { id: a.id }, `Unshelved “${a.message}”.`),
        removeFromService: canAdmin
          ? (a, reason) => single('/api/alarms/out-of-service', { id: a.id, reason }, `Took “${a.message}” out of service.`)
          : undefined,
        returnToService: canAdmin ? (a) => void single('/api/alarms/return-to-service', { id: a.id }, `Returned “${a.message}” to service.`) : undefined,
        busy,
      }
    : null;

  return (
    <>
      <form className="mb-3 grid gap-x-3 gap-y-2 sm:grid-cols-2 lg:grid-cols-4" onSubmit={(e) => e.preventDefault()} aria-label="Filter alarms">
        <div>
          <label htmlFor={ids.line} className="text-sm font-medium">
            Line
          </label>
          <select id={ids.line} value={line} onChange={(e) => setLine(e.target.value)} className={field}>
            <option value="">All lines</option>
            {lines.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.priority} className="text-sm font-medium">
            Priority
          </label>
          <select id={ids.priority} value={priority} onChange={(e) => setPriority(e.target.value as AlarmPriority | '')} className={field}>
            <option value="">All priorities</option>
            {alarmPriorities.map((p) => (
              <option key={p} value={p}>
                {priorityStyle[p].label}
              </option>
            ))}
          </select>
        </div>
      </form>

      {canOperate && (
        <div className="mb-3 flex flex-wrap items-end gap-2 rounded-lg border border-edge bg-surface p-3">
          <div className="min-w-0 flex-1 basis-64">
            <label htmlFor={ids.comment} className="text-sm font-medium">
              Comment for acknowledging (optional)
            </label>
            <input
              id={ids.comment}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              maxLength={500}
              placeholder="e.g. Heater band replaced, watching it"
              className={field}
            />
          </div>
          <button type="button" className={primary} disabled={busy || unackedVisible.length === 0} onClick={() => void acknowledge(unackedVisible)}>
            Acknowledge all visible ({unackedVisible.length})
          </button>
        </div>
      )}

      {status && (
        <p
          role={status.kind === 'error' ? 'alert' : 'status'}
          className={`mb-3 rounded-md px-3 py-2 text-sm ${status.kind === 'error' ? 'border-2 border-diag bg-diag-bg text-diag' : 'border border-edge-soft'}`}
        >
          {status.text}
        </p>
      )}

      <section aria-labelledby="active-heading">
        <h2 id="active-heading" className="sr-only">
          In service
        </h2>
        {inService.length === 0 ? (
          <p className="rounded-lg border border-edge-soft p-4 text-muted" data-testid="no-alarms">
            No active or unacknowledged alarms{line || priority ? ' match the filter' : ''}.
          </p>
        ) : (
          <ul className="space-y-2" aria-label="Alarms in service">
            {inService.map((a) => (
              <AlarmItem key={a.id} alarm={a} lineName={lineName.get(a.line) ?? a.line} actions={actions} focused={a.id === focus} />
            ))}
          </ul>
        )}
      </section>

      {shelvedOrOos.length > 0 && (
        <section aria-labelledby="suppressed-heading" className="mt-6">
          <h2 id="suppressed-heading" className="mb-2 text-lg font-semibold">
            Shelved and out of service ({shelvedOrOos.length})
          </h2>
          <p className="mb-2 text-sm text-muted">Still evaluated and journaled; not annunciated.</p>
          <ul className="space-y-2" aria-label="Shelved and out-of-service alarms">
            {shelvedOrOos.map((a) => (
              <AlarmItem key={a.id} alarm={a} lineName={lineName.get(a.line) ?? a.line} actions={actions} focused={a.id === focus} />
            ))}
          </ul>
        </section>
      )}

      <AnnunciationSetting />
    </>
  );
}

interface ItemActions {
  acknowledge(a: AlarmView): void;
  shelve(a: AlarmView, durationMin: number, reason: string): Promise<boolean>;
  unshelve(a: AlarmView): void;
  removeFromService?: (a: AlarmView, reason: string) => Promise<boolean>;
  returnToService?: (a: AlarmView) => void;
  busy: boolean;
}

/** Time of day, rendered in the browser only (its time zone), so server and client markup agree. */
function ClockTime({ ts }: { ts: number | null | undefined }) {
  if (ts === null || ts === undefined) return <span>—</span>;
  return <DateTime ts={ts} show="time" className="tabular-nums" />;
}

function AlarmItem({ alarm: a, lineName, actions, focused }: { alarm: AlarmView; lineName: string; actions: ItemActions | null; focused: boolean }) {
  const sample = useSample(a.tag ?? '');
  const [form, setForm] = useState<'shelve' | 'oos' | null>(null);
  const now = useNow();
  const value = a.tag && sample ? sample.value : a.value;
  const valueBad = a.tag && sample ? sample.quality !== 'good' : false;
  const headingId = useId();
  return (
    <li
      className={`rounded-lg border bg-surface p-3 ${focused ? 'border-2 border-fg' : 'border-edge'}`}
      style={{ borderLeft: `6px solid ${priorityStyle[a.priority].bg}` }}
      tabIndex={focused ? -1 : undefined}
      data-alarm={a.id}
      data-alarm-state={a.state}
      aria-labelledby={headingId}
    >
      <div className="flex flex-wrap items-center gap-2">
        <PriorityBadge priority={a.priority} />
        <AlarmStateBadge state={a.state} />
        <span className="text-sm font-semibold text-muted">{kindName(a.kind)}</span>
        <span className="ml-auto text-sm text-muted">
          {a.activeSince !== null ? (
            <>
              Raised <ClockTime ts={a.activeSince} /> · <Age ts={a.activeSince} />
            </>
          ) : null}
        </span>
      </div>
      <h3 id={headingId} className="mt-1 text-lg leading-snug font-semibold break-words">
        {a.message}
      </h3>
      <p className="text-sm break-words text-muted">
        {lineName} · {a.label} <span className="break-all">({a.tag ?? a.connection})</span>
      </p>
      <dl className="mt-1 flex flex-wrap gap-x-5 gap-y-0.5 text-sm">
        <div className="flex gap-1.5">
          <dt className="text-muted">Value</dt>
          <dd className={`font-semibold tabular-nums ${valueBad ? 'italic' : ''}`} data-alarm-value>
            {alarmValueText(a, value)}
            {valueBad ? ' (not fresh)' : ''}
          </dd>
        </div>
        <div className="flex gap-1.5">
          <dt className="text-muted">{a.kind === 'discrete' ? 'Alarm when' : a.kind === 'comm' ? 'Alarm when' : 'Limit'}</dt>
          <dd className="tabular-nums">
            {limitText(a)}
            {a.deadband > 0 ? <span className="text-muted"> (deadband {a.deadband})</span> : null}
          </dd>
        </div>
      </dl>
      {a.ack && a.state !== 'unack-active' && a.state !== 'rtn-unack' && (
        <p className="mt-1 text-sm" data-alarm-ack>
          Acknowledged by <strong>{a.ack.by}</strong> at <ClockTime ts={a.ack.at} />
          {a.ack.comment ? <>: “{a.ack.comment}”</> : null}
        </p>
      )}
      {a.shelved && (
        <p className="mt-1 text-sm">
          Shelved by <strong>{a.shelved.by}</strong> until <ClockTime ts={a.shelved.until} />
          {now !== null ? ` (${formatDuration(Math.max(0, a.shelved.until - now))} left)` : ''}: “{a.shelved.reason}”
          {a.active ? ' — condition still active' : ''}
        </p>
      )}
      {a.outOfService && (
        <p className="mt-1 text-sm">
          Out of service since <ClockTime ts={a.outOfService.at} /> by <strong>{a.outOfService.by}</strong>: “{a.outOfService.reason}”
          {a.active ? ' — condition active' : ''}
        </p>
      )}
      <div className="mt-2 flex flex-wrap gap-2">
        {actions && !a.acknowledged && (
          <button type="button" className={primary} disabled={actions.busy} onClick={() => actions.acknowledge(a)} aria-label={`Acknowledge: ${a.message}`}>
            Acknowledge
          </button>
        )}
        {actions && !suppressed(a) && (
          <button
            type="button"
            className={secondary}
            disabled={actions.busy}
            aria-expanded={form === 'shelve'}
            onClick={() => setForm(form === 'shelve' ? null : 'shelve')}
          >
            Shelve…
          </button>
        )}
        {actions && a.state === 'shelved' && (
          <button type="button" className={secondary} disabled={actions.busy} onClick={() => actions.unshelve(a)}>
            Unshelve
          </button>
        )}
        {actions?.removeFromService && a.state !== 'out-of-service' && (
          <button
            type="button"
            className={secondary}
            disabled={actions.busy}
            aria-expanded={form === 'oos'}
            onClick={() => setForm(form === 'oos' ? null : 'oos')}
          >
            Out of service…
          </button>
        )}
        {actions?.returnToService && a.state === 'out-of-service' && (
          <button type="button" className={secondary} disabled={actions.busy} onClick={() => actions.returnToService!(a)}>
            Return to service
          </button>
        )}
        {a.tag && (
          <Link
            href={trendHref(a.tag)}
            className="inline-flex min-h-11 items-center gap-1 px-2 text-sm underline underline-offset-4"
            aria-label={`Trend of ${a.message}, last hour`}
            data-trend-link={a.tag}
          >
            <Icon name="trend" />
            Trend
          </Link>
        )}
        <Link
          href={`/alarms/journal?alarm=${encodeURIComponent(a.id)}`}
          className="inline-flex min-h-11 items-center px-2 text-sm underline underline-offset-4"
        >
          History
        </Link>
      </div>
      {actions && form === 'shelve' && (
        <ReasonForm
          alarm={a}
          submitLabel="Shelve"
          withDuration
          busy={actions.busy}
          onCancel={() => setForm(null)}
          onSubmit={async (reason, durationMin) => (await actions.shelve(a, durationMin!, reason)) && setForm(null)}
        />
      )}
      {actions?.removeFromService && form === 'oos' && (
        <ReasonForm
          alarm={a}
          submitLabel="Take out of service"
          busy={actions.busy}
          onCancel={() => setForm(null)}
          onSubmit={async (reason) => (await actions.removeFromService!(a, reason)) && setForm(null)}
        />
      )}
    </li>
  );
}

function ReasonForm(props: {
  alarm: AlarmView;
  submitLabel: string;
  withDuration?: boolean;
  busy: boolean;
  onCancel(): void;
  onSubmit(reason: string, durationMin?: number): Promise<unknown>;
}) {
  const { alarm, submitLabel, withDuration, busy, onCancel, onSubmit } = props;
  const ids = { duration: useId(), reason: useId() };
  const maxMin = alarm.maxShelveMs / 60_000;
  const choices = shelveChoicesMin.filter((m) => m <= maxMin);
  if (choices.length === 0 || choices.at(-1)! < maxMin) choices.push(maxMin);
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    void onSubmit(String(data.get('reason')).trim(), withDuration ? Number(data.get('duration')) : undefined);
  }
  return (
    <form onSubmit={submit} className="mt-2 grid gap-2 rounded-md border border-edge-soft bg-raised p-3 sm:grid-cols-[auto_1fr_auto_auto] sm:items-end">
      {withDuration && (
        <div>
          <label htmlFor={ids.duration} className="text-sm font-medium">
            Shelve for
          </label>
          <select id={ids.duration} name="duration" defaultValue={String(choices.includes(60) ? 60 : choices[0])} className={field}>
            {choices.map((m) => (
              <option key={m} value={m}>
                {minutesText(m)}
              </option>
            ))}
          </select>
        </div>
      )}
      <div>
        <label htmlFor={ids.reason} className="text-sm font-medium">
          Reason (required)
        </label>
        {/* biome-ignore lint/a11y/noAutofocus: the dialog opened to ask for exactly this */}
        <input id={ids.reason} name="reason" required maxLength={200} className={field} autoFocus />
      </div>
      <button type="submit" className={primary} disabled={busy}>
        {submitLabel}
      </button>
      <button type="button" className={secondary} onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
