import type { Snapshot } from '../types.ts';
import { idbDelete, idbGet, idbKeys, idbSet } from './offline-db.ts';

/**
 * The last known live state of this device, kept in IndexedDB so the app opened with no
 * network shows it at once, marked stale with its age, until the stream delivers the truth.
 */
export interface LastKnownState {
  v: 1;
  /** Local epoch ms when written. */
  savedAt: number;
  /** Local epoch ms of the newest stream message the state includes: what "data from 14:02" means. */
  dataAt: number;
  /** Server clock − local clock when written (ms), so ages stay right before the stream is back. */
  skewMs: number;
  snapshot: Snapshot;
}

/**
 * The last known state: the one an offline start already read before the app's JavaScript
 * loaded (`window.__lwLastKnown`, lib/client/early-paint.ts), else read now.
 */
export async function loadLastKnown(): Promise<LastKnownState | undefined> {
  try {
    const w = globalThis as { __lwLastKnown?: Promise<LastKnownState | undefined> };
    const early = w.__lwLastKnown;
    delete w.__lwLastKnown;
    const state = (await early) ?? (await idbGet<LastKnownState>(idbKeys.lastKnown));
    return state?.v === 1 && state.snapshot && Array.isArray(state.snapshot.values) ? state : undefined;
  } catch {
    // No IndexedDB (private mode, blocked): no last known state, nothing else changes.
    return undefined;
  }
}

export async function saveLastKnown(state: LastKnownState): Promise<void> {
  try {
    await idbSet(idbKeys.lastKnown, state);
  } catch {
    // Quota or private mode: the live view does not depend on it.
  }
}

export async function clearLastKnown(): Promise<void> {
  clearPaintCopy();
  try {
    await idbDelete(idbKeys.lastKnown);
  } catch {
    // Nothing stored.
  }
}

/** localStorage key of the paint copy. */
export const paintCopyKey = 'lw-last-known-paint';

/**
 * What an offline start paints before the app's JavaScript runs (lib/client/early-paint.ts):
 * the values of the last known state, in localStorage because it reads synchronously in the
 * document head (IndexedDB answers only once the page's scripts let the main thread go).
 * Written with the IndexedDB state, removed with it.
 */
export interface PaintCopy {
  v: 1;
  /** As LastKnownState.dataAt. */
  dataAt: number;
  /** [tag, value, quality] of every value. */
  values: [string, number | null, string][];
}

export function savePaintCopy(state: LastKnownState): void {
  const copy: PaintCopy = { v: 1, dataAt: state.dataAt, values: state.snapshot.values.map((s) => [s.tag, s.value, s.quality]) };
  try {
    localStorage.setItem(paintCopyKey, JSON.stringify(copy));
  } catch {
    // Quota or no storage: an offline start paints when React has hydrated.
  }
}

export function clearPaintCopy(): void {
  try {
    localStorage.removeItem(paintCopyKey);
  } catch {
    // No storage.
  }
}
