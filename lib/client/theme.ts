import { useSyncExternalStore } from 'react';
import { themeStorageKey } from './theme-script.ts';

/**
 * Light/dark theme: `auto` follows prefers-color-scheme; a choice is remembered in
 * localStorage. The same rule runs before first paint as an inline script (theme-script.ts),
 * so a page never flashes the wrong theme.
 */
export type ThemeChoice = 'auto' | 'light' | 'dark';

const listeners = new Set<() => void>();
let choice: ThemeChoice | null = null;
let media: MediaQueryList | null = null;

function readChoice(): ThemeChoice {
  try {
    const c = localStorage.getItem(themeStorageKey);
    return c === 'light' || c === 'dark' ? c : 'auto';
  } catch {
    return 'auto';
  }
}

function apply(): void {
  const dark = choice === 'dark' || (choice === 'auto' && Boolean(media?.matches));
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

function changed(): void {
  choice = readChoice();
  apply();
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) {
    media = matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', changed);
    // Another tab changed the choice.
    window.addEventListener('storage', changed);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      media?.removeEventListener('change', changed);
      window.removeEventListener('storage', changed);
    }
  };
}

/** The stored choice; null while rendering on the server and hydrating. */
export function useThemeChoice(): ThemeChoice | null {
  return useSyncExternalStore(
    subscribe,
    () => (choice ??= readChoice()),
    () => null,
  );
}

/** The theme actually shown. */
export function effectiveTheme(): 'light' | 'dark' {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

export function setThemeChoice(next: ThemeChoice): void {
  try {
    if (next === 'auto') localStorage.removeItem(themeStorageKey);
    else localStorage.setItem(themeStorageKey, next);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  choice = next;
  media ??= matchMedia('(prefers-color-scheme: dark)');
  apply();
  for (const l of listeners) l();
}
