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
 * Inline script for the document head (before the app's JavaScript loads): starts reading the
 * last known state from IndexedDB at once, so an offline start does not wait for hydration to
 * begin the read. `loadLastKnown` takes the result. Same database layout as offline-db.ts.
 */
export const lastKnownEarlyScript = `(function(){try{if(navigator.onLine)return;window.__lwLastKnown=new Promise(function(done){var r=indexedDB.open('linewatch',1);r.onupgradeneeded=function(){r.result.createObjectStore('kv')};r.onerror=function(){done(undefined)};r.onsuccess=function(){var db=r.result;try{var q=db.transaction('kv').objectStore('kv').get('${idbKeys.lastKnown}');q.onsuccess=function(){done(q.result);db.close()};q.onerror=function(){done(undefined);db.close()}}catch(e){done(undefined);db.close()}}})}catch(e){}})()`;

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
  try {
    await idbDelete(idbKeys.lastKnown);
  } catch {
    // Nothing stored.
  }
}
