'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useId, useState, type FormEvent } from 'react';
import useSWR from 'swr';
import useSWRInfinite from 'swr/infinite';
import { alarmPriorities, alarmTransitions, type AlarmJournalEntry, type AlarmTransition } from '../../../lib/alarms/alarm-types.ts';
import { apiFetch } from '../../../lib/client/api-fetch.ts';
import { onAlarmTransition } from '../../../lib/client/alarm-store.ts';
import type { LineView } from '../../../lib/plant/describe.ts';
import { alarmValueText, kindName, limitText, PriorityBadge, priorityStyle, stateLabel } from '../alarm-badges.tsx';
import type { LineName } from '../server-alarms.ts';
import { DateTime } from '../../_components/date-time.tsx';

/** Filters as they stand in the URL; `from`/`to` as `datetime-local` values (browser time). */
export type JournalFilters = Partial<Record<'line' | 'tag' | 'alarm' | 'priority' | 'transition' | 'user' | 'from' | 'to', string>>;

const transitionLabel: Record<AlarmTransition, string> = {
  raised: 'Raised',
  cleared: 'Cleared',
  acknowledged: 'Acknowledged',
  shelved: 'Shelved',
  unshelved: 'Unshelved',
  'out-of-service': 'Out of service',
  'returned-to-service': 'Returned to service',
  removed: 'Removed from the plant',
};

const pageSize = 50;
const field = 'mt-1 min-h-11 w-full rounded-md border border-edge bg-raised px-2 text-base';
const button = 'inline-flex min-h-11 items-center justify-center rounded-md px-4 font-semibold disabled:cursor-not-allowed disabled:opacity-60';

type Page = { entries: AlarmJournalEntry[]; nextBefore: number | null };

/** The API query of the filters (times converted to ISO in the browser's zone). */
function toQuery(f: JournalFilters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (!v) continue;
    if (k === 'from' || k === 'to') {
      const t = new Date(v);
      if (!Number.isNaN(t.getTime())) q.set(k, t.toISOString());
    } else q.set(k, v);
  }
  q.set('limit', String(pageSize));
  return q.toString();
}

/**
 * Every alarm transition, newest first, with filters and cursor pages ("Load older"); new
 * transitions refresh the list. Built as a list of cards so it reads on a 360 px phone.
 */
