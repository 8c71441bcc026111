'use client';

import { useId } from 'react';
import { annunciationModes, setAnnunciationMode, testAnnunciation, useAnnunciationMode, type AnnunciationMode } from '../../lib/client/alarm-sound.ts';

const labels: Record<AnnunciationMode, string> = {
  off: 'Off (show only)',
  sound: 'Sound',
  vibrate: 'Vibrate',
  both: 'Sound and vibrate',
};

/** This device's choice of sound / vibration for new critical and high alarms (off by default). */
export function AnnunciationSetting() {
  const mode = useAnnunciationMode();
  const id = useId();
  return (
    <section aria-labelledby={`${id}-h`} className="mt-6 rounded-lg border border-edge-soft p-3">
      <h2 id={`${id}-h`} className="text-base font-semibold">
        On this device
      </h2>
      <div className="mt-1 flex flex-wrap items-end gap-2">
        <div className="min-w-0">
          <label htmlFor={id} className="text-sm font-medium">
            New critical and high alarms
          </label>
          <select
            id={id}
            value={mode}
            onChange={(e) => setAnnunciationMode(e.target.value as AnnunciationMode)}
            className="mt-1 block min-h-11 max-w-full rounded-md border border-edge bg-raised px-2 text-base"
            data-testid="annunciation-mode"
          >
            {annunciationModes.map((m) => (
              <option key={m} value={m}>
                {labels[m]}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          onClick={testAnnunciation}
          disabled={mode === 'off'}
          className="inline-flex min-h-11 items-center justify-center rounded-md border-2 border-edge bg-raised px-4 font-semibold disabled:cursor-not-allowed disabled:opacity-60"
        >
          Test
        </button>
      </div>
      <p className="mt-1 text-sm text-muted">Remembered on this device only. Sound starts after your first tap on the page.</p>
    </section>
  );
}
