import { useSyncExternalStore } from 'react';
import type { LineStatus, ProcessInfo, Sample } from '../types.ts';
import { observeServerTime, refreshClock, serverNow } from './clock.ts';
import { createLiveConnection, isOnline, type ConnectionState, type ConnectionStatus } from './live-connection.ts';
import { createLivePersistence } from './live-persistence.ts';
import { emptyLiveState, parseStreamEvent, reduceLive, sampleOf, snapshotOf, type LiveMessage, type LiveState } from './live-store-reducer.ts';
import { trendPoints, type TrendPoint } from './live-trend.ts';
import { loadLastKnown, type LastKnownState } from './offline-state.ts';

/**
 * The tab's one live connection: a store fed by a single `EventSource` on `/api/stream`, read
 * by components through `useSyncExternalStore` hooks. Importing this module starts nothing;
 * the stream opens when the first component subscribes and closes a moment after the last
 * one leaves. The parts: the state and how messages change it (live-store-reducer.ts), the
 * connection (live-connection.ts), the writes of the last known state (live-persistence.ts).
 *
 * Last known state: the store writes what it holds to IndexedDB (at most every 2 s) and, at
 * start, shows what was written until the stream's snapshot arrives — with every good value
 * marked stale (`useLastKnown` says since when), never as live. Offline after being live,
 * the values in memory are last known too and are marked the same way.
 */

export type { ConnectionState, ConnectionStatus } from './live-connection.ts';
export type { TrendPoint } from './live-trend.ts';

/** Raw stream message, for features that handle events this store does not (alarms, jobs). */
export type StreamListener = (event: string, data: unknown, id: string | null) => void;

/**
 * Where the values on screen come from: `none` yet, `stored` (IndexedDB, before this tab's
 * first snapshot) or `live` (the stream). `stale` when they are not live now: stored, or the
 * stream is offline. `dataAt`: local epoch ms of the newest message they include, while
 * stale (null while live: it would change with every message).
 */
export interface LastKnownStatus {
  source: 'none' | 'stored' | 'live';
  stale: boolean;
  dataAt: number | null;
}

/** Online, how long the snapshot may take before the stored state shows instead. */
const storedGraceMs = 2000;
/**
 * The stream stays open this long after the last subscriber left: a navigation unmounts one
 * page before the next subscribes, and a new stream would cost a reconnect.
 */
const idleStopMs = 5000;

/** Also what the server renders with: the same object, so hydration finds nothing changed. */
const noLastKnown: LastKnownStatus = { source: 'none', stale: false, dataAt: null };

interface LiveStore {
  /** Calls `listener` at most once per frame after anything changed. */
  subscribe(listener: () => void): () => void;
  subscribeStream(listener: StreamListener): () => void;
  subscribeSample(tag: string, listener: () => void): () => void;
  state(): LiveState;
  connection(): ConnectionStatus;
  lastKnown(): LastKnownStatus;
  /** Applies a change of the store's own (not from the stream); tells no one. */
  apply(message: LiveMessage): void;
  stopPersisting(): void;
}

