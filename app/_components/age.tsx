'use client';

import { useNow } from '../../lib/client/clock.ts';
import { formatAge } from '../../lib/client/format.ts';

/**
 * How old a value is, ticking every second even when no event arrives (a frozen stream
 * shows as growing ages). Rendered in the browser only; a fixed-width placeholder before.
 */
export function Age({ ts, className = '' }: { ts: number | null | undefined; className?: string }) {
  const now = useNow();
  const text = now === null || ts === null || ts === undefined ? '—' : formatAge(Math.max(0, now - ts));
  return (
    <span className={`tabular-nums whitespace-nowrap ${className}`} data-age={now !== null && ts ? Math.max(0, now - ts) : undefined}>
      {text}
    </span>
  );
}

/**
 * How fresh a line's data is: the age of its newest good value ("Data age", or "Last good
 * data" when communication is lost); with none known, "Last good data: none", with how long
 * ago the newest (not good) sample came. One name for one thing.
 */
export function Freshness({ state, lastGood, since }: { state: string; lastGood: number | undefined; since: number | null | undefined }) {
  if (lastGood !== undefined) {
    return (
      <>
        {state === 'comm-lost' ? 'Last good data' : 'Data age'}: <Age ts={lastGood} className="font-medium text-fg" />
      </>
    );
  }
  return (
    <>
      Last good data: <span className="font-medium text-fg">none</span>
      {since ? (
        <>
          {' '}
          (last read <Age ts={since} className="font-medium text-fg" />)
        </>
      ) : null}
    </>
  );
}
