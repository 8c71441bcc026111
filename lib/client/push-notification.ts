import type { AlarmPriority } from '../alarms/alarm-types.ts';
import type { PushPayload } from '../push/push-types.ts';

/**
 * How a push payload looks as a system notification. Used by the service worker (pushes,
 * and alarms the open app hands it while hidden) so both look and behave the same; the
 * same `tag` means a push and the app's own notification of one alarm replace each other.
 */

/** What the notification carries for its click handler. */
export interface NotificationData {
  kind: PushPayload['kind'];
  url: string;
  alarmId: string | null;
}

/** `NotificationOptions` with the fields lib.dom leaves out (actions, renotify, timestamp, vibrate). */
export interface ShowOptions extends NotificationOptions {
  actions?: { action: string; title: string }[];
  renotify?: boolean;
  timestamp?: number;
  vibrate?: number[];
  data: NotificationData;
}

export const notificationActions = { ack: 'ack', open: 'open' } as const;

const priorityWord: Record<AlarmPriority, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };

function formatNumber(value: number | null, decimals: number): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return value.toFixed(Math.max(0, Math.min(6, decimals)));
}

/**
 * Title and options for `showNotification`. Priority is in the words, never in colour alone.
 * No clock time in the words: `timestamp` carries when it happened, and the system writes it
 * in the device's own format and zone next to the notification ("2 min ago", "14:21"). A
 * service worker cannot read the app's date setting (it lives in localStorage), and a time
 * written here would disagree with the one the system shows beside it.
 */
export function notificationFor(p: PushPayload, options: { quiet?: boolean } = {}): { title: string; options: ShowOptions } {
  const icon = '/icons/icon-192.png';
  const badge = '/icons/badge-96.png';
  const silent = options.quiet === true;
  if (p.kind === 'alarm') {
    const urgent = p.priority === 'critical' || p.priority === 'high';
    return {
      title: `${priorityWord[p.priority]} alarm · ${p.lineName}`,
      options: {
        body: `${p.message}\n${p.label}: ${formatNumber(p.value, p.decimals)}${p.unit ? ` ${p.unit}` : ''}`,
        tag: `alarm:${p.id}`,
        renotify: !silent,
        silent,
        requireInteraction: urgent,
        timestamp: p.ts,
        icon,
        badge,
        ...(urgent && !silent && { vibrate: [200, 100, 200] }),
        actions: [...(p.canAck ? [{ action: notificationActions.ack, title: 'Acknowledge' }] : []), { action: notificationActions.open, title: 'Open' }],
        data: { kind: 'alarm', url: p.url, alarmId: p.id },
      },
    };
  }
  if (p.kind === 'summary') {
    return {
      title: `${p.count} new alarms on ${p.lineName}`,
      options: {
        body: [`Highest priority: ${priorityWord[p.priority]}`, ...p.newest.map((a) => `${priorityWord[a.priority]}: ${a.message}`)].join('\n'),
        tag: `flood:${p.line}`,
        renotify: !silent,
        silent,
        requireInteraction: p.priority === 'critical' || p.priority === 'high',
        timestamp: p.ts,
        icon,
        badge,
        actions: [{ action: notificationActions.open, title: 'Open' }],
        data: { kind: 'summary', url: p.url, alarmId: null },
      },
    };
  }
  return {
    title: 'Linewatch test notification',
    options: {
      body: 'Alarm notifications reach this device.',
      tag: 'test',
      silent,
      timestamp: p.ts,
      icon,
      badge,
      data: { kind: 'test', url: p.url, alarmId: null },
    },
  };
}

/** Whether `value` looks like a payload we sent (a push body is untrusted until checked). */
export function isPushPayload(value: unknown): value is PushPayload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Partial<PushPayload> & Record<string, unknown>;
  if (p.v !== 1 || typeof p.url !== 'string' || !p.url.startsWith('/') || p.url.startsWith('//')) return false;
  if (p.kind === 'alarm')
    return (
      typeof p.id === 'string' &&
      typeof p.message === 'string' &&
      typeof p.lineName === 'string' &&
      typeof p.priority === 'string' &&
      p.priority in priorityWord
    );
  if (p.kind === 'summary')
    return (
      typeof p.count === 'number' && typeof p.lineName === 'string' && Array.isArray(p.newest) && typeof p.priority === 'string' && p.priority in priorityWord
    );
  return p.kind === 'test';
}