function createLiveStore(): LiveStore {
  let state: LiveState = emptyLiveState;
  let lastKnown = noLastKnown;
  const listeners = new Set<() => void>();
  /** Per-tag listeners (`subscribeSample`): told once per frame when their tag's shown sample changed. */
  const tagListeners = new Map<string, Set<() => void>>();
  /** Tags changed since the last flush; `allTagsDirty` after a snapshot or a change of staleness. */
  const dirtyTags = new Set<string>();
  let allTagsDirty = false;
  const rawListeners = new Set<StreamListener>();
  let notifyPending = false;
  let running = false;
  let hydrateStarted = false;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let removePageListeners: (() => void) | null = null;

  const connection = createLiveConnection({
    onMessage,
    onStatus: notify,
    onWake() {
      refreshClock();
      notify();
    },
  });
  const persistence = createLivePersistence(readLastKnown);

  /** Listeners run once per frame at most: a burst of events costs one render. */
  function notify(): void {
    if (notifyPending) return;
    notifyPending = true;
    const run = () => {
      notifyPending = false;
      flush();
    };
    if (typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(run);
    else setTimeout(run, 250);
  }

  function flush(): void {
    updateLastKnown();
    for (const l of listeners) l();
    notifyTags();
  }

  /** Tells the per-tag listeners whose tag changed since the last call. */
  function notifyTags(): void {
    if (allTagsDirty) {
      for (const set of tagListeners.values()) for (const l of set) l();
    } else {
      for (const tag of dirtyTags) for (const l of tagListeners.get(tag) ?? []) l();
    }
    dirtyTags.clear();
    allTagsDirty = false;
  }

  function updateLastKnown(): void {
    const { source, storedDataAt } = state;
    const status = connection.status();
    const interrupted = status.state === 'interrupted';
    const stale = source === 'stored' || (source === 'live' && (status.state === 'offline' || interrupted));
    // Live, the newest message changes all the time: only a stale view says when its data is from
    // (interrupted: since the server's live bus went down, on this device's clock).
    const dataAt =
      source === 'stored'
        ? storedDataAt
        : interrupted && status.interruptedSince !== undefined
          ? status.interruptedSince - (serverNow() - Date.now())
          : stale
            ? status.lastEventAt
            : null;
    // Every good value changes how it shows (stale or not).
    if (lastKnown.stale !== stale) allTagsDirty = true;
    if (lastKnown.source !== source || lastKnown.stale !== stale || lastKnown.dataAt !== dataAt) lastKnown = { source, stale, dataAt };
  }

  function apply(message: LiveMessage): void {
    if (message.type === 'sample') {
      observeServerTime(message.batch.readAt);
      for (const s of message.batch.samples) dirtyTags.add(s.tag);
    } else if (message.type === 'heartbeat') {
      observeServerTime(message.ts);
    } else if (message.type === 'snapshot' || message.type === 'last-known') {
      allTagsDirty = true;
    }
    state = reduceLive(state, message);
  }

  function onMessage(event: string, data: unknown, id: string | null): void {
    const message = parseStreamEvent(event, data);
    if (message) apply(message);
    for (const l of rawListeners) l(event, data, id);
    notify();
    if (hasSnapshot()) persistence.schedule();
  }

  function hasSnapshot(): boolean {
    return state.source === 'live';
  }

  function readLastKnown(): LastKnownState | null {
    const { lastEventAt } = connection.status();
    if (!hasSnapshot() || lastEventAt === null) return null;
    const now = Date.now();
    return { v: 1, savedAt: now, dataAt: lastEventAt, skewMs: serverNow() - now, snapshot: snapshotOf(state) };
  }

  /**
   * Shows the state last written to IndexedDB, unless the stream got here first. Online, the
   * page came with server-rendered values and the snapshot follows within a moment: the stored
   * state is for when it does not (a Wi-Fi that is connected but dead), after a short grace.
   */
  async function hydrate(): Promise<void> {
    // Online, usually the snapshot comes first and the stored state is never read (reading it
    // costs a structured-clone of the whole state on the main thread, during page start).
    if (isOnline()) await new Promise((resolve) => setTimeout(resolve, storedGraceMs));
    if (hasSnapshot()) return;
    const stored = await loadLastKnown();
    // Asked again: the snapshot may have come while IndexedDB answered.
    if (!stored || hasSnapshot()) return;
    observeServerTime(Date.now() + stored.skewMs);
    apply({ type: 'last-known', snapshot: stored.snapshot, dataAt: stored.dataAt });
    performance.mark('lw:last-known-applied');
    // Features with their own state (alarms) take it as a snapshot; the live one replaces it.
    for (const l of rawListeners) l('snapshot', stored.snapshot, null);
    // Now, not on the next frame: this is what an offline start is waiting for.
    flush();
  }

  function start(): void {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    if (running || typeof window === 'undefined') return;
    running = true;
    if (!hydrateStarted) {
      hydrateStarted = true;
      performance.mark('lw:store-start');
      void hydrate();
    }
    connection.start();
    removePageListeners = persistence.addListeners();
  }

  function stop(): void {
    idleTimer = undefined;
    running = false;
    connection.stop();
    removePageListeners?.();
    removePageListeners = null;
    persistence.flush();
  }

  /** Called after a listener left: the last one stops the stream, after a grace. */
  function release(): void {
    if (!running || idleTimer !== undefined || listeners.size + rawListeners.size + tagListeners.size > 0) return;
    idleTimer = setTimeout(stop, idleStopMs);
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      start();
      return () => {
        listeners.delete(listener);
        release();
      };
    },
    subscribeStream(listener) {
      rawListeners.add(listener);
      start();
      return () => {
        rawListeners.delete(listener);
        release();
      };
    },
    subscribeSample(tag, listener) {
      let set = tagListeners.get(tag);
      if (!set) tagListeners.set(tag, (set = new Set()));
      set.add(listener);
      start();
      return () => {
        set.delete(listener);
        if (set.size === 0 && tagListeners.get(tag) === set) tagListeners.delete(tag);
        release();
      };
    },
    state: () => state,
    connection: () => connection.status(),
    lastKnown: () => lastKnown,
    apply,
    stopPersisting: () => persistence.disable(),
  };
}

