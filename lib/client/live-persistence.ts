import { clearPaintCopy, saveLastKnown, savePaintCopy, type LastKnownState } from './offline-state.ts';

/**
 * Writes the live store's last known state to IndexedDB (and its paint copy to localStorage),
 * at most once per `everyMs`, so that the app opened with no network shows it at once.
 */
export interface LivePersistence {
  /** Writes soon: now if the last write is `everyMs` old, else when it will be. */
  schedule(): void;
  /** Writes now if a write is scheduled (the tab may be closed or frozen next). */
  flush(): void;
  /** No more writes from this tab, and the paint copy goes (the user signed out). Final. */
  disable(): void;
  /** Flushes when the page is hidden for good; returns the function that removes the listener. */
  addListeners(): () => void;
}

/** Writes of the last known state at most this often (default of `everyMs`). */
export const persistEveryMs = 2000;

/** `read` gives the state to write now, or null when there is none worth writing. */
export function createLivePersistence(read: () => LastKnownState | null, everyMs: number = persistEveryMs): LivePersistence {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastWriteAt = 0;
  let disabled = false;

  function write(): void {
    clearTimeout(timer);
    timer = undefined;
    if (disabled) return;
    const state = read();
    if (state === null) return;
    lastWriteAt = state.savedAt;
    void saveLastKnown(state);
    savePaintCopy(state);
  }

  function flush(): void {
    if (timer !== undefined) write();
  }

  return {
    schedule() {
      if (timer !== undefined || disabled) return;
      timer = setTimeout(write, Math.max(0, lastWriteAt + everyMs - Date.now()));
    },
    flush,
    disable() {
      disabled = true;
      clearTimeout(timer);
      timer = undefined;
      // The service worker cleared IndexedDB; the paint copy lives in this page's storage.
      clearPaintCopy();
    },
    addListeners() {
      if (typeof window === 'undefined') return () => {};
      window.addEventListener('pagehide', flush);
      return () => window.removeEventListener('pagehide', flush);
    },
  };
}
