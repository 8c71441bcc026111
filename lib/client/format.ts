/**
 * Display formatting shared by the pages. Numbers: pure functions with a fixed locale
 * (`en-US`), so the server render and the browser's hydration produce the same text.
 * Dates and times: pure functions of a `DateFormat` (style, locale, zone); the browser's is
 * `deviceDateFormat()`, and components read it through `useDateFormat` (null while the server
 * renders), so one format shows on every page. In the browser a format carries the locale's
 * layouts (date-pattern.ts), so dates are written without Intl on the main thread.
 */

import { applyPattern, clockOptions, type DatePattern, type DatePatterns, dateOptions, localWallTime, type WallTime } from './date-pattern.ts';
import { storedPatterns } from './date-pattern-store.ts';

/** Thousands separators for the integer digits of a `toFixed` text. */
const groups = /\B(?=(\d{3})+(?!\d))/g;

/**
 * A number with exactly `decimals` decimals (0–6) and `,` thousands separators, as `en-US`
 * writes it. Not `Intl.NumberFormat`: its first use in a page costs tens of ms (locale data),
 * on the critical path of the first render. `toFixed` rounds the exact binary value, as Intl does.
 */
function formatNumber(value: number, decimals: number): string {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e21) return String(value);
  const fixed = value.toFixed(decimals);
  const dot = fixed.indexOf('.');
  const int = dot < 0 ? fixed : fixed.slice(0, dot);
  return int.replace(groups, ',') + (dot < 0 ? '' : fixed.slice(dot));
}

/** A tag value with its tag's decimals; bools as `On`/`Off`; `—` when there is no value. */
export function formatValue(value: number | null | undefined, decimals: number, type?: string): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (type === 'bool') return value ? 'On' : 'Off';
  return formatNumber(value, Math.max(0, Math.min(6, decimals)));
}

/** How long ago, for ticking ages: `now`, `12 s ago`, `4 min 05 s ago`, `2 h 03 min ago`, `3 d 4 h ago`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return 'now';
  return `${formatDuration(ms)} ago`;
}

/** A duration, whole seconds: `12 s`, `4 min 05 s`, `2 h 03 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${pad(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${pad(m % 60)} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * Wall-clock time of day in the browser's zone, in this device's date format
 * (`deviceDateFormat`): `02:03:07 PM` (en-US), `14:03:07` (24 h, ISO, most locales).
 */
export function formatClock(epochMs: number): string {
  return formatTime(epochMs, deviceDateFormat());
}

/** Where this device keeps its chosen date style. */
export const dateStyleKey = 'lw.date-style';

/**
 * What a server render uses: it cannot know the browser's language, so pages render dates in
 * the browser (`useDateFormat` is null until hydrated) and this only keeps a stray server
 * call deterministic.
 */
const serverDateFormat: DateFormat = { style: '24h', locale: 'en-US' };
let device: DateFormat | undefined;

/** This device's date format: its chosen style (Settings) in the browser's first language. */
export function deviceDateFormat(): DateFormat {
  if (typeof window === 'undefined') return serverDateFormat;
  if (!device) {
    let stored: string | null = null;
    try {
      stored = window.localStorage.getItem(dateStyleKey);
    } catch {
      // Storage refused (private mode, policy): the locale's own style.
    }
    const style = dateStyles.includes(stored as DateStyle) ? (stored as DateStyle) : 'locale';
    const locale = navigator.language || 'en-US';
    const patterns = storedPatterns(locale);
    device = { style, locale, ...(patterns ? { patterns } : {}) };
  }
  return device;
}

