'use client';

import { useState } from 'react';
import useSWRInfinite from 'swr/infinite';
import { apiFetch } from '../../../lib/client/api-fetch.ts';
import type { AuditEntry } from '../../../server/storage/store.ts';
import { DateTime } from '../../_components/date-time.tsx';

type Entry = Required<Pick<AuditEntry, 'id'>> & AuditEntry;
type Page = { entries: Entry[]; nextBefore: number | null };

const control = 'mt-1 block min-h-11 w-full rounded-md border border-neutral-400 bg-white px-3 text-base dark:border-neutral-500 dark:bg-neutral-900';

/** Admin: the append-only audit log, newest first, filtered, with cursor pagination. */
export function AuditLog() {
  const [filter, setFilter] = useState({ user: '', action: '', from: '', to: '' });
  const query = new URLSearchParams();
  if (filter.user) query.set('user', filter.user);
  if (filter.action) query.set('action', filter.action);
  // datetime-local inputs hold local time; the API takes ISO 8601 instants.
  for (const key of ['from', 'to'] as const) {
    const at = filter[key] ? new Date(filter[key]) : null;
    if (at && !Number.isNaN(at.getTime())) query.set(key, at.toISOString());
  }
  const { data, size, setSize, error, isLoading } = useSWRInfinite<Page>((index, previous: Page | null) => {
    if (previous && previous.nextBefore === null) return null;
    const q = new URLSearchParams(query);
    q.set('limit', '50');
    if (previous?.nextBefore) q.set('before', String(previous.nextBefore));
    return `/api/audit?${q}`;
  }, apiFetch);
  const entries = data?.flatMap((p) => p.entries) ?? [];
  const more = data?.at(-1)?.nextBefore != null;

  return (
    <div className="space-y-4">
      <form className="grid gap-3 sm:grid-cols-2" onSubmit={(e) => e.preventDefault()}>
        <label className="text-sm">
          User
          <input className={control} value={filter.user} onChange={(e) => setFilter({ ...filter, user: e.target.value })} />
        </label>
        <label className="text-sm">
          Action
          <select className={control} value={filter.action} onChange={(e) => setFilter({ ...filter, action: e.target.value })}>
            <option value="">any</option>
            {[
              'login',
              'logout',
              'session.end',
              'user.create',
              'user.update',
              'simulation.start',
              'simulation.stop',
              'alarm.ack',
              'alarm.shelve',
              'job.start',
              'job.cancel',
            ].map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          From (local time)
          <input type="datetime-local" className={control} value={filter.from} onChange={(e) => setFilter({ ...filter, from: e.target.value })} />
        </label>
        <label className="text-sm">
          To (local time)
          <input type="datetime-local" className={control} value={filter.to} onChange={(e) => setFilter({ ...filter, to: e.target.value })} />
        </label>
      </form>
      {error && <p role="alert">⚠ {(error as Error).message}</p>}
      <ul className="divide-y divide-neutral-300 dark:divide-neutral-700">
        {entries.map((e) => (
          <li key={e.id} className="grid gap-1 py-2 text-sm sm:grid-cols-[12rem_8rem_1fr]">
            <DateTime ts={e.ts} seconds zone className="tabular-nums text-neutral-700 dark:text-neutral-300" />
            <span className="font-medium">{e.username ?? '—'}</span>
            <span>
              {e.action}
              {e.target ? ` · ${e.target}` : ''} ·{' '}
              <span className={e.result === 'ok' ? '' : 'font-semibold'}>{e.result === 'ok' ? 'ok' : `⚠ ${e.result}`}</span>
              {e.detail ? ` · ${e.detail}` : ''} <span className="text-neutral-600 dark:text-neutral-400">from {e.ip}</span>
            </span>
          </li>
        ))}
      </ul>
      {isLoading && <p>Loading…</p>}
      {more && (
        <button type="button" className="min-h-11 rounded-md border border-neutral-500 px-4" onClick={() => void setSize(size + 1)}>
          Older entries
        </button>
      )}
    </div>
  );
}
