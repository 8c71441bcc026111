'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, type ReactNode } from 'react';
import { afterLoad, whenIdle } from '../../lib/client/after-load.ts';
import { startInstallCapture } from '../../lib/client/install-prompt.ts';
import { stopPersisting } from '../../lib/client/live-store.ts';

const serviceWorkerUrl = '/serwist/sw.js';

/** Pages kept for offline use from the first visit on: the start page and the manifest's shortcuts. */
const warmPages = ['/', '/alarms', '/history'];
/** Delay before keeping copies, ms. */
const warmAfterMs = 4000;
/** Delay between the page's load and registering the service worker (its precache), ms. */
const registerAfterMs = 5000;

/**
 * Brings an alarm into view and focus once the list has rendered it. The alarm list does this
 * itself for `?focus=` on its first render; a notification opened while the list is already
 * on screen needs it again.
 */
function focusAlarm(id: string): void {
  let tries = 0;
  const find = () => {
    const el = document.querySelector<HTMLElement>(`li[data-alarm="${CSS.escape(id)}"]`);
    if (!el) {
      if (++tries < 40) setTimeout(find, 100);
      return;
    }
    if (!el.hasAttribute('tabindex')) el.tabIndex = -1;
    el.dataset.focused = 'true';
    el.scrollIntoView({ block: 'center' });
    el.focus({ preventScroll: true });
  };
  find();
}

/** True the first time `key` is seen in this tab session. */
function firstInSession(key: string): boolean {
  try {
    if (sessionStorage.getItem(key) === '1') return false;
    sessionStorage.setItem(key, '1');
  } catch {
    // No storage: act every time.
  }
  return true;
}

function PwaEffects() {
  const router = useRouter();

  // Registered a few seconds after the page has loaded. Registering while the page hydrates
  // took the start page's main thread for about 14 ms; registering at `load` (which comes
  // before hydration: the scripts are async) started the precache of the whole app shell,
  // about 80 requests through the browser and the server, while /history was drawing its
  // first trend on a 2-core machine.
  useEffect(
    () =>
      afterLoad(() => {
        if (!('serviceWorker' in navigator)) return;
        performance.mark('lw:sw-register');
        navigator.serviceWorker.register(serviceWorkerUrl, { scope: '/', type: 'module' }).catch(() => {});
      }, registerAfterMs),
    [],
  );

  useEffect(() => {
    startInstallCapture();
    if (!('serviceWorker' in navigator)) return;
    const onMessage = (e: MessageEvent) => {
      const msg = e.data as { type?: string; url?: string } | null;
      if (msg?.type === 'LW_USER_DATA_CLEARED') stopPersisting();
      if (msg?.type !== 'LW_OPEN' || typeof msg.url !== 'string' || !msg.url.startsWith('/')) return;
      router.push(msg.url);
      const id = new URL(msg.url, location.origin).searchParams.get('focus');
      if (id) focusAlarm(id);
    };
    navigator.serviceWorker.addEventListener('message', onMessage);

    return () => navigator.serviceWorker.removeEventListener('message', onMessage);
  }, [router]);

  // Offline copies of the pages this tab shows (client-side navigations do not fetch the
  // page itself) and, once per tab session, of the start page and the shortcuts. Each copy
  // is a full server render: done a few seconds later, when the page is idle.
  const path = usePathname();
  useEffect(() => {
    if (!('serviceWorker' in navigator)) return;
    const timer = setTimeout(() => {
      whenIdle(() => {
        void navigator.serviceWorker.ready.then((reg) => {
          if (!reg.active || !navigator.onLine) return;
          const urls = [path, ...(firstInSession('linewatch.warmed') ? warmPages : [])].filter((u) => firstInSession(`linewatch.kept:${u}`));
          if (urls.length > 0) reg.active.postMessage({ type: 'CACHE_URLS', payload: { urlsToCache: [...new Set(urls)] } });
        });
      });
    }, warmAfterMs);
    return () => clearTimeout(timer);
  }, [path]);

  return null;
}

/**
 * Registers the service worker (/serwist/sw.js) and wires the app to it: opening alarms from
 * notifications, keeping offline copies of the pages (later and once per page, where Serwist's
 * own provider would copy on every history update), the install offer. The page never reloads
 * when the network returns (the live store resumes the stream by itself).
 */
export function PwaProvider({ children }: { children: ReactNode }) {
  return (
    <>
      <PwaEffects />
      {children}
    </>
  );
}
