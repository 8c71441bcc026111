import type { DatePatterns } from './date-pattern.ts';

/**
 * This device's date layouts (date-pattern.ts), kept in localStorage so every page after the
 * first formats dates without Intl. They are read in a worker, once per browser version and
 * language; a layout that cannot stand in for Intl is kept as `null` (Intl it is, no retry).
 */
export const datePatternsKey = 'lw.date-patterns';

interface Stored {
  v: 1;
  /** The browser's version: its locale data may change with it. */
  ua: string;
  locale: string;
  patterns: DatePatterns | null;
}

const layoutNames = ['date', 'time', 'timeShort', 'dateTime', 'dateTimeShort'] as const;

/** A kept copy that can be applied as it is (storage is the user's to edit). */
function wellFormed(p: DatePatterns): boolean {
  return (['locale', '24h'] as const).every(
    (style) =>
      Array.isArray(p[style]?.dayPeriods) &&
      layoutNames.every((name) => Array.isArray(p[style][name]) && p[style][name].every((t) => t && typeof t === 'object')),
  );
}

/** The kept layouts of `locale`; null: Intl only; undefined: not read yet. */
export function storedPatterns(locale: string): DatePatterns | null | undefined {
  try {
    const s = JSON.parse(window.localStorage.getItem(datePatternsKey) ?? 'null') as Stored | null;
    if (s?.v === 1 && s.ua === navigator.userAgent && s.locale === locale && (s.patterns === null || wellFormed(s.patterns))) return s.patterns;
  } catch {
    // No storage or a bad copy: read again.
  }
  return undefined;
}

function store(locale: string, patterns: DatePatterns | null): void {
  try {
    window.localStorage.setItem(datePatternsKey, JSON.stringify({ v: 1, ua: navigator.userAgent, locale, patterns } satisfies Stored));
  } catch {
    // Storage refused: read again on the next page.
  }
}

/** How long the worker may take before the page formats with Intl itself. */
const workerTimeoutMs = 3000;

const reads = new Map<string, Promise<boolean>>();

/**
 * Reads `locale`'s layouts in a worker (once per page) and keeps them. Resolves true when they
 * are kept (a layout or null), false when the worker could not answer (no worker, offline and
 * not cached, too slow): this page then uses Intl.
 *
 * It also warms Intl for the whole page: ICU's locale data is loaded once per process, so
 * once the worker has made its formatters, the main thread's first `Intl` object costs about
 * a millisecond instead of 15–30 (measured in Chromium; uPlot makes an `Intl.NumberFormat`
 * when its module loads, see trend-chart.tsx).
 */
export function learnPatterns(locale: string): Promise<boolean> {
  let read = reads.get(locale);
  if (!read) {
    read = readInWorker(locale);
    reads.set(locale, read);
  }
  return read;
}

function readInWorker(locale: string): Promise<boolean> {
  return new Promise((done) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./date-pattern.worker.ts', import.meta.url), { type: 'module', name: 'date-patterns' });
    } catch {
      done(false);
      return;
    }
    const finish = (patterns: DatePatterns | null | undefined) => {
      clearTimeout(timer);
      worker.terminate();
      if (patterns !== undefined) store(locale, patterns);
      done(patterns !== undefined);
    };
    const timer = setTimeout(() => finish(undefined), workerTimeoutMs);
    worker.onmessage = (e: MessageEvent<DatePatterns | null>) => finish(e.data);
    worker.onerror = () => finish(undefined);
    worker.postMessage({ locale });
  });
}