export function JournalView({ lines, initial }: { lines: LineName[]; initial: JournalFilters }) {
  const router = useRouter();
  const path = usePathname();
  const [filters, setFilters] = useState<JournalFilters>(initial);
  const query = toQuery(filters);
  const { data, error, size, setSize, isValidating, mutate } = useSWRInfinite<Page>(
    (index, previous: Page | null) =>
      previous && previous.nextBefore === null ? null : `/api/alarms/journal?${query}${index > 0 && previous ? `&before=${previous.nextBefore}` : ''}`,
    apiFetch,
    { revalidateFirstPage: true },
  );
  const { data: lineData } = useSWR<{ lines: LineView[] }>('/api/lines', apiFetch, { revalidateOnFocus: false });
  const tags = new Map(lineData?.lines.flatMap((l) => l.tags.map((t) => [t.id, t] as const)) ?? []);
  const lineName = new Map(lines.map((l) => [l.id, l.name]));

  // New transitions: refresh, at most once a second (a flood must not become a request storm).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onAlarmTransition(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        void mutate();
      }, 1000);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [mutate]);

  function apply(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const next: JournalFilters = {};
    for (const k of ['line', 'tag', 'priority', 'transition', 'user', 'from', 'to'] as const) {
      const v = String(data.get(k) ?? '').trim();
      if (v) next[k] = v;
    }
    if (filters.alarm && data.get('alarm') === 'on') next.alarm = filters.alarm;
    setFilters(next);
    void setSize(1);
    const qs = new URLSearchParams(next as Record<string, string>).toString();
    router.replace(qs ? `${path}?${qs}` : path, { scroll: false });
  }

  const entries = data?.flatMap((p) => p.entries) ?? [];
  const more = data !== undefined && data.at(-1)?.nextBefore !== null;
  const ids = { line: useId(), tag: useId(), priority: useId(), transition: useId(), user: useId(), from: useId(), to: useId(), alarm: useId() };

  return (
    <>
      <form onSubmit={apply} key={JSON.stringify(filters)} className="mb-3 rounded-lg border border-edge bg-surface p-3" aria-label="Filter the journal">
        <div className="grid grid-cols-2 gap-x-3 gap-y-2 lg:grid-cols-4">
          <div>
            <label htmlFor={ids.line} className="text-sm font-medium">
              Line
            </label>
            <select id={ids.line} name="line" defaultValue={filters.line ?? ''} className={field}>
              <option value="">All lines</option>
              {lines.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </select>
          </div>
          <div className="col-span-2 sm:col-span-1">
            <label htmlFor={ids.tag} className="text-sm font-medium">
              Tag
            </label>
            <input id={ids.tag} name="tag" defaultValue={filters.tag ?? ''} placeholder="e.g. zone3 or glue" maxLength={100} className={field} />
          </div>
          <div>
            <label htmlFor={ids.priority} className="text-sm font-medium">
              Priority
            </label>
            <select id={ids.priority} name="priority" defaultValue={filters.priority ?? ''} className={field}>
              <option value="">All priorities</option>
              {alarmPriorities.map((p) => (
                <option key={p} value={p}>
                  {priorityStyle[p].label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={ids.transition} className="text-sm font-medium">
              State change
            </label>
            <select id={ids.transition} name="transition" defaultValue={filters.transition ?? ''} className={field}>
              <option value="">All changes</option>
              {alarmTransitions.map((t) => (
                <option key={t} value={t}>
                  {transitionLabel[t]}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={ids.user} className="text-sm font-medium">
              User
            </label>
            <input id={ids.user} name="user" defaultValue={filters.user ?? ''} maxLength={64} autoCapitalize="none" className={field} />
          </div>
          <div className="col-span-2 sm:col-span-1">
            <label htmlFor={ids.from} className="text-sm font-medium">
              From
            </label>
            <input id={ids.from} name="from" type="datetime-local" step={1} defaultValue={filters.from ?? ''} className={field} />
          </div>
          <div className="col-span-2 sm:col-span-1">
            <label htmlFor={ids.to} className="text-sm font-medium">
              To
            </label>
            <input id={ids.to} name="to" type="datetime-local" step={1} defaultValue={filters.to ?? ''} className={field} />
          </div>
          {filters.alarm && (
            <div className="col-span-2 flex items-end sm:col-span-1">
              <label htmlFor={ids.alarm} className="inline-flex min-h-11 items-center gap-2 text-sm break-all">
                <input id={ids.alarm} name="alarm" type="checkbox" defaultChecked className="size-6 shrink-0" />
                Only {filters.alarm}
              </label>
            </div>
          )}
        </div>
        <div className="mt-3 flex flex-wrap gap-2">
          <button type="submit" className={`${button} bg-action text-action-fg`}>
            Apply filters
          </button>
          <button
            type="button"
            className={`${button} border-2 border-edge bg-raised text-fg`}
            onClick={() => {
              setFilters({});
              void setSize(1);
              router.replace(path, { scroll: false });
            }}
          >
            Clear
          </button>
        </div>
      </form>

      {error ? (
        <p role="alert" className="rounded-md border-2 border-diag bg-diag-bg px-3 py-2 text-sm text-diag">
          Could not load the journal: {(error as Error).message}
        </p>
      ) : !data ? (
        <p className="text-muted">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="rounded-lg border border-edge-soft p-4 text-muted">No journal entries match.</p>
      ) : (
        <ol className="space-y-2" aria-label="Journal entries, newest first" data-testid="journal">
          {entries.map((e) => (
            <Entry
              key={e.seq}
              entry={e}
              lineName={lineName.get(e.line) ?? e.line}
              unit={e.tag ? (tags.get(e.tag)?.unit ?? '') : ''}
              decimals={e.tag ? (tags.get(e.tag)?.decimals ?? 2) : 0}
            />
          ))}
        </ol>
      )}
      {more && (
        <button
          type="button"
          className={`${button} mt-3 w-full border-2 border-edge bg-raised text-fg sm:w-auto`}
          disabled={isValidating}
          onClick={() => void setSize(size + 1)}
        >
          {isValidating ? 'Loading…' : 'Load older entries'}
        </button>
      )}
    </>
  );
}

function Entry({ entry: e, lineName, unit, decimals }: { entry: AlarmJournalEntry; lineName: string; unit: string; decimals: number }) {
  const shape = { kind: e.kind, unit, decimals, limit: e.limit };
  return (
    <li className="rounded-lg border border-edge bg-surface p-3 text-sm" data-seq={e.seq} data-transition={e.transition} data-journal-alarm={e.alarm}>
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <DateTime ts={e.ts} seconds className="tabular-nums" />
        <PriorityBadge priority={e.priority} />
        <span className="font-bold">{transitionLabel[e.transition]}</span>
        <span className="text-muted">→ {stateLabel(e.state)}</span>
        {e.suppressed && e.transition !== 'shelved' && e.transition !== 'out-of-service' && <span className="text-muted">(not annunciated)</span>}
      </div>
      <p className="mt-1 text-base font-semibold break-words">{e.message}</p>
      <p className="break-words text-muted">
        {lineName} · {e.label} · {kindName(e.kind)} <span className="break-all">({e.alarm})</span>
      </p>
      <p className="mt-0.5">
        Value <span className="font-semibold tabular-nums">{alarmValueText(shape, e.value)}</span>
        {e.kind !== 'comm' && (
          <>
            {' '}
            · {e.kind === 'discrete' ? 'alarm when' : 'limit'} <span className="tabular-nums">{limitText(shape)}</span>
          </>
        )}
      </p>
      {(e.user || e.comment) && (
        <p className="mt-0.5 break-words">
          {e.user ? (
            <>
              by <strong>{e.user}</strong>
            </>
          ) : (
            'by the system'
          )}
          {e.comment ? <>: “{e.comment}”</> : null}
        </p>
      )}
    </li>
  );
}
