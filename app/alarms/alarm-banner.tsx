'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { alarmPriorities, annunciates } from '../../lib/alarms/alarm-types.ts';
import { onAlarmTransition, useAlarmSummary } from '../../lib/client/alarm-store.ts';
import { annunciate, annunciatedPriorities, armAudioUnlock } from '../../lib/client/alarm-sound.ts';
import { bannerState } from '../../lib/client/banner-state.ts';
import { useDateFormat } from '../../lib/client/date-format.ts';
import { formatTime } from '../../lib/client/format.ts';
import { useConnectionState } from '../../lib/client/live-store.ts';
import { Icon } from '../_components/glyph.tsx';
import { PriorityBadge, priorityStyle, StateIcon } from './alarm-badges.tsx';

/**
 * The alarm banner at the top of every signed-in page, one row (lib/client/banner-state.ts
 * says which state): unacknowledged alarms by priority and the one that matters most; or
 * "N active, acknowledged"; or what is shelved; or "unknown (offline)" while the stream is
 * down, with the last known counts. Every state has its words and an icon, never colour
 * alone; the whole bar opens /alarms. New high-priority alarms sound or vibrate when this
 * device asked for it (off by default) and are announced to screen readers.
 */
export function AlarmBanner() {
  const s = useAlarmSummary();
  const connection = useConnectionState();
  const [announcement, setAnnouncement] = useState('');
  const f = useDateFormat();

  useEffect(() => {
    armAudioUnlock();
    return onAlarmTransition((entry) => {
      if (!annunciates(entry)) return;
      if (annunciatedPriorities.includes(entry.priority)) annunciate(entry.priority);
      setAnnouncement(`New ${priorityStyle[entry.priority].label.toLowerCase()} priority alarm: ${entry.message}`);
    });
  }, []);

  const b = bannerState(s, connection);
  const newest = b.kind === 'unacked' || b.kind === 'acked' ? s.newest : null;
  const tone =
    b.kind === 'unacked'
      ? 'border-t-2 border-fg bg-surface'
      : b.kind === 'unknown'
        ? 'border-t-2 border-dashed border-fg bg-raised'
        : 'border-t border-edge-soft';
  return (
    <div className={tone} data-testid="alarm-banner" data-banner-state={b.kind} data-unacked={s.unackedTotal}>
      <Link
        href="/alarms"
        prefetch={false}
        className="mx-auto flex min-h-11 max-w-6xl flex-nowrap items-center gap-2 overflow-hidden px-3 py-0.5 hover:bg-raised sm:gap-3 sm:px-4"
      >
        {b.kind === 'unknown' ? (
          <UnknownBody text={b.text} detail={b.detail} />
        ) : (
          <>
            <span className="flex min-w-0 shrink-0 items-center gap-1.5">
              {b.kind === 'unacked' && (
                <>
                  {alarmPriorities
                    .filter((p) => s.unacked[p] > 0)
                    .map((p) => (
                      // Phones: the highest priority only; the words carry the total.
                      <span key={p} className={p === b.priority ? 'contents' : 'hidden sm:contents'}>
                        <PriorityBadge priority={p} count={s.unacked[p]} />
                      </span>
                    ))}
                  <strong className="text-sm font-semibold whitespace-nowrap" data-testid="alarm-banner-text">
                    {b.text}
                  </strong>
                </>
              )}
              {b.kind === 'acked' && (
                <>
                  {b.priority && <PriorityBadge priority={b.priority} />}
                  <StateIcon state="ack-active" />
                  <span className="text-sm font-semibold whitespace-nowrap" data-testid="alarm-banner-text">
                    {b.text}
                  </span>
                </>
              )}
              {(b.kind === 'suppressed' || b.kind === 'clear' || b.kind === 'checking') && (
                <span className="inline-flex items-center gap-1.5 text-sm whitespace-nowrap text-muted" data-testid="alarm-banner-text">
                  {b.kind === 'suppressed' ? <StateIcon state="shelved" /> : b.kind === 'clear' ? <StateIcon state="normal" /> : <Icon name="busy" />}
                  {b.text}
                </span>
              )}
            </span>
            {newest ? (
              <span className="hidden min-w-0 flex-1 truncate text-sm sm:block" data-testid="alarm-banner-newest" data-alarm={newest.id}>
                {newest.activeSince !== null && <span className="mr-1.5 text-muted tabular-nums">{f ? formatTime(newest.activeSince, f) : null}</span>}
                <span className="font-semibold">{newest.message}</span>
              </span>
            ) : (
              <span className="min-w-0 flex-1 truncate text-sm text-muted">
                {b.detail ? <span aria-hidden="true">· </span> : null}
                <span data-testid="alarm-banner-detail">{b.detail}</span>
              </span>
            )}
            {newest && b.detail ? <span className="hidden shrink-0 text-sm text-muted lg:inline">· {b.detail}</span> : null}
          </>
        )}
        <span className="ml-auto inline-flex shrink-0 items-center gap-1 text-sm font-semibold whitespace-nowrap">
          {/* Offline on a phone, the last known counts need the room; the chevron still says "open". */}
          <span className={b.kind === 'unknown' ? 'sr-only sm:not-sr-only' : undefined}>Alarms</span>
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

/**
 * Offline: "Alarms unknown (offline)" and the last known counts. On a phone the two go on two
 * lines inside the banner's one-row height (2 × 20 px), so the counts are read, not cut off;
 * wider screens keep one row.
 */
function UnknownBody({ text, detail }: { text: string; detail: string }) {
  return (
    <span className="flex min-w-0 flex-1 items-center gap-1.5">
      <Icon name="offline" className="size-5 shrink-0" />
      <span className="flex min-w-0 flex-1 flex-col text-sm leading-5 sm:flex-row sm:items-center sm:gap-2">
        <strong className="shrink-0 font-semibold whitespace-nowrap" data-testid="alarm-banner-text">
          {text}
        </strong>
        <span className="min-w-0 truncate text-muted">
          {detail ? (
            <span aria-hidden="true" className="hidden sm:inline">
              ·{' '}
            </span>
          ) : null}
          <span data-testid="alarm-banner-detail">{detail}</span>
        </span>
      </span>
    </span>
  );
}
