'use client';

import { useEffect, useState, useSyncExternalStore } from 'react';
import { promptInstall, useInstallState } from '../../lib/client/install-prompt.ts';

const dismissedKey = 'linewatch.install-dismissed';
/** "Not now" lasts this long. */
const quietMs = 30 * 24 * 3600_000;
/** Offered only after this much time in the app, not on page load: an offer before the user has seen the app is noise. */
const installOfferDelayMs = 30_000;
const listeners = new Set<() => void>();

function dismissedRecently(): boolean {
  try {
    return Date.now() - Number(localStorage.getItem(dismissedKey) ?? 0) < quietMs;
  } catch {
    return false;
  }
}

function dismiss(): void {
  try {
    localStorage.setItem(dismissedKey, String(Date.now()));
  } catch {
    // Private mode: hidden for this page only.
  }
  for (const l of listeners) l();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** True once the app has been open `ms` in this tab (the root layout keeps it across navigations). */
function useEngagedFor(ms: number): boolean {
  const [engaged, setEngaged] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setEngaged(true), ms);
    return () => clearTimeout(timer);
  }, [ms]);
  return engaged;
}

/**
 * Offers installation once the browser says the app is installable (or explains the iOS
 * way) and the user has spent a while in the app, in a small card that does not push the page
 * around. "Not now" hides it for 30 days; the settings page keeps the button at all times.
 */
export function InstallPrompt() {
  const { canPrompt, iosHint } = useInstallState();
  const hidden = useSyncExternalStore(subscribe, dismissedRecently, () => true);
  const engaged = useEngagedFor(installOfferDelayMs);
  if (hidden || !engaged || (!canPrompt && !iosHint)) return null;
  return (
    <aside
      aria-label="Install Linewatch"
      className="fixed inset-x-2 bottom-2 z-20 rounded-lg border-2 border-edge bg-raised p-3 shadow-lg sm:right-auto sm:w-96"
      data-testid="install-prompt"
    >
      <p className="font-semibold">Install Linewatch on this device</p>
      <p className="mt-0.5 text-sm text-muted">
        {canPrompt
          ? 'Full screen, starts offline with the last known values, alarm notifications.'
          : 'On iPhone and iPad: tap Share, then “Add to Home Screen”. Notifications need the installed app.'}
      </p>
      <div className="mt-2 flex gap-2">
        {canPrompt && (
          <button
            type="button"
            onClick={() => void promptInstall()}
            className="inline-flex min-h-11 items-center rounded-md bg-action px-4 font-semibold text-action-fg"
          >
            Install
          </button>
        )}
        <button type="button" onClick={dismiss} className="inline-flex min-h-11 items-center rounded-md border-2 border-edge px-4 font-semibold">
          {canPrompt ? 'Not now' : 'Got it'}
        </button>
      </div>
    </aside>
  );
}
