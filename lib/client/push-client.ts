import { useSyncExternalStore } from 'react';
import type { AlarmPriority } from '../alarms/alarm-types.ts';
import type { PushDelivery, PushPayload, PushSubscriptionView } from '../push/push-types.ts';
import { apiFetch } from './api-fetch.ts';
import { idbKeys, idbSet } from './offline-db.ts';

/**
 * Notifications on this device, opted into from the settings page (never on page load):
 * the browser's permission, then a Web Push subscription stored on the server with its
 * preferences. While the app is open but hidden, it hands new alarms to the service worker
 * itself (`notifyWhileHidden`), which also covers browsers without Web Push.
 */

export interface DevicePreferences {
  /** null = every line. */
  lines: string[] | null;
  minPriority: AlarmPriority;
}

export interface PushSupport {
  notifications: boolean;
  push: boolean;
  /** Why push is not available here, for the settings page. */
  reason: string | null;
}

const enabledKey = 'linewatch.notifications';
const listeners = new Set<() => void>();

export function pushSupport(): PushSupport {
  if (typeof window === 'undefined') return { notifications: false, push: false, reason: null };
  const notifications = 'Notification' in window && 'serviceWorker' in navigator;
  const push = notifications && 'PushManager' in window;
  const ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
  const reason = !notifications
    ? 'This browser cannot show notifications.'
    : !push
      ? ios
        ? 'On iPhone and iPad, add Linewatch to the Home Screen first: notifications work in the installed app.'
        : 'This browser has no Web Push: notifications only while Linewatch is open.'
      : null;
  return { notifications, push, reason };
}

function readEnabled(): boolean {
  try {
    return localStorage.getItem(enabledKey) === 'on' && 'Notification' in window && Notification.permission === 'granted';
  } catch {
    return false;
  }
}

function writeEnabled(on: boolean): void {
  try {
    if (on) localStorage.setItem(enabledKey, 'on');
    else localStorage.removeItem(enabledKey);
  } catch {
    // Private mode: lasts for this page.
  }
  for (const l of listeners) l();
}

function subscribeEnabled(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => e.key === enabledKey && listener();
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

/** Whether the user turned notifications on for this device (and the permission still stands). */
export function useNotificationsEnabled(): boolean {
  return useSyncExternalStore(subscribeEnabled, readEnabled, () => false);
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

/** This device's push subscription, or null. */
export async function deviceSubscription(): Promise<PushSubscription | null> {
  if (!pushSupport().push) return null;
  const reg = await navigator.serviceWorker.ready;
  return reg.pushManager.getSubscription();
}

async function store(sub: PushSubscription, prefs: DevicePreferences): Promise<PushSubscriptionView> {
  const { subscription } = await apiFetch<{ subscription: PushSubscriptionView }>('/api/push/subscriptions', {
    method: 'POST',
    body: JSON.stringify({ subscription: sub.toJSON(), preferences: prefs }),
  });
  // The service worker re-subscribes with these if the push service rotates the subscription.
  await idbSet(idbKeys.pushPrefs, prefs).catch(() => undefined);
  return subscription;
}

/**
 * Turns notifications on (call from a click: the permission prompt needs a user gesture).
 * `push` tells whether closed-app delivery works too, else why not.
 */
export async function enableNotifications(
  prefs: DevicePreferences,
): Promise<{ permission: NotificationPermission; push: PushSubscriptionView | null; error: string | null }> {
  const support = pushSupport();
  if (!support.notifications) return { permission: 'denied', push: null, error: support.reason };
  const permission = await Notification.requestPermission();
  if (permission !== 'granted')
    return { permission, push: null, error: permission === 'denied' ? 'Notifications are blocked for this site in the browser settings.' : null };
  writeEnabled(true);
  if (!support.push) return { permission, push: null, error: support.reason };
  try {
    const reg = await navigator.serviceWorker.ready;
    const { publicKey } = await apiFetch<{ publicKey: string }>('/api/push/vapid-key');
    const key = keyBytes(publicKey);
    let sub = await reg.pushManager.getSubscription();
    // Subscribed with another server key (keys rotated): that subscription cannot work any more.
    if (sub && !sameKey(sub.options.applicationServerKey, key)) {
      await sub.unsubscribe();
      sub = null;
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    return { permission, push: await store(sub, prefs), error: null };
  } catch (error) {
    return { permission, push: null, error: `Push for a closed app is not available: ${(error as Error).message}` };
  }
}

/** Saves new preferences for this device's subscription. */
export async function savePreferences(prefs: DevicePreferences): Promise<PushSubscriptionView | null> {
  const sub = await deviceSubscription();
  return sub ? store(sub, prefs) : null;
}

/** Turns notifications off on this device: no more pushes, no notifications while hidden. */
export async function disableNotifications(): Promise<void> {
  writeEnabled(false);
  const sub = await deviceSubscription();
  if (!sub) return;
  const endpoint = sub.endpoint;
  await sub.unsubscribe().catch(() => undefined);
  await apiFetch('/api/push/subscriptions', { method: 'DELETE', body: JSON.stringify({ endpoint }) }).catch(() => undefined);
}

export function listSubscriptions(): Promise<{ subscriptions: PushSubscriptionView[] }> {
  return apiFetch('/api/push/subscriptions');
}

export function removeSubscription(endpoint: string): Promise<unknown> {
  return apiFetch('/api/push/subscriptions', { method: 'DELETE', body: JSON.stringify({ endpoint }) });
}

export function sendTest(endpoint: string): Promise<PushDelivery> {
  return apiFetch('/api/push/test', { method: 'POST', body: JSON.stringify({ endpoint }) });
}

/** Shows a notification through the service worker (the app is open but hidden). */
export async function notifyWhileHidden(payload: PushPayload): Promise<void> {
  if (!readEnabled()) return;
  const reg = await navigator.serviceWorker?.ready;
  reg?.active?.postMessage({ type: 'LW_SHOW', payload });
}
