import { dateStyleKey } from './format.ts';
import { idbKeys } from './offline-db.ts';
import { paintCopyKey, type PaintCopy } from './offline-state.ts';

/**
 * Opened with no network, the app shows its last known values before React has hydrated
 * (loading and hydrating the app costs a few hundred ms on a tablet, more on a busy one).
 *
 * `earlyPaintScript` goes inline in the document head. Offline, it reads the paint copy of the
 * last known state from localStorage (synchronous: IndexedDB would answer only when the page's
 * scripts let the main thread go) and, once the value cells are parsed (`earlyPaintNow`, an
 * inline script right after them, or DOMContentLoaded), writes each stored value into its
 * cell, marks every cell stale and shows a banner with the data's age. It also starts reading
 * the full state from IndexedDB (`window.__lwLastKnown`, which the live store takes over).
 * React then hydrates over those cells without touching them (their number is
 * `suppressHydrationWarning`, see live-tag-value.tsx), the live store applies the full state,
 * and the app's own banner replaces this one.
 *
 * Cells are `[data-live-tag]` elements (TagValue with a `liveTag`): `data-decimals`,
 * `data-type`, and the number in `[data-value]`. The look written here must match TagValue's
 * stale look and OfflineBanner's markup (app/_components/tag-value.tsx, offline-banner.tsx).
 *
 * Marks (for the figure in test/e2e/pwa.spec.ts): `lw:early-start` (this script runs),
 * `lw:cells-parsed`, `lw:last-known-painted` (cells written) and `lw:last-known-shown` after
 * the next frame. Online it does nothing: the page is live and the stream's snapshot follows.
 */

interface EarlyWindow {
  __lwLastKnown?: Promise<unknown>;
  __lwPaint?: () => void;
}

/**
 * The script body. Written as a function for the type checker, sent as its source text: it
 * must stay self-contained: no imports, nothing the compiler would turn into a helper.
 */
