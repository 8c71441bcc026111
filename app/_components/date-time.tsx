'use client';

import { useDateFormat } from '../../lib/client/date-format.ts';
import { formatDate, formatDateTime, formatSpanEnds, formatTime, type TimeParts } from '../../lib/client/format.ts';

interface Props extends TimeParts {
  /** Epoch ms. */
  ts: number;
  /** What to show: date and time (default), the date, or the time of day. */
  show?: 'datetime' | 'date' | 'time';
  className?: string;
}

/**
 * An instant in this device's date format (Settings → Date and time), the same on every page,
 * with its ISO 8601 value for machines. Rendered in the browser only (the server cannot know
 * the browser's language): `—` until then.
 */
export function DateTime({ ts, show = 'datetime', className, ...parts }: Props) {
  const f = useDateFormat();
  const text = f === null ? '—' : show === 'date' ? formatDate(ts, f) : show === 'time' ? formatTime(ts, f, parts) : formatDateTime(ts, f, parts);
  return (
    <time dateTime={Number.isFinite(ts) ? new Date(ts).toISOString() : undefined} data-lw-date={show} className={className}>
      {text}
    </time>
  );
}

/**
 * A span of time in this device's date format, the date once when both ends are on one day:
 * `12/06/2026, 02:20 PM – 02:30 PM`. A narrow screen breaks it after the dash only, never
 * inside an end ("03:39" / "AM"). `—` until rendered in the browser.
 */
export function DateSpan({ from, to, className }: { from: number; to: number; className?: string }) {
  const f = useDateFormat();
  const ends = f === null ? null : formatSpanEnds(from, to, f);
  return (
    <span data-lw-date="span" data-from={from} data-to={to} className={className}>
      {ends ? (
        <>
          <span className="whitespace-nowrap">{ends[0]} –</span> <span className="whitespace-nowrap">{ends[1]}</span>
        </>
      ) : (
        '—'
      )}
    </span>
  );
}
