/// <reference lib="webworker" />
import {
  ExpirationPlugin,
  NetworkFirst,
  Serwist,
  StaleWhileRevalidate,
  type PrecacheEntry,
  type RouteMatchCallbackOptions,
  type SerwistGlobalConfig,
} from 'serwist';
import { idbDelete, idbGet, idbKeys } from '../lib/client/offline-db.ts';
import { isPushPayload, notificationActions, notificationFor, type NotificationData } from '../lib/client/push-notification.ts';
import type { DevicePreferences } from '../lib/client/push-client.ts';

/**
 * Linewatch's service worker (built by Serwist, served at /serwist/sw.js):
 * - precaches the app shell (Next's static chunks and public/), so the app starts offline;
 * - keeps the pages the user opened (network first, cache when offline), never API answers:
 *   the last known live state lives in IndexedDB, written by the page (lib/client/live-store.ts);
 * - shows alarm pushes as notifications with Acknowledge and Open actions;
 * - forgets the user's cached pages and state on login and logout.
 */

declare global {
  interface WorkerGlobalScope extends SerwistGlobalConfig {
    __SW_MANIFEST: (PrecacheEntry | string)[] | undefined;
  }
}

declare const self: ServiceWorkerGlobalScope;

const pagesCache = 'lw-pages';

/** Pages (HTML documents) of the app: not the API, assets, the SW itself, nor RSC fetches. */
function isPage({ request, url, sameOrigin }: RouteMatchCallbackOptions): boolean {
  if (!sameOrigin || request.method !== 'GET') return false;
  const p = url.pathname;
  if (p.startsWith('/api/') || p.startsWith('/_next/') || p.startsWith('/serwist/') || p === '/metrics' || /\.[a-z0-9]+$/i.test(p)) return false;
  if (p === '/login' || p === '/setup') return false;
  return !request.headers.has('rsc') && !url.searchParams.has('_rsc');
}

