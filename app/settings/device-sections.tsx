'use client';

import { useEffect, useId, useState } from 'react';
import { DateTime } from '../_components/date-time.tsx';
import { DateFormatSetting } from './date-format-setting.tsx';
import { promptInstall, useInstallState } from '../../lib/client/install-prompt.ts';
import { clearLastKnown, loadLastKnown } from '../../lib/client/offline-state.ts';

const button = 'inline-flex min-h-11 items-center justify-center rounded-md border-2 border-edge bg-raised px-4 font-semibold';

/** This device's date format, installing the app, and the last known state this device keeps for offline use. */
export function DeviceSections() {
  const id = useId();
  const install = useInstallState();
  const [saved, setSaved] = useState<number | null | undefined>(undefined);
  const [message, setMessage] = useState('');

  useEffect(() => {
    void loadLastKnown().then((s) => setSaved(s?.savedAt ?? null));
  }, []);

  async function forget(): Promise<void> {
    await clearLastKnown();
    const reg = await navigator.serviceWorker?.getRegistration();
    reg?.active?.postMessage({ type: 'LW_CLEAR_USER_DATA' });
    setSaved(null);
    setMessage('Offline copies removed from this device.');
  }

  return (
    <>
      <DateFormatSetting />
      <section aria-labelledby={`${id}-install`} className="mt-4 rounded-lg border border-edge bg-surface p-3 sm:p-4">
        <h2 id={`${id}-install`} className="text-xl font-semibold">
          Install
        </h2>
        <p className="mt-1 text-sm text-muted">The installed app opens full screen, starts without a network and shows the last known values.</p>
        <p className="mt-2 text-sm" data-testid="install-status">
          {install.installed
            ? 'Running as the installed app.'
            : install.canPrompt
              ? 'This browser can install Linewatch.'
              : install.iosHint
                ? 'On iPhone and iPad: tap Share, then “Add to Home Screen”.'
                : 'Use the browser menu’s “Install app” or “Add to Home screen” if it offers one.'}
        </p>
        {install.canPrompt && (
          <button type="button" className={`${button} mt-2`} onClick={() => void promptInstall()}>
            Install Linewatch
          </button>
        )}
      </section>

      <section aria-labelledby={`${id}-offline`} className="mt-4 rounded-lg border border-edge bg-surface p-3 sm:p-4">
        <h2 id={`${id}-offline`} className="text-xl font-semibold">
          Offline data
        </h2>
        <p className="mt-1 text-sm text-muted">
          This device keeps the latest values, line states and active alarms, and the pages you opened, so they show (marked stale) when the network is gone.
          Signing out removes them.
        </p>
        <p className="mt-2 text-sm" data-testid="offline-saved">
          {saved === undefined ? (
            'Checking…'
          ) : saved === null ? (
            'Nothing kept yet.'
          ) : (
            <>
              Last kept <DateTime ts={saved} seconds />.
            </>
          )}
        </p>
        <button type="button" className={`${button} mt-2`} onClick={() => void forget()}>
          Remove offline copies
        </button>
        <p role="status" className="mt-2 min-h-6 text-sm">
          {message}
        </p>
      </section>
    </>
  );
}