const store = createLiveStore();
const subscribe = store.subscribe;

/**
 * Raw stream events (after the store has applied them), for features with their own state
 * such as the alarm banner. Returns the function that removes the listener. Opens the stream.
 */
export function subscribeStream(listener: StreamListener): () => void {
  return store.subscribeStream(listener);
}

/** Stops writing the last known state from this tab (the user signed out; the service worker cleared it). */
export function stopPersisting(): void {
  store.stopPersisting();
}

/**
 * Calls `listener` (at most once per frame) when the sample shown for `tag` changes: its
 * value, its quality, or whether it shows as stale. For views that write values straight
 * into the DOM rather than re-render (the overview). Opens the stream; returns the function
 * that removes the listener.
 */
export function subscribeSample(tag: string, listener: () => void): () => void {
  return store.subscribeSample(tag, listener);
}

/** Good samples shown as stale while the data is not live; one object per sample, for stable renders. */
const staleCopies = new WeakMap<Sample, Sample>();

/** What a good value shows as while the data is not live: stale, with why. */
function staleCopy(s: Sample): Sample {
  let copy = staleCopies.get(s);
  if (!copy) {
    copy = { ...s, quality: 'stale', reason: 'last known value, not live' };
    staleCopies.set(s, copy);
  }
  return copy;
}

/** The sample of `tag` as `useSample` shows it (good values stale while the data is not live), now. */
export function shownSample(tag: string): Sample | undefined {
  const s = sampleOf(store.state(), tag);
  return s && store.lastKnown().stale && s.quality === 'good' ? staleCopy(s) : s;
}

/** Starts recording live points of `tag` for sparklines (idempotent). */
export function trackTrend(tag: string): void {
  store.apply({ type: 'track', tag });
}

// Hooks. Each selector returns an object that is replaced when (and only when) it changes,
// so a component re-renders only for its own tag, line or process.

const serverConnection: ConnectionStatus = { state: 'connecting', lastEventAt: null, since: 0 };
const none = () => undefined;
const noTrend: TrendPoint[] = [];

export function useConnection(): ConnectionStatus {
  return useSyncExternalStore(subscribe, store.connection, () => serverConnection);
}

/** Only the connection state (`useConnection` changes with every message). */
export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(
    subscribe,
    () => store.connection().state,
    () => serverConnection.state,
  );
}

