'use client';

import { useEffect, useId, useState, type FormEvent } from 'react';
import useSWR from 'swr';
import { alarmPriorities, type AlarmPriority } from '../../lib/alarms/alarm-types.ts';
import { apiFetch } from '../../lib/client/api-fetch.ts';
import { DateTime } from '../_components/date-time.tsx';
import {
  deviceSubscription,
  disableNotifications,
  enableNotifications,
  pushSupport,
  removeSubscription,
  savePreferences,
  sendTest,
  useNotificationsEnabled,
  type DevicePreferences,
  type PushSupport,
} from '../../lib/client/push-client.ts';
import type { PushSubscriptionView } from '../../lib/push/push-types.ts';

const priorityLabel: Record<AlarmPriority, string> = {
  critical: 'Critical only',
  high: 'High and critical',
  medium: 'Medium and above',
  low: 'All priorities',
};

const button = 'inline-flex min-h-11 items-center justify-center rounded-md px-4 font-semibold disabled:cursor-not-allowed disabled:opacity-60';
const primary = `${button} bg-action text-action-fg`;
const secondary = `${button} border-2 border-edge bg-raised`;

function describeDevice(ua: string): string {
  const browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return os ? `${browser} on ${os}` : browser;
}

/**
 * Alarm notifications on this device: a clear opt-in (the browser's permission prompt comes
 * only from this button), which lines and from which priority, a test, and the user's other
 * devices that receive pushes.
 */
