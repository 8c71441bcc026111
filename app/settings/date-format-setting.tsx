'use client';

import { useId } from 'react';
import { useNow } from '../../lib/client/clock.ts';
import { setDateStyle, useDateFormat } from '../../lib/client/date-format.ts';
import { type DateStyle, dateStyles, formatDateTime, formatZone } from '../../lib/client/format.ts';

const names: Record<DateStyle, string> = {
  locale: 'As this browser’s language writes them',
  '24h': 'Same, with a 24-hour clock',
  iso: 'ISO 8601 (year-month-day, 24 h)',
};

/** How this device writes dates and times on every page (kept on this device). */
export function DateFormatSetting() {
  const id = useId();
  const f = useDateFormat();
  const now = useNow();
  return (
    <section aria-labelledby={`${id}-title`} className="mt-4 rounded-lg border border-edge bg-surface p-3 sm:p-4">
      <h2 id={`${id}-title`} className="text-xl font-semibold">
        Date and time
      </h2>
      <p className="mt-1 text-sm text-muted">
        One format on every page of this device{f && now !== null ? ` (language ${f.locale}, time zone ${formatZone(now, f)})` : ''}. Exports and the audit log
        state their time zone.
      </p>
      <fieldset className="mt-2">
        <legend className="sr-only">Date and time format</legend>
        {dateStyles.map((style) => (
          <label key={style} className="flex min-h-11 items-center gap-3 text-base">
            <input
              type="radio"
              name={`${id}-style`}
              value={style}
              checked={f?.style === style}
              disabled={f === null}
              onChange={() => setDateStyle(style)}
              className="size-5 accent-current"
            />
            <span>
              {names[style]}
              {f && now !== null ? (
                <span className="block text-sm tabular-nums text-muted" data-example={style}>
                  {formatDateTime(now, { ...f, style }, { seconds: true })}
                </span>
              ) : null}
            </span>
          </label>
        ))}
      </fieldset>
    </section>
  );
}
