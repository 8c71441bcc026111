import { useSyncExternalStore } from 'react';
import { datePatternsKey, learnPatterns, storedPatterns } from './date-pattern-store.ts';
import { type DateFormat, type DateStyle, dateStyleKey, deviceDateFormat, resetDeviceDateFormat } from './format.ts';

const listeners = new Set<() => void>();

function notify(): void {
  resetDeviceDateFormat();
  snapshot = undefined;
  for (const l of listeners) l();
}

function onStorage(e: StorageEvent): void {
  if (e.key === dateStyleKey || e.key === datePatternsKey || e.key === null) notify();
}

/**
 * Locales whose layouts the worker could not read (date-pattern-store.ts): this page formats
 * with Intl. Until the worker answers, dates show their placeholder rather than pay for Intl
 * in the first render.
 */
const unlearnable = new Set<string>();

function pending(f: DateFormat): boolean {
  return f.style !== 'iso' && !f.patterns && !unlearnable.has(f.locale) && storedPatterns(f.locale) === undefined;
}

function learn(): void {
  const f = deviceDateFormat();
  if (!pending(f)) return;
  void learnPatterns(f.locale).then((kept) => {
    if (!kept) unlearnable.add(f.locale);
    notify();
  });
}

/** The format, or null while its layouts are being read; the same object until something changes. */
let snapshot: { f: DateFormat; ready: DateFormat | null } | undefined;
function getSnapshot(): DateFormat | null {
  const f = deviceDateFormat();
  if (snapshot?.f !== f) snapshot = { f, ready: pending(f) ? null : f };
  return snapshot.ready;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) window.addEventListener('storage', onStorage);
  learn();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('storage', onStorage);
  };
}

const getServerSnapshot = (): null => null;

/**
 * This device's date format, the same on every page; `null` during the server render and
 * hydration (the server cannot know the browser's language), so callers show a placeholder
 * then. Re-renders when the setting changes, in this tab or another.
 */
export function useDateFormat(): DateFormat | null {
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}

/** Keeps `style` as this device's choice and redraws every date on screen. */
export function setDateStyle(style: DateStyle): void {
  try {
    if (style === 'locale') window.localStorage.removeItem(dateStyleKey);
    else window.localStorage.setItem(dateStyleKey, style);
  } catch {
    // Storage refused (private mode, policy): the locale's own style stays.
  }
  notify();
  learn();
}
