import { useSyncExternalStore } from 'react';
import { type DateFormat, type DateStyle, dateStyleKey, deviceDateFormat, resetDeviceDateFormat } from './format.ts';

const listeners = new Set<() => void>();

function notify(): void {
  resetDeviceDateFormat();
  for (const l of listeners) l();
}

function onStorage(e: StorageEvent): void {
  if (e.key === dateStyleKey || e.key === null) notify();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) window.addEventListener('storage', onStorage);
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
  return useSyncExternalStore(subscribe, deviceDateFormat, getServerSnapshot);
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
}
