/**
 * A locale's date and time layout, read once from `Intl.DateTimeFormat` and then applied with
 * plain `Date` getters. The first `Intl.DateTimeFormat` of a page loads the locale's data:
 * 15–40 ms of main thread on a desktop, four times that on a phone, right in the first render.
 * The browser reads the layout in a worker (date-pattern.worker.ts) and keeps it; the main
 * thread then never touches Intl for the common formats.
 *
 * A layout is only handed out when it reproduces Intl exactly on instants that cover every
 * hour, one- and two-digit days and months (`derivePatterns` checks itself); locales it cannot
 * follow (other calendars, other digits) get none and keep using Intl.
 */

/** A piece of a layout: a field of the date, or literal text (`/`, `, `, ` `, `.`, `h`, …). */
export type Token = { field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'dayPeriod'; width: 1 | 2 } | { text: string };

export type HourCycle = 'h11' | 'h12' | 'h23' | 'h24';

/** One style's layouts (`locale`: the locale's own clock, `24h`: the same with a 24-hour clock). */
export interface DatePattern {
  date: Token[];
  time: Token[];
  timeShort: Token[];
  dateTime: Token[];
  dateTimeShort: Token[];
  hourCycle: HourCycle;
  /** The day period's text for each hour 0–23 (`AM`/`PM`, `午前`/`午後`, `in the morning`…); empty with a 24-hour clock. */
  dayPeriods: string[];
}

export interface DatePatterns {
  locale: DatePattern;
  '24h': DatePattern;
}

/** The fields of an instant on a wall clock (month 1–12, hour 0–23). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localWallTime(ms: number): WallTime {
  const d = new Date(ms);
  return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds() };
}

function utcWallTime(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

function clockHour(hour: number, cycle: HourCycle): number {
  if (cycle === 'h23') return hour;
  if (cycle === 'h24') return hour === 0 ? 24 : hour;
  if (cycle === 'h11') return hour % 12;
  return hour % 12 || 12;
}

const padded = (n: number, width: 1 | 2) => (width === 2 && n < 10 ? `0${n}` : String(n));

/** Writes a wall time in one of a pattern's layouts. */
export function applyPattern(tokens: Token[], pattern: DatePattern, t: WallTime): string {
  let out = '';
  for (const token of tokens) {
    if ('text' in token) out += token.text;
    else if (token.field === 'dayPeriod') out += pattern.dayPeriods[t.hour] ?? '';
    else if (token.field === 'hour') out += padded(clockHour(t.hour, pattern.hourCycle), token.width);
    else if (token.field === 'year') out += String(t.year);
    else out += padded(t[token.field], token.width);
  }
  return out;
}

/** The date fields every date is written with (format.ts, with Intl or a layout): a layout stands for exactly these. */
export const dateOptions = { year: 'numeric', month: '2-digit', day: '2-digit' } as const;

/** The time fields, likewise: the locale's own clock, or a 24-hour one. */
export function clockOptions(ownClock: boolean, seconds: boolean): Intl.DateTimeFormatOptions {
  return { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}), ...(ownClock ? {} : { hourCycle: 'h23' }) };
}

/** Where every field is one digit, so a layout shows which fields it pads: 2001-02-03 04:05:06 UTC. */
const probe = Date.UTC(2001, 1, 3, 4, 5, 6);

/** Instants the derived layout must write exactly as Intl does: all 24 hours, short and long days and months. */
const checks: number[] = [Date.UTC(2026, 11, 31, 23, 59, 59), Date.UTC(2027, 0, 1, 0, 0, 0), Date.UTC(1999, 8, 9, 12, 0, 9)];
for (let h = 0; h < 24; h++) checks.push(Date.UTC(2026, h % 12, 1 + ((h * 5) % 28), h, (h * 13) % 60, (h * 29) % 60));

type Fields = Exclude<Token, { text: string }>['field'];
const fields: readonly string[] = ['year', 'month', 'day', 'hour', 'minute', 'second', 'dayPeriod'] satisfies Fields[];

function layoutOf(format: Intl.DateTimeFormat): Token[] | null {
  // The parts name the fields; the literals are taken from `format()`'s own text, which V8
  // writes differently in places (a plain space before AM/PM where the parts have U+202F).
  const text = format.format(probe);
  const tokens: Token[] = [];
  let at = 0;
  for (const part of format.formatToParts(probe)) {
    const end = at + part.value.length;
    if (part.type === 'literal') tokens.push({ text: text.slice(at, end) });
    else if (fields.includes(part.type)) tokens.push({ field: part.type as Fields, width: part.value.length === 2 ? 2 : 1 });
    else return null; // An era, a related year, a year name: a calendar this does not follow.
    at = end;
  }
  return at === text.length ? tokens : null;
}

function deriveStyle(locale: string, style: keyof DatePatterns): DatePattern | null {
  const utc = { timeZone: 'UTC' } as const;
  const formats = {
    date: new Intl.DateTimeFormat(locale, { ...dateOptions, ...utc }),
    time: new Intl.DateTimeFormat(locale, { ...clockOptions(style === 'locale', true), ...utc }),
    timeShort: new Intl.DateTimeFormat(locale, { ...clockOptions(style === 'locale', false), ...utc }),
    dateTime: new Intl.DateTimeFormat(locale, { ...dateOptions, ...clockOptions(style === 'locale', true), ...utc }),
    dateTimeShort: new Intl.DateTimeFormat(locale, { ...dateOptions, ...clockOptions(style === 'locale', false), ...utc }),
  };
  const resolved = formats.time.resolvedOptions();
  if (resolved.calendar !== 'gregory' || resolved.numberingSystem !== 'latn' || formats.date.resolvedOptions().calendar !== 'gregory') return null;
  const dayPeriods: string[] = [];
  for (let h = 0; h < 24; h++) dayPeriods.push(formats.time.formatToParts(Date.UTC(2026, 0, 5, h, 30, 0)).find((p) => p.type === 'dayPeriod')?.value ?? '');
  const layouts = {} as Record<keyof typeof formats, Token[]>;
  for (const [name, format] of Object.entries(formats) as [keyof typeof formats, Intl.DateTimeFormat][]) {
    const layout = layoutOf(format);
    if (!layout) return null;
    layouts[name] = layout;
  }
  const pattern: DatePattern = { ...layouts, hourCycle: (resolved.hourCycle ?? 'h23') as HourCycle, dayPeriods };
  for (const ms of checks) {
    const t = utcWallTime(ms);
    for (const name of Object.keys(formats) as (keyof typeof formats)[]) {
      if (applyPattern(pattern[name], pattern, t) !== formats[name].format(ms)) return null;
    }
  }
  return pattern;
}

/**
 * The layouts of both clock styles in `locale`, or null where a layout cannot stand in for
 * Intl (the locale's calendar is not Gregorian, its digits are not 0–9, or any check differs).
 */
export function derivePatterns(locale: string): DatePatterns | null {
  try {
    const own = deriveStyle(locale, 'locale');
    const h24 = own && deriveStyle(locale, '24h');
    return own && h24 ? { locale: own, '24h': h24 } : null;
  } catch {
    return null; // A malformed tag: Intl itself falls back (format.ts).
  }
}
