'use client';

import { useLayoutEffect, useRef } from 'react';
import { useNow } from '../../lib/client/clock.ts';
import { useDateFormat } from '../../lib/client/date-format.ts';
import { deviceDateFormat, formatTime } from '../../lib/client/format.ts';
import { useConnectionState, useLastKnown } from '../../lib/client/live-store.ts';
import { Icon } from './glyph.tsx';

const pad = (n: number) => String(n).padStart(2, '0');

/** Coarse on purpose: `40 s ago`, `6 min ago`, `2 h 05 min ago`. */
function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  return `${Math.floor(m / 60)} h ${pad(m % 60)} min ago`;
}

/**
 * Says plainly when the values on screen are not live: opened offline (last known state from
 * this device), the stream is offline, or the server gets no live data (its live bus is down). Every good value is shown stale meanwhile
 * (lib/client/live-store.ts); this bar says since when. Gone as soon as the stream is back.
 */
export function OfflineBanner() {
  const { stale, source, dataAt } = useLastKnown();
  const state = useConnectionState();
  useNow();
  // Shown only after hydration (stale is false on the server), so the device's format is known.
  const f = useDateFormat() ?? deviceDateFormat();
  const marked = useRef(false);

  useLayoutEffect(() => {
    // The store has its data: this banner (or none) replaces the one an offline start painted
    // before hydration (lib/client/early-paint.ts), in the same frame.
    if (source !== 'none') document.getElementById('lw-early-banner')?.remove();
    // For the "opened offline → last known values on screen" figure (test/e2e/pwa.spec.ts):
    // the early paint marks `lw:last-known-shown` first when it ran; this is React's turn.
    if (stale && source === 'stored' && !marked.current) {
      marked.current = true;
      performance.mark('lw:last-known-react');
      if (performance.getEntriesByName('lw:last-known-shown').length === 0) performance.mark('lw:last-known-shown');
    }
  }, [stale, source]);

  if (!stale) return null;
  const lead =
    state === 'offline'
      ? 'Offline'
      : state === 'interrupted'
        ? 'Live data interrupted at the server'
        : state === 'live'
          ? 'Connected, waiting for live data'
          : 'Reconnecting';
  // Local clocks on both sides: dataAt is when this device received the data.
  const age = dataAt === null ? null : Date.now() - dataAt;
  return (
    <div className="border-b-2 border-fg bg-surface" data-testid="offline-banner" data-source={source} data-data-at={dataAt ?? undefined}>
      {/* One run of text beside the icon: on a phone it wraps as a sentence, not as three blocks. */}
      <p role="status" className="mx-auto flex min-h-11 max-w-6xl items-center gap-2 px-3 py-1 text-sm sm:px-4">
        <Icon name="stale" className="size-4 shrink-0" />
        <span>
          <strong className="font-semibold">{lead}</strong>{' '}
          <span>
            {dataAt === null || age === null ? '— no data on this device yet' : `— data from ${formatTime(dataAt, f, { seconds: false })}, ${ago(age)}`}
            <span className="text-muted">. Values are last known, not live.</span>
          </span>
        </span>
      </p>
    </div>
  );
}
