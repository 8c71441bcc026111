'use client';

import { useNow } from '../../lib/client/clock.ts';
import { useDateFormat } from '../../lib/client/date-format.ts';
import { formatAge, formatTime } from '../../lib/client/format.ts';
import { useConnectionState, useLastEventSecond, type ConnectionState } from '../../lib/client/live-store.ts';
import { Icon, type IconName } from './glyph.tsx';

const states: Record<ConnectionState, { icon: IconName; label: string; abnormal: boolean }> = {
  connecting: { icon: 'busy', label: 'Connecting', abnormal: false },
  live: { icon: 'running', label: 'Live', abnormal: false },
  // Connected, but the server gets no live data (its live bus is down): values are frozen.
  interrupted: { icon: 'stale', label: 'Interrupted', abnormal: true },
  reconnecting: { icon: 'busy', label: 'Reconnecting', abnormal: false },
  offline: { icon: 'offline', label: 'Offline', abnormal: true },
};

/**
 * The state of the tab's live stream and when its last event arrived. The state word is a
 * polite live region; the ticking time is outside it, so screen readers are not flooded.
 */
export function ConnectionIndicator() {
  // Narrow selectors: this re-renders on a change of state or of the second, not per message.
  const state = useConnectionState();
  const lastSecond = useLastEventSecond();
  const lastEventAt = lastSecond === null ? null : lastSecond * 1000;
  // Local clock on both sides: lastEventAt is when this browser received the event.
  const now = useNow() === null ? null : Date.now();
  // The app's date and time setting (Settings), redrawn when it changes here or in another tab.
  const f = useDateFormat();
  const s = states[state];
  const quiet = now !== null && lastEventAt !== null ? now - lastEventAt : null;
  return (
    <div className="flex min-h-11 flex-col items-end justify-center xl:flex-row xl:items-center xl:gap-2" data-connection={state} data-testid="connection">
      <span
        role="status"
        aria-live="polite"
        className={`inline-flex min-h-7 items-center gap-1.5 rounded px-2 text-sm font-semibold whitespace-nowrap ${
          s.abnormal ? 'border-2 border-diag bg-diag-bg text-diag' : 'border border-edge-soft'
        }`}
      >
        <Icon name={s.icon} />
        {s.label}
      </span>
      <span className="text-xs leading-4 text-muted tabular-nums xl:w-32" data-testid="last-event">
        {lastEventAt === null || f === null ? (
          <span className="sr-only xl:not-sr-only">No event yet</span>
        ) : (
          <>
            <span className="sr-only xl:not-sr-only">Last event </span>
            {formatTime(lastEventAt, f)}
          </>
        )}
        {quiet !== null && quiet >= 5000 ? <span className="hidden xl:block">{formatAge(quiet)}</span> : null}
      </span>
    </div>
  );
}