export function NotificationSettings({ lines, canAck }: { lines: { id: string; name: string }[]; canAck: boolean }) {
  const id = useId();
  const enabled = useNotificationsEnabled();
  const [support, setSupport] = useState<PushSupport | null>(null);
  const [permission, setPermission] = useState<NotificationPermission | 'unsupported'>('default');
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const [prefs, setPrefs] = useState<DevicePreferences>({ lines: null, minPriority: 'high' });
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>('');
  const { data, mutate } = useSWR<{ subscriptions: PushSubscriptionView[] }>('/api/push/subscriptions', apiFetch);

  useEffect(() => {
    const s = pushSupport();
    setSupport(s);
    setPermission('Notification' in window ? Notification.permission : 'unsupported');
    void deviceSubscription()
      .then((sub) => setEndpoint(sub?.endpoint ?? null))
      .catch(() => setEndpoint(null));
  }, []);

  const mine = data?.subscriptions.find((s) => s.endpoint === endpoint) ?? null;
  const others = data?.subscriptions.filter((s) => s.endpoint !== endpoint) ?? [];

  useEffect(() => {
    if (mine) setPrefs({ lines: mine.lines, minPriority: mine.minPriority });
  }, [mine]);

  async function act(work: () => Promise<string>): Promise<void> {
    setBusy(true);
    try {
      setMessage(await work());
    } catch (error) {
      setMessage(`Failed: ${(error as Error).message}`);
    } finally {
      setBusy(false);
      void mutate();
    }
  }

  const turnOn = () =>
    act(async () => {
      const r = await enableNotifications(prefs);
      setPermission(r.permission);
      if (r.push) setEndpoint(r.push.endpoint);
      if (r.permission !== 'granted') return r.error ?? 'Notifications were not allowed.';
      return r.push
        ? 'Notifications are on: alarms reach this device even when Linewatch is closed.'
        : `Notifications are on while Linewatch is open. ${r.error ?? ''}`.trim();
    });

  const save = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => ((await savePreferences(prefs)) ? 'Preferences saved.' : 'Saved on this device (no push subscription here).'));
  };

  const test = () =>
    act(async () => {
      if (!endpoint) return 'This device has no push subscription.';
      const r = await sendTest(endpoint);
      return r.delivered
        ? `Test sent: the push service accepted it (${r.status}). It should appear in a moment.`
        : `The push service refused it: ${r.error ?? r.status}.`;
    });

  const turnOff = () =>
    act(async () => {
      await disableNotifications();
      setEndpoint(null);
      return 'Notifications are off on this device.';
    });

  const toggleLine = (line: string, on: boolean) => {
    const current = prefs.lines ?? lines.map((l) => l.id);
    const next = on ? [...new Set([...current, line])] : current.filter((l) => l !== line);
    setPrefs({ ...prefs, lines: next.length === lines.length ? null : next });
  };

  const blocked = permission === 'denied';
  return (
    <section aria-labelledby={`${id}-h`} className="rounded-lg border border-edge bg-surface p-3 sm:p-4" data-testid="notification-settings">
      <h2 id={`${id}-h`} className="text-xl font-semibold">
        Alarm notifications on this device
      </h2>
      <p className="mt-1 text-sm text-muted">
        New alarms show as a notice in the app while it is on screen. Turn notifications on to get them as system notifications when Linewatch is in the
        background or closed
        {canAck ? ', with an Acknowledge button' : ''}.
      </p>

      <p className="mt-3 text-sm" data-testid="notification-status" data-enabled={enabled} data-subscribed={Boolean(mine)}>
        <strong>Status:</strong>{' '}
        {support === null ? (
          'checking…'
        ) : !support.notifications ? (
          support.reason
        ) : blocked ? (
          'blocked in the browser settings for this site.'
        ) : enabled ? (
          mine ? (
            <>
              on, including when closed (since <DateTime ts={mine.createdAt} show="date" />
              {mine.lastSuccessAt ? (
                <>
                  , last delivered <DateTime ts={mine.lastSuccessAt} seconds />
                </>
              ) : null}
              ).
            </>
          ) : (
            'on while Linewatch is open.'
          )
        ) : (
          'off.'
        )}
        {mine?.lastError ? <span className="block text-diag">Last problem: {mine.lastError}</span> : null}
        {support?.push === false && support.notifications ? <span className="block text-muted">{support.reason}</span> : null}
      </p>

      <form onSubmit={save} className="mt-3 space-y-3">
        <fieldset>
          <legend className="font-medium">Lines</legend>
          <ul className="mt-1 flex flex-wrap gap-x-4">
            {lines.map((l) => (
              <li key={l.id}>
                <label className="inline-flex min-h-11 items-center gap-2">
                  <input
                    type="checkbox"
                    className="size-5"
                    checked={prefs.lines === null || prefs.lines.includes(l.id)}
                    onChange={(e) => toggleLine(l.id, e.target.checked)}
                  />
                  {l.name}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
        <div>
          <label htmlFor={`${id}-prio`} className="font-medium">
            Priorities
          </label>
          <select
            id={`${id}-prio`}
            value={prefs.minPriority}
            onChange={(e) => setPrefs({ ...prefs, minPriority: e.target.value as AlarmPriority })}
            className="mt-1 block min-h-11 max-w-full rounded-md border border-edge bg-raised px-2 text-base"
          >
            {alarmPriorities.map((p) => (
              <option key={p} value={p}>
                {priorityLabel[p]}
              </option>
            ))}
          </select>
        </div>
        <div className="flex flex-wrap gap-2">
          {!enabled ? (
            <button
              type="button"
              className={primary}
              onClick={turnOn}
              disabled={busy || blocked || support?.notifications === false}
              data-testid="notifications-on"
            >
              Turn on notifications
            </button>
          ) : (
            <>
              <button type="submit" className={primary} disabled={busy || !mine}>
                Save preferences
              </button>
              <button type="button" className={secondary} onClick={test} disabled={busy || !mine}>
                Send test
              </button>
              <button type="button" className={secondary} onClick={turnOff} disabled={busy}>
                Turn off
              </button>
            </>
          )}
        </div>
      </form>
      <p role="status" className="mt-2 min-h-6 text-sm" data-testid="notification-message">
        {message}
      </p>

      {others.length > 0 && (
        <div className="mt-3 border-t border-edge-soft pt-3">
          <h3 className="font-semibold">Your other devices</h3>
          <ul className="mt-1 divide-y divide-edge-soft">
            {others.map((s) => (
              <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 py-1">
                <span className="text-sm">
                  {describeDevice(s.userAgent)} · {s.lines === null ? 'all lines' : `${s.lines.length} line${s.lines.length === 1 ? '' : 's'}`} ·{' '}
                  {priorityLabel[s.minPriority].toLowerCase()}
                </span>
                <button
                  type="button"
                  className={secondary}
                  disabled={busy}
                  onClick={() => act(async () => (await removeSubscription(s.endpoint), 'Device removed.'))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