/** Local epoch second of the last message (or null): changes at most once a second. */
export function useLastEventSecond(): number | null {
  return useSyncExternalStore(
    subscribe,
    () => {
      const at = store.connection().lastEventAt;
      return at === null ? null : Math.floor(at / 1000);
    },
    () => null,
  );
}

/**
 * The sample of a tag, or undefined before the stream (or the last known state) delivered
 * it. While the data is not live, good values come back as `stale`.
 */
export function useSample(tag: string): Sample | undefined {
  return useSyncExternalStore(subscribe, () => shownSample(tag), none);
}

/**
 * How the sample of `tag` shows, without its value: `none`, or its quality and reason
 * (`good`, `stale|last known value, not live`, `bad|timeout`). Changes far less often than
 * the value, so a view that writes values into the DOM re-renders only for these.
 * Null while hydrating (then the server-rendered sample applies).
 */
export function useSampleLook(tag: string): string | null {
  return useSyncExternalStore(
    subscribe,
    () => {
      const s = shownSample(tag);
      return s ? (s.quality === 'good' ? 'good' : `${s.quality}|${s.reason ?? ''}`) : 'none';
    },
    () => null,
  );
}

/** Whether the values on screen are live, and if not, since when they are known. */
export function useLastKnown(): LastKnownStatus {
  return useSyncExternalStore(subscribe, store.lastKnown, () => noLastKnown);
}

export function useLineStatus(id: string): LineStatus | undefined {
  return useSyncExternalStore(subscribe, () => store.state().lines.get(id), none);
}

/** Only the state of the line (changes rarely; `useLineStatus` changes with every sample batch). */
export function useLineState(id: string): LineStatus['state'] | undefined {
  return useSyncExternalStore(subscribe, () => store.state().lines.get(id)?.state, none);
}

/** `lost/of` while some but not all of the line's PLCs are lost, else undefined (a string: stable between events). */
export function useLinePartial(id: string): string | undefined {
  return useSyncExternalStore(
    subscribe,
    () => {
      const partial = store.state().lines.get(id)?.partial;
      return partial && `${partial.lost}/${partial.of}`;
    },
    none,
  );
}

/** Server time of the line's newest good sample, or undefined. */
export function useLastGoodAt(line: string): number | undefined {
  return useSyncExternalStore(subscribe, () => store.state().lastGoodAt.get(line), none);
}

/** Every child process, by id; null until the first snapshot. */
export function useProcesses(): ProcessInfo[] | null {
  return useSyncExternalStore(
    subscribe,
    () => store.state().processList,
    () => null,
  );
}

export function useProcess(id: string): ProcessInfo | undefined {
  return useSyncExternalStore(subscribe, () => store.state().processes.get(id), none);
}

/** Statuses of the given processes (`none` when unknown), in order; re-renders only on a change. */
export function useProcessStatuses(ids: readonly string[]): (ProcessInfo['status'] | 'none')[] {
  const joined = useSyncExternalStore(
    subscribe,
    () => ids.map((id) => store.state().processes.get(id)?.status ?? 'none').join(' '),
    () => ids.map(() => 'none').join(' '),
  );
  return joined.split(' ') as (ProcessInfo['status'] | 'none')[];
}

/** Whether the store holds server state yet (a snapshot arrived in this tab). */
export function useHasSnapshot(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => store.state().source === 'live',
    () => false,
  );
}

/** Live points of `tag` recorded since `trackTrend(tag)`, oldest first, now (not a hook); callers must not change them. */
export function liveTrend(tag: string): TrendPoint[] {
  const trend = store.state().trends.get(tag);
  return trend ? trendPoints(trend) : noTrend;
}

/** Live points of `tag` recorded since `trackTrend(tag)`, oldest first. */
export function useLiveTrend(tag: string): TrendPoint[] {
  return useSyncExternalStore(
    subscribe,
    () => liveTrend(tag),
    () => noTrend,
  );
}
