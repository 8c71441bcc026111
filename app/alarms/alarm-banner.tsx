'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { alarmPriorities, annunciates } from '../../lib/alarms/alarm-types.ts';
import { onAlarmTransition, useAlarmSummary } from '../../lib/client/alarm-store.ts';
import { annunciate, annunciatedPriorities, armAudioUnlock } from '../../lib/client/alarm-sound.ts';
import { formatClock } from '../../lib/client/format.ts';
import { PriorityBadge, priorityStyle } from './alarm-badges.tsx';

/**
 * The alarm banner at the top of every signed-in page: unacknowledged alarms by priority and
 * the one that matters most (highest priority, newest); the whole bar opens /alarms. New
 * high-priority alarms sound or vibrate when this device asked for it (off by default) and
 * are announced to screen readers.
 */
export function AlarmBanner() {
  const s = useAlarmSummary();
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    armAudioUnlock();
    return onAlarmTransition((entry) => {
      if (!annunciates(entry)) return;
      if (annunciatedPriorities.includes(entry.priority)) annunciate(entry.priority);
      setAnnouncement(`New ${priorityStyle[entry.priority].label.toLowerCase()} priority alarm: ${entry.message}`);
    });
  }, []);

  const any = s.unackedTotal > 0;
  const newest = s.newest;
  return (
    <div className={any ? 'border-t-2 border-fg bg-surface' : 'border-t border-edge-soft'} data-testid="alarm-banner" data-unacked={s.unackedTotal}>
      <Link
        href="/alarms"
        prefetch={false}
        className="mx-auto flex min-h-11 max-w-6xl flex-wrap items-center gap-x-3 gap-y-1 px-3 py-1 hover:bg-raised sm:px-4"
      >
        {any ? (
          <span className="flex flex-wrap items-center gap-1.5">
            {alarmPriorities
              .filter((p) => s.unacked[p] > 0)
              .map((p) => (
                <PriorityBadge key={p} priority={p} count={s.unacked[p]} />
              ))}
            <span className="text-sm font-semibold">unacknowledged</span>
          </span>
        ) : (
          <span className="inline-flex items-center gap-1.5 text-sm text-muted">
            <svg viewBox="0 0 16 16" className="size-4 shrink-0" aria-hidden="true" focusable="false">
              <path d="m3 8.5 3.2 3.2L13 4.8" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            No unacknowledged alarms{s.active > 0 ? ` · ${s.active} active` : ''}
          </span>
        )}
        {newest && (
          <span className="min-w-0 flex-1 basis-48 truncate text-sm" data-testid="alarm-banner-newest" data-alarm={newest.id}>
            {newest.activeSince !== null && <span className="mr-1.5 text-muted tabular-nums">{formatClock(newest.activeSince)}</span>}
            <span className="font-semibold">{newest.message}</span>
          </span>
        )}
        <span className="ml-auto inline-flex items-center gap-1 text-sm font-semibold whitespace-nowrap">
          Alarms
          <svg viewBox="0 0 16 16" className="size-4" aria-hidden="true" focusable="false">
            <path d="m6 3 5 5-5 5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
        </span>
      </Link>
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}