/** Forgets the cached device format (the setting changed, here or in another tab). */
export function resetDeviceDateFormat(): void {
  device = undefined;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * How dates and times are written: `locale` as the browser's language writes them (day and
 * month order, 12 or 24 h), `24h` the same with a 24-hour clock, `iso` ISO 8601
 * (`2026-12-06 14:21:54`, 24 h). Times are in `timeZone` (default: the browser's zone).
 */
export type DateStyle = 'locale' | '24h' | 'iso';
export const dateStyles: readonly DateStyle[] = ['locale', '24h', 'iso'];

export interface DateFormat {
  style: DateStyle;
  /** BCP 47 tag, e.g. `en-US`. */
  locale: string;
  /** IANA zone; default the runtime's own. */
  timeZone?: string;
  /**
   * The locale's layouts, both clock styles, read off Intl once (date-pattern.ts): dates in the
   * runtime's zone then need no Intl. Both, so `{ ...f, style }` writes the other style right.
   */
  patterns?: DatePatterns;
}

export interface TimeParts {
  /** With seconds (default true for times, false for date-times). */
  seconds?: boolean;
  /** Followed by the time zone's short name (`UTC`, `CET`, `GMT+1`). Default false. */
  zone?: boolean;
}

/** One `Intl.DateTimeFormat` per locale and options: making one costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function dtf(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(locale, options);
    } catch {
      // An unknown or malformed tag (a browser setting we cannot vouch for).
      f = new Intl.DateTimeFormat('en-US', options);
    }
    formatters.set(key, f);
  }
  return f;
}

function timeOptions(f: DateFormat, seconds: boolean): Intl.DateTimeFormatOptions {
  return { ...clockOptions(f.style === 'locale', seconds), ...(f.timeZone ? { timeZone: f.timeZone } : {}) };
}

/** The wall time of an instant in the format's zone: `Date`'s own in the runtime's zone, else Intl's. */
function wallTime(ms: number, f: DateFormat): WallTime {
  if (!f.timeZone) return localWallTime(ms);
  const parts = dtf('en-US', { ...dateOptions, ...clockOptions(false, true), timeZone: f.timeZone }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour'), minute: n('minute'), second: n('second') };
}

/** The layout of the format's style where it applies: dates in the runtime's own zone. */
const layouts = (f: DateFormat): DatePattern | undefined => (f.timeZone || f.style === 'iso' ? undefined : f.patterns?.[f.style]);

const isoDate = (t: WallTime) => `${t.year}-${pad(t.month)}-${pad(t.day)}`;
const isoTime = (t: WallTime, seconds: boolean) => `${pad(t.hour)}:${pad(t.minute)}${seconds ? `:${pad(t.second)}` : ''}`;

/** The zone's short name at that instant: `UTC`, `CET`, `GMT+1` (as the locale names it). */
export function formatZone(ms: number, f: DateFormat): string {
  const parts = dtf(f.style === 'iso' ? 'en-US' : f.locale, { timeZoneName: 'short', ...(f.timeZone ? { timeZone: f.timeZone } : {}) }).formatToParts(ms);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
}

const withZone = (text: string, ms: number, f: DateFormat, zone?: boolean) => (zone ? `${text} ${formatZone(ms, f)}` : text);

/** A calendar date: `12/06/2026` (en-US), `06/12/2026` (en-GB), `06.12.2026` (de), `2026-12-06` (ISO). */
export function formatDate(ms: number, f: DateFormat): string {
  if (!Number.isFinite(ms)) return '—';
  if (f.style === 'iso') return isoDate(wallTime(ms, f));
  const p = layouts(f);
  if (p) return applyPattern(p.date, p, localWallTime(ms));
  return dtf(f.locale, { ...dateOptions, ...(f.timeZone ? { timeZone: f.timeZone } : {}) }).format(ms);
}

/** A time of day: `02:21:54 PM` (en-US), `14:21:54` (24 h, ISO, most locales); `seconds` default true. */
export function formatTime(ms: number, f: DateFormat, { seconds = true, zone }: TimeParts = {}): string {
  if (!Number.isFinite(ms)) return '—';
  if (f.style === 'iso') return withZone(isoTime(wallTime(ms, f), seconds), ms, f, zone);
  const p = layouts(f);
  if (p) return withZone(applyPattern(seconds ? p.time : p.timeShort, p, localWallTime(ms)), ms, f, zone);
  return withZone(dtf(f.locale, timeOptions(f, seconds)).format(ms), ms, f, zone);
}

/** A date and time: `12/06/2026, 02:21 PM` (en-US), `06/12/2026, 14:21` (en-GB), `2026-12-06 14:21` (ISO); `seconds` default false. */
export function formatDateTime(ms: number, f: DateFormat, { seconds = false, zone }: TimeParts = {}): string {
  if (!Number.isFinite(ms)) return '—';
  if (f.style === 'iso') {
    const t = wallTime(ms, f);
    return withZone(`${isoDate(t)} ${isoTime(t, seconds)}`, ms, f, zone);
  }
  const p = layouts(f);
  if (p) return withZone(applyPattern(seconds ? p.dateTime : p.dateTimeShort, p, localWallTime(ms)), ms, f, zone);
  return withZone(dtf(f.locale, { ...dateOptions, ...timeOptions(f, seconds) }).format(ms), ms, f, zone);
}

/**
 * The two ends of a span of time in one format: `12/06/2026, 02:20 PM` and `02:30 PM` when
 * both are on the same day (the date once), else both in full. DateSpan writes them with a
 * dash between, each end unbroken.
 */
export function formatSpanEnds(from: number, to: number, f: DateFormat, parts: TimeParts = {}): [string, string] {
  const { zone, ...rest } = parts;
  if (formatDate(from, f) === formatDate(to, f)) return [formatDateTime(from, f, rest), formatTime(to, f, { seconds: rest.seconds ?? false, zone })];
  return [formatDateTime(from, f, rest), formatDateTime(to, f, parts)];
}
