'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { annunciates, type AlarmJournalEntry, type AlarmView } from '../../lib/alarms/alarm-types.ts';
import { onAlarmTransition } from '../../lib/client/alarm-store.ts';
import { formatClock } from '../../lib/client/format.ts';
import { notifyWhileHidden } from '../../lib/client/push-client.ts';
import type { AlarmPush } from '../../lib/push/push-types.ts';
import { PriorityBadge } from '../alarms/alarm-badges.tsx';

interface Toast {
  key: string;
  alarm: AlarmView;
  entry: AlarmJournalEntry;
}

const shown = 3;
const lifetimeMs = 12_000;

/**
 * New alarms while the app is open: a toast when the page is on screen; with the page
 * hidden, a system notification through the service worker (if this device turned
 * notifications on). A burst shows the newest three and how many more.
 */
export function AlarmToasts({ lineNames, canAck }: { lineNames: Record<string, string>; canAck: boolean }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const path = usePathname();
  const onAlarmList = useRef(false);
  // The alarm list shows new alarms at the top already: no toast over it.
  onAlarmList.current = path === '/alarms';

  useEffect(
    () =>
      onAlarmTransition((entry, alarm) => {
        if (!annunciates(entry)) return;
        if (document.visibilityState !== 'visible') {
          const payload: AlarmPush = {
            v: 1,
            kind: 'alarm',
            id: alarm.id,
            line: alarm.line,
            lineName: lineNames[alarm.line] ?? alarm.line,
            tag: alarm.tag,
            label: alarm.label,
            message: entry.message,
            priority: alarm.priority,
            state: alarm.state,
            value: entry.value,
            unit: alarm.unit,
            decimals: alarm.decimals,
            ts: entry.ts,
            seq: entry.seq,
            canAck,
            url: `/alarms?focus=${encodeURIComponent(alarm.id)}`,
          };
          void notifyWhileHidden(payload);
          return;
        }
        if (onAlarmList.current) return;
        setToasts((list) => [...list.filter((t) => t.alarm.id !== alarm.id), { key: `${alarm.id}:${entry.seq}`, alarm, entry }].slice(-50));
      }),
    [lineNames, canAck],
  );

  useEffect(() => {
    if (toasts.length === 0) return;
    const oldest = Math.min(...toasts.map((t) => t.entry.ts));
    const timer = setTimeout(
      () => setToasts((list) => list.filter((t) => Date.now() - t.entry.ts < lifetimeMs)),
      Math.max(500, oldest + lifetimeMs - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [toasts]);

  if (toasts.length === 0 || path === '/alarms') return null;
  const visible = toasts.slice(-shown).reverse();
  const more = toasts.length - visible.length;
  const dismiss = (key: string) => setToasts((list) => list.filter((t) => t.key !== key));
  return (
    <section
      aria-label="New alarms"
      className="pointer-events-none fixed inset-x-2 bottom-2 z-30 flex flex-col items-end gap-2 sm:left-auto sm:w-96"
      data-testid="alarm-toasts"
    >
      {visible.map((t) => (
        <div key={t.key} className="pointer-events-auto w-full rounded-lg border-2 border-fg bg-raised p-3 shadow-lg" data-toast-alarm={t.alarm.id}>
          <div className="flex flex-wrap items-center gap-2">
            <PriorityBadge priority={t.alarm.priority} />
            <span className="text-sm text-muted">
              {lineNames[t.alarm.line] ?? t.alarm.line} · {formatClock(t.entry.ts)}
            </span>
          </div>
          <p className="mt-1 font-semibold break-words">{t.entry.message}</p>
          <div className="mt-2 flex gap-2">
            <Link
              href={`/alarms?focus=${encodeURIComponent(t.alarm.id)}`}
              onClick={() => dismiss(t.key)}
              className="inline-flex min-h-11 items-center rounded-md bg-action px-4 font-semibold text-action-fg"
            >
              Open
            </Link>
            <button
              type="button"
              onClick={() => dismiss(t.key)}
              className="inline-flex min-h-11 items-center rounded-md border-2 border-edge px-4 font-semibold"
            >
              Dismiss
            </button>
          </div>
        </div>
      ))}
      {more > 0 && (
        <Link
          href="/alarms"
          onClick={() => setToasts([])}
          className="pointer-events-auto inline-flex min-h-11 items-center rounded-md border-2 border-fg bg-raised px-4 font-semibold shadow-lg"
        >
          {more} more new alarm{more === 1 ? '' : 's'}: open the list
        </Link>
      )}
    </section>
  );
}
