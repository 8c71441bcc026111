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

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The honest answer for a page this device never opened while online: its name, that it
 * needs the network, and the pages that do open offline here. No app header, so no
 * navigation highlights a page that is not the one on screen.
 */
function offlinePage(path: string, cached: readonly string[]): string {
  const links = cached.map((p) => `<li><a href="${escapeHtml(p)}">${p === '/' ? 'Overview' : escapeHtml(p)}</a></li>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Offline · Linewatch</title><style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f4f4f4}
main{margin:0 auto;padding:1rem;max-width:36rem}h1{font-size:1.5rem;margin:.5rem 0}code{font-size:1rem}
a{display:inline-flex;align-items:center;min-height:44px;color:inherit;font-weight:600}ul{padding-left:1.25rem}
.bar{display:flex;align-items:center;gap:.5rem;min-height:56px;padding:0 1rem;border-bottom:1px solid #8a8a8a;font-weight:700;font-size:1.125rem}
@media (prefers-color-scheme:dark){body{color:#e8e8e8;background:#181a1b}}
</style></head><body><header class="bar">Linewatch</header><main id="main" data-offline-page>
<h1>Offline: this page needs the network</h1>
<p><code>${escapeHtml(path)}</code> was not opened on this device yet, so there is no copy of it here. It opens once the network is back.</p>
${links ? `<p>Pages this device can show offline (last known state):</p><ul>${links}</ul>` : '<p>No page has been opened on this device yet.</p>'}
</main></body></html>`;
}

/**
 * With no network and no copy of this exact URL: the same page with other query parameters
 * (`/alarms?focus=…` from a notification), else an offline page that says so. Never another
 * page's copy under this URL: it would show the overview as, say, /jobs.
 */
async function offlineFallback(request: Request): Promise<Response> {
  const cache = await caches.open(pagesCache);
  const similar = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (similar) return similar;
  const cached = [...new Set((await cache.keys()).map((r) => new URL(r.url).pathname))].sort().slice(0, 12);
  const html = offlinePage(new URL(request.url).pathname, cached);
  return new Response(html, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
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