const offlineHtml = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Offline · Linewatch</title><body style="font:16px system-ui,sans-serif;margin:2rem;max-width:36rem;color:#1b1b1b;background:#f4f4f4">
<h1 style="font-size:1.5rem">Offline</h1><p>This page has not been opened on this device while online, so there is no copy of it here.</p>
<p>Open the overview once with a network connection and it will open offline afterwards, showing the last known values.</p>
<p><a href="/" style="display:inline-block;min-height:44px;line-height:44px">Try the overview</a></p></body></html>`;

/**
 * With no network and no copy of this exact URL: the same page with other query parameters
 * (`/alarms?focus=…` from a notification), else the overview, else a short explanation.
 */
async function offlineFallback(request: Request): Promise<Response> {
  const cache = await caches.open(pagesCache);
  const similar = (await cache.match(request, { ignoreSearch: true, ignoreVary: true })) ?? (await cache.match('/', { ignoreSearch: true, ignoreVary: true }));
  return similar ?? new Response(offlineHtml, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

async function clearUserData(): Promise<void> {
  // Open tabs first, so none writes its state back after it is gone.
  for (const w of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) w.postMessage({ type: 'LW_USER_DATA_CLEARED' });
  await caches.delete(pagesCache);
  await Promise.allSettled([idbDelete(idbKeys.lastKnown), idbDelete(idbKeys.pushPrefs)]);
}

const serwist = new Serwist({
  precacheEntries: self.__SW_MANIFEST,
  skipWaiting: true,
  clientsClaim: true,
  navigationPreload: false,
  runtimeCaching: [
    {
      matcher: isPage,
      handler: new NetworkFirst({
        cacheName: pagesCache,
        // A Wi-Fi dead zone often means a request that hangs rather than fails. Only an exact
        // copy stands in for a slow answer; other copies only when the network failed.
        networkTimeoutSeconds: 4,
        matchOptions: { ignoreVary: true },
        plugins: [
          {
            // Only a page this user really got: not a redirect to the login page, not an error.
            cacheWillUpdate: async ({ response }) => (response.status === 200 && response.type === 'basic' && !response.redirected ? response : null),
            handlerDidError: ({ request }) => offlineFallback(request),
          },
          new ExpirationPlugin({ maxEntries: 32, maxAgeSeconds: 7 * 24 * 3600 }),
        ],
      }),
    },
    {
      matcher: ({ url, sameOrigin }) => sameOrigin && (url.pathname === '/manifest.webmanifest' || url.pathname.startsWith('/icons/')),
      handler: new StaleWhileRevalidate({ cacheName: 'lw-assets' }),
    },
    {
      // A new user signs in or the user signs out: their cached pages and state go.
      matcher: ({ url, sameOrigin }) => sameOrigin && (url.pathname === '/api/auth/login' || url.pathname === '/api/auth/logout'),
      method: 'POST',
      handler: async ({ request }) => {
        const res = await fetch(request);
        if (res.ok) await clearUserData();
        return res;
      },
    },
  ],
});

serwist.addEventListeners();

// Push ------------------------------------------------------------------------------------

/** Whether a window of the app is on screen now (then the notification stays quiet). */
async function appVisible(): Promise<boolean> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  return windows.some((w) => w.visibilityState === 'visible' && w.focused);
}

async function show(payload: unknown): Promise<void> {
  if (!isPushPayload(payload)) {
    // Every push must show something (browsers insist); say little about what we could not read.
    await self.registration.showNotification('Linewatch', {
      body: 'New alarm information: open Linewatch.',
      tag: 'unknown',
      data: { kind: 'test', url: '/alarms', alarmId: null } satisfies NotificationData,
    });
    return;
  }
  const { title, options } = notificationFor(payload, { quiet: await appVisible() });
  await self.registration.showNotification(title, options);
}

self.addEventListener('push', (event) => {
  let payload: unknown;
  try {
    payload = event.data?.json();
  } catch {
    payload = undefined;
  }
  event.waitUntil(show(payload));
});

/** Opens the app at `url`: the existing window if there is one (it navigates itself), else a new one. */
async function openApp(url: string): Promise<void> {
  const target = new URL(url, self.location.origin);
  if (target.origin !== self.location.origin) return;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const existing = windows.find((w) => w.focused) ?? windows[0];
  if (existing) {
    await existing.focus().catch(() => undefined);
    existing.postMessage({ type: 'LW_OPEN', url: target.pathname + target.search });
    return;
  }
  await self.clients.openWindow(target.href);
}

/** Acknowledges with the user's session (same-origin fetch carries the cookie; the CSRF check sees our Origin). */
async function acknowledge(alarmId: string): Promise<boolean> {
  try {
    const res = await fetch('/api/alarms/ack', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [alarmId], comment: 'Acknowledged from a notification' }),
    });
    // 409: someone acknowledged it meanwhile, which is what was asked.
    return res.ok || res.status === 409;
  } catch {
    return false;
  }
}

async function onNotificationClick(notification: Notification, action: string): Promise<void> {
  const data = (notification.data ?? {}) as Partial<NotificationData>;
  const url = typeof data.url === 'string' ? data.url : '/alarms';
  notification.close();
  if (action === notificationActions.ack && data.alarmId) {
    if (await acknowledge(data.alarmId)) return;
    // Not signed in, not allowed or offline: open the alarm so the user sees why.
  }
  await openApp(url);
}

self.addEventListener('notificationclick', (event) => {
  const work = onNotificationClick(event.notification, event.action);
  try {
    event.waitUntil(work);
  } catch {
    // Only a script-dispatched event (tests) refuses waitUntil; the work runs all the same.
  }
});

/** The push service replaced the subscription: subscribe again with the same key and tell the server. */
async function resubscribe(old: PushSubscription | null): Promise<void> {
  const key = old?.options.applicationServerKey;
  if (!key) return;
  const sub = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const preferences = (await idbGet<DevicePreferences>(idbKeys.pushPrefs).catch(() => undefined)) ?? undefined;
  await fetch('/api/push/subscriptions', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subscription: sub.toJSON(), ...(preferences && { preferences }) }),
  });
}

self.addEventListener('pushsubscriptionchange', (event) => {
  const e = event as ExtendableEvent & { oldSubscription?: PushSubscription | null };
  e.waitUntil(resubscribe(e.oldSubscription ?? null).catch(() => undefined));
});

// Messages from the app ------------------------------------------------------------------

self.addEventListener('message', (event) => {
  const msg = event.data as { type?: string; payload?: unknown } | null;
  if (msg?.type === 'LW_SHOW') event.waitUntil(show(msg.payload));
  else if (msg?.type === 'LW_CLEAR_USER_DATA') event.waitUntil(clearUserData());
});