function earlyPaint(idbKey: string, copyKey: string, styleKey: string): void {
  try {
    if (navigator.onLine) return;
    performance.mark('lw:early-start');
    const w = window as unknown as EarlyWindow;
    let stored: PaintCopy | undefined;
    try {
      const parsed = JSON.parse(localStorage.getItem(copyKey) ?? 'null') as PaintCopy | null;
      if (parsed && parsed.v === 1 && Array.isArray(parsed.values)) stored = parsed;
    } catch {
      // No storage or a bad copy: nothing to paint early.
    }
    let done = false;
    const paint = () => {
      if (done || !stored) return;
      done = true;
      const byTag = new Map<string, PaintCopy['values'][number]>();
      for (const s of stored.values) byTag.set(s[0], s);
      const cells = document.querySelectorAll<HTMLElement>('[data-live-tag]');
      for (const cell of Array.from(cells)) {
        const s = byTag.get(cell.dataset.liveTag ?? '');
        const number = cell.querySelector<HTMLElement>('[data-value]');
        if (!s || !number) continue;
        const decimals = Math.max(0, Math.min(6, Number(cell.dataset.decimals) || 0));
        const v = s[1];
        let text: string;
        // formatValue (lib/client/format.ts), repeated here: this script imports nothing.
        if (v === null || v === undefined || Number.isNaN(v)) text = '—';
        else if (cell.dataset.type === 'bool') text = v ? 'On' : 'Off';
        else if (!Number.isFinite(v) || Math.abs(v) >= 1e21) text = String(v);
        else {
          const fixed = v.toFixed(decimals);
          const dot = fixed.indexOf('.');
          text = (dot < 0 ? fixed : fixed.slice(0, dot)).replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (dot < 0 ? '' : fixed.slice(dot));
        }
        number.textContent = text;
        // Never live: a good value shows as stale, others keep their quality word for React.
        cell.dataset.quality = s[2] === 'good' ? 'stale' : s[2];
        cell.classList.add('hatched');
        number.classList.remove('font-semibold', 'text-fg');
        number.classList.add('font-normal', 'italic', 'text-stale');
        const unit = number.nextElementSibling;
        if (unit) {
          unit.classList.remove('text-muted');
          unit.classList.add('italic', 'text-stale');
        }
      }
      if (cells.length > 0 && !document.querySelector('[data-testid="offline-banner"]')) {
        const pad = (n: number) => (n < 10 ? '0' : '') + n;
        const at = typeof stored.dataAt === 'number' ? stored.dataAt : null;
        let text = '— no data on this device yet';
        if (at !== null) {
          const s = Math.max(0, Math.floor((Date.now() - at) / 1000));
          const m = Math.floor(s / 60);
          const ago = s < 60 ? s + ' s ago' : m < 60 ? m + ' min ago' : Math.floor(m / 60) + ' h ' + pad(m % 60) + ' min ago';
          // formatTime(at, deviceDateFormat(), { seconds: false }) (lib/client/format.ts), repeated
          // here: the app's date setting (locale / 24 h / ISO) in the browser's language.
          let clock: string;
          try {
            let style: string | null = null;
            try {
              style = localStorage.getItem(styleKey);
            } catch {
              // Storage refused: the locale's own style.
            }
            // Literal options, no spread: this source must not need a compiler helper.
            const h23: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
            if (style === 'iso') {
              const p: Record<string, string> = {};
              for (const part of new Intl.DateTimeFormat('en-US', h23).formatToParts(at)) p[part.type] = part.value;
              clock = p.hour + ':' + p.minute;
            } else {
              let lang = navigator.language || 'en-US';
              try {
                Intl.DateTimeFormat.supportedLocalesOf(lang);
              } catch {
                lang = 'en-US';
              }
              clock = new Intl.DateTimeFormat(lang, style === '24h' ? h23 : { hour: '2-digit', minute: '2-digit' }).format(at);
            }
          } catch {
            const d = new Date(at);
            clock = pad(d.getHours()) + ':' + pad(d.getMinutes());
          }
          text = '— data from ' + clock + ', ' + ago;
        }
        const banner = document.createElement('div');
        banner.id = 'lw-early-banner';
        banner.className = 'border-b-2 border-fg bg-surface';
        banner.dataset.testid = 'offline-banner';
        banner.dataset.source = 'stored';
        if (at !== null) banner.dataset.dataAt = String(at);
        banner.innerHTML =
          '<p role="status" class="mx-auto flex min-h-11 max-w-6xl items-center gap-2 px-3 py-1 text-sm sm:px-4">' +
          '<svg viewBox="0 0 16 16" class="inline-block shrink-0 size-4" aria-hidden="true" focusable="false"><circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" stroke-width="1.8"></circle><path d="M8 4.5V8l2.5 1.6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"></path></svg>' +
          '<span><strong class="font-semibold">Offline</strong> <span></span></span></p>';
        const span = banner.querySelector('span > span')!;
        span.textContent = text;
        const note = document.createElement('span');
        note.className = 'text-muted';
        note.textContent = '. Values are last known, not live.';
        span.appendChild(note);
        const header = document.querySelector('body > header');
        if (header) header.after(banner);
        else document.body.prepend(banner);
      }
      if (cells.length === 0) return;
      performance.mark('lw:last-known-painted');
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (performance.getEntriesByName('lw:last-known-shown').length === 0) performance.mark('lw:last-known-shown');
        }, 0),
      );
    };
    w.__lwLastKnown = new Promise((resolve) => {
      const finish = (value: unknown) => resolve(value);
      const open = indexedDB.open('linewatch', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('kv');
      open.onerror = () => finish(undefined);
      open.onsuccess = () => {
        const db = open.result;
        try {
          const req = db.transaction('kv').objectStore('kv').get(idbKey);
          req.onsuccess = () => {
            finish(req.result);
            db.close();
          };
          req.onerror = () => {
            finish(undefined);
            db.close();
          };
        } catch {
          finish(undefined);
          db.close();
        }
      };
    });
    w.__lwPaint = () => {
      if (!done) performance.mark('lw:cells-parsed');
      paint();
    };
    document.addEventListener('DOMContentLoaded', () => w.__lwPaint?.());
  } catch {
    // No IndexedDB: the app starts without a last known state.
  }
}

/** Inline script for the document head (signed-in pages); see the module comment. */
export const earlyPaintScript = `(${earlyPaint.toString()})(${JSON.stringify(idbKeys.lastKnown)},${JSON.stringify(paintCopyKey)},${JSON.stringify(dateStyleKey)})`;

/** Inline script right after the value cells: paints them now if the stored state is read. */
export const earlyPaintNow = 'window.__lwPaint&&window.__lwPaint()';
