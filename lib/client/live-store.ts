import { useSyncExternalStore } from 'react';
import type { AlarmEventPayload, AlarmView } from '../alarms/alarm-types.ts';
import { decodeSampleEvent, type WireSampleEvent } from '../stream/sample-wire.ts';
import type { LineStatus, ProcessInfo, Quality, Sample, Snapshot } from '../types.ts';
import { compareIds } from '../compare-ids.ts';
import { observeServerTime, refreshClock, serverNow } from './clock.ts';
import { clearPaintCopy, loadLastKnown, saveLastKnown, savePaintCopy, type LastKnownState } from './offline-state.ts';

/**
 * The tab's one live connection: a module-level store fed by a single `EventSource` on
 * `/api/stream`, read by components through `useSyncExternalStore` hooks. Importing this
 * module starts nothing; the stream opens when the first component subscribes.
 *
 * Resuming: the browser's own reconnects send `Last-Event-ID`; when the store has to make a
 * new EventSource (server refused the request, watchdog, tab back from background, network
 * back) it passes the last id as `?lastEventId=`. The server replays what was missed, or
 * sends a fresh snapshot when that id has left its ring, so the view converges either way.
 *
 * Last known state: the store writes what it holds to IndexedDB (at most every 2 s) and, at
 * start, shows what was written until the stream's snapshot arrives — with every good value
 * marked stale (`useLastKnown` says since when), never as live. Offline after being live,
 * the values in memory are last known too and are marked the same way.
 */

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Local epoch ms of the last message of any kind (heartbeats too); null before the first. */
  lastEventAt: number | null;
  /** Local epoch ms since which `state` holds. */
  since: number;
}

export interface TrendPoint {
  ts: number;
  value: number | null;
  quality: Quality;
}

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

/** Reconnecting longer than this (or the browser reports no network) shows as offline. */
const offlineAfterMs = 10_000;
/** No message for this long (heartbeat every 15 s) means the connection is dead. */
const silenceMs = 40_000;
/** Back from background after this long: reconnect to converge, even if it looks alive. */
const resumeAfterHiddenMs = 30_000;
/** Live points kept per trend. */
const trendWindowMs = 10 * 60_000;
/** Writes of the last known state at most this often. */
const persistEveryMs = 2000;
/** Online, how long the snapshot may take before the stored state shows instead. */
const storedGraceMs = 2000;

const streamEvents = ['snapshot', 'sample', 'line', 'process', 'alarm', 'job', 'heartbeat'] as const;

const lines = new Map<string, LineStatus>();
const values = new Map<string, Sample>();
const processes = new Map<string, ProcessInfo>();
const trends = new Map<string, TrendPoint[]>();
/** Newest good sample time per line (server clock): how fresh the line's data is. */
const lastGoodAt = new Map<string, number>();
let processList: ProcessInfo[] | null = null;
let hasSnapshot = false;
/** Alarms that are not normal, for the last known state (lib/client/alarm-store.ts shows them). */
const alarms = new Map<string, AlarmView>();
let dataSource: LastKnownStatus['source'] = 'none';
let storedDataAt: number | null = null;
/** Also what the server renders with: the same object, so hydration finds nothing changed. */
const noLastKnown: LastKnownStatus = { source: 'none', stale: false, dataAt: null };
let lastKnown: LastKnownStatus = noLastKnown;
/** Good samples shown as stale while the data is not live; one object per sample, for stable renders. */
const staleCopies = new WeakMap<Sample, Sample>();
let persistTimer: ReturnType<typeof setTimeout> | undefined;
let lastPersistAt = 0;
/** The user signed out: this tab writes no more last known state. */
let persistStopped = false;
let connection: ConnectionStatus = { state: 'connecting', lastEventAt: null, since: Date.now() };

const listeners = new Set<() => void>();
/** Per-tag listeners (`subscribeSample`): told once per frame when their tag's shown sample changed. */
const tagListeners = new Map<string, Set<() => void>>();
/** Tags changed since the last flush; `allTagsDirty` after a snapshot or a change of staleness. */
const dirtyTags = new Set<string>();
let allTagsDirty = false;
const rawListeners = new Set<StreamListener>();
let source: EventSource | null = null;
let lastEventId: string | null = null;
let started = false;
let failures = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let hiddenAt: number | null = null;
let notifyPending = false;

/** Listeners run once per frame at most: a burst of events costs one render. */
function notify(): void {
  if (notifyPending) return;
  notifyPending = true;
  const flush = () => {
    notifyPending = false;
    updateLastKnown();
    for (const l of listeners) l();
    notifyTags();
  };
  if (typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(flush);
  else setTimeout(flush, 250);
}

/** Tells the per-tag listeners whose tag changed since the last call. */
function notifyTags(): void {
  if (tagListeners.size === 0) {
    dirtyTags.clear();
    allTagsDirty = false;
    return;
  }
  if (allTagsDirty) {
    for (const set of tagListeners.values()) for (const l of set) l();
  } else {
    for (const tag of dirtyTags) for (const l of tagListeners.get(tag) ?? []) l();
  }
  dirtyTags.clear();
  allTagsDirty = false;
}

function setConnection(state: ConnectionState): void {
  if (connection.state === state) return;
  connection = { ...connection, state, since: Date.now() };
  notify();
}

function markEvent(): void {
  connection = { ...connection, lastEventAt: Date.now() };
  if (connection.state !== 'live') connection = { ...connection, state: 'live', since: Date.now() };
}

function applySnapshot(snap: Snapshot): void {
  alarms.clear();
  for (const a of snap.alarms ?? []) alarms.set(a.id, a);
  lines.clear();
  for (const l of snap.lines) lines.set(l.id, l);
  values.clear();
  lastGoodAt.clear();
  allTagsDirty = true;
  applySamples(snap.values);
  processes.clear();
  for (const p of snap.processes) processes.set(p.id, p);
  processList = sortProcesses();
  hasSnapshot = true;
}

function lineOf(tag: string): string {
  const dot = tag.indexOf('.');
  return dot < 0 ? tag : tag.slice(0, dot);
}

function applySamples(samples: readonly Sample[]): void {
  for (const s of samples) {
    values.set(s.tag, s);
    dirtyTags.add(s.tag);
    if (s.quality === 'good') {
      const line = lineOf(s.tag);
      if (s.ts > (lastGoodAt.get(line) ?? 0)) lastGoodAt.set(line, s.ts);
    }
    const trend = trends.get(s.tag);
    // A snapshot repeats values already seen: keep each trend strictly in time order.
    if (trend && (trend.length === 0 || s.ts > trend[trend.length - 1]!.ts)) {
      const from = s.ts - trendWindowMs;
      let cut = 0;
      while (cut < trend.length && trend[cut]!.ts < from) cut++;
      const next = cut > 0 ? trend.slice(cut) : trend.slice();
      next.push({ ts: s.ts, value: s.value, quality: s.quality });
      trends.set(s.tag, next);
    }
  }
}

function sortProcesses(): ProcessInfo[] {
  return [...processes.values()].sort((a, b) => compareIds(a.id, b.id));
}

function handle(event: string, data: unknown): void {
  switch (event) {
    case 'snapshot':
      applySnapshot(data as Snapshot);
      break;
    case 'sample': {
      const batch = decodeSampleEvent(data as WireSampleEvent);
      observeServerTime(batch.readAt);
      applySamples(batch.samples);
      const line = lines.get(batch.line);
      const newest = Math.max(...batch.samples.map((s) => s.ts));
      if (line && newest > (line.lastSampleAt ?? 0)) lines.set(batch.line, { ...line, lastSampleAt: newest });
      break;
    }
    case 'line': {
      const status = data as LineStatus;
      lines.set(status.id, status);
      break;
    }
    case 'process': {
      const info = data as ProcessInfo;
      processes.set(info.id, info);
      processList = sortProcesses();
      break;
    }
    case 'alarm': {
      const { alarm } = data as AlarmEventPayload;
      if (alarm.state === 'normal') alarms.delete(alarm.id);
      else alarms.set(alarm.id, alarm);
      break;
    }
    case 'heartbeat':
      observeServerTime((data as { ts: number }).ts);
      break;
  }
}

function onMessage(e: MessageEvent<string>): void {
  if (e.currentTarget !== source) return;
  if (e.lastEventId) lastEventId = e.lastEventId;
  markEvent();
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch {
    return;
  }
  handle(e.type, data);
  if (e.type === 'snapshot') dataSource = 'live';
  for (const l of rawListeners) l(e.type, data, e.lastEventId || null);
  notify();
  schedulePersist();
}

function updateLastKnown(): void {
  const stale = dataSource === 'stored' || (dataSource === 'live' && connection.state === 'offline');
  // Live, the newest message changes all the time: only a stale view says when its data is from.
  const dataAt = dataSource === 'stored' ? storedDataAt : stale ? connection.lastEventAt : null;
  // Every good value changes how it shows (stale or not).
  if (lastKnown.stale !== stale) allTagsDirty = true;
  if (lastKnown.source !== dataSource || lastKnown.stale !== stale || lastKnown.dataAt !== dataAt) lastKnown = { source: dataSource, stale, dataAt };
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
  if (hasSnapshot) return;
  const stored = await loadLastKnown();
  if (!stored || hasSnapshot) return;
  observeServerTime(Date.now() + stored.skewMs);
  applySnapshot(stored.snapshot);
  // applySnapshot marks a snapshot as this tab's: the stored one is not.
  hasSnapshot = false;
  dataSource = 'stored';
  storedDataAt = stored.dataAt;
  performance.mark('lw:last-known-applied');
  // Features with their own state (alarms) take it as a snapshot; the live one replaces it.
  for (const l of rawListeners) l('snapshot', stored.snapshot, null);
  // Now, not on the next frame: this is what an offline start is waiting for.
  updateLastKnown();
  for (const l of listeners) l();
  notifyTags();
}

function schedulePersist(): void {
  if (persistTimer !== undefined || dataSource !== 'live' || persistStopped) return;
  persistTimer = setTimeout(persist, Math.max(0, lastPersistAt + persistEveryMs - Date.now()));
}

function persist(): void {
  clearTimeout(persistTimer);
  persistTimer = undefined;
  if (dataSource !== 'live' || connection.lastEventAt === null || persistStopped) return;
  lastPersistAt = Date.now();
  const state: LastKnownState = {
    v: 1,
    savedAt: lastPersistAt,
    dataAt: connection.lastEventAt,
    skewMs: serverNow() - Date.now(),
    snapshot: { id: 0, lines: [...lines.values()], values: [...values.values()], processes: [...processes.values()], alarms: [...alarms.values()] },
  };
  void saveLastKnown(state);
  savePaintCopy(state);
}

function isOnline(): boolean {
  return typeof navigator === 'undefined' || navigator.onLine !== false;
}

function connect(): void {
  clearTimeout(retryTimer);
  retryTimer = undefined;
  source?.close();
  source = null;
  if (!isOnline()) {
    setConnection('offline');
    return;
  }
  if (connection.state !== 'connecting') setConnection('reconnecting');
  const url = lastEventId ? `/api/stream?lastEventId=${encodeURIComponent(lastEventId)}` : '/api/stream';
  const es = new EventSource(url);
  source = es;
  for (const name of streamEvents) es.addEventListener(name, onMessage as EventListener);
  es.onopen = () => {
    if (es !== source) return;
    failures = 0;
    setConnection('live');
  };
  es.onerror = () => {
    if (es !== source) return;
    if (es.readyState === EventSource.CLOSED) {
      // The browser gave up (the server answered with an error status): retry ourselves.
      es.close();
      source = null;
      scheduleRetry();
      void checkSession();
    }
    // Otherwise the browser retries on its own (`retry:` ms) with Last-Event-ID.
    if (connection.state === 'live' || connection.state === 'connecting') setConnection(isOnline() ? 'reconnecting' : 'offline');
  };
}

function scheduleRetry(): void {
  failures++;
  const base = Math.min(15_000, 1000 * 2 ** Math.min(failures - 1, 4));
  retryTimer = setTimeout(connect, base / 2 + Math.random() * (base / 2));
}

/** A stream refused for an ended session: let the API helper send the user to the login page. */
async function checkSession(): Promise<void> {
  try {
    const res = await fetch('/api/auth/me', { cache: 'no-store' });
    if (res.status === 401) window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  } catch {
    // Network down: the offline state already says it.
  }
}

function checkHealth(): void {
  const now = Date.now();
  const { state, lastEventAt, since } = connection;
  if (state === 'live' && now - (lastEventAt ?? since) > silenceMs) {
    connect();
  } else if (state === 'reconnecting' && now - since > offlineAfterMs) {
    setConnection('offline');
  }
}

function onVisibility(): void {
  if (document.visibilityState === 'hidden') {
    hiddenAt = Date.now();
    return;
  }
  const away = hiddenAt === null ? 0 : Date.now() - hiddenAt;
  hiddenAt = null;
  const quiet = Date.now() - (connection.lastEventAt ?? 0);
  if (away > resumeAfterHiddenMs || quiet > 20_000 || source === null) connect();
  refreshClock();
  notify();
}

function start(): void {
  if (started || typeof window === 'undefined') return;
  started = true;
  performance.mark('lw:store-start');
  void hydrate();
  connect();
  setInterval(checkHealth, 2000);
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('offline', () => {
    source?.close();
    source = null;
    clearTimeout(retryTimer);
    setConnection('offline');
  });
  window.addEventListener('online', () => connect());
  window.addEventListener('pageshow', (e) => {
    if (e.persisted) connect();
  });
  // The tab may be closed or frozen next: write what is pending now.
  window.addEventListener('pagehide', () => {
    if (persistTimer !== undefined) persist();
  });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  start();
  return () => listeners.delete(listener);
}

/**
 * Raw stream events (after the store has applied them), for features with their own state
 * such as the alarm banner. Returns the function that removes the listener. Opens the stream.
 */
export function subscribeStream(listener: StreamListener): () => void {
  rawListeners.add(listener);
  start();
  return () => rawListeners.delete(listener);
}

/** Stops writing the last known state from this tab (the user signed out; the service worker cleared it). */
export function stopPersisting(): void {
  persistStopped = true;
  clearTimeout(persistTimer);
  persistTimer = undefined;
  // The worker cleared IndexedDB; the paint copy lives in this page's storage.
  clearPaintCopy();
}

/**
 * Calls `listener` (at most once per frame) when the sample shown for `tag` changes: its
 * value, its quality, or whether it shows as stale. For views that write values straight
 * into the DOM rather than re-render (the overview). Opens the stream; returns the function
 * that removes the listener.
 */
export function subscribeSample(tag: string, listener: () => void): () => void {
  let set = tagListeners.get(tag);
  if (!set) tagListeners.set(tag, (set = new Set()));
  set.add(listener);
  start();
  return () => {
    set.delete(listener);
    if (set.size === 0 && tagListeners.get(tag) === set) tagListeners.delete(tag);
  };
}

/** The sample of `tag` as `useSample` shows it (good values stale while the data is not live), now. */
export function shownSample(tag: string): Sample | undefined {
  const s = values.get(tag);
  return s && lastKnown.stale && s.quality === 'good' ? staleCopy(s) : s;
}

/** Starts recording live points of `tag` for sparklines (idempotent). */
export function trackTrend(tag: string): void {
  if (!trends.has(tag)) trends.set(tag, []);
}

// Hooks. Each selector returns an object that is replaced when (and only when) it changes,
// so a component re-renders only for its own tag, line or process.

const serverConnection: ConnectionStatus = { state: 'connecting', lastEventAt: null, since: 0 };
const none = () => undefined;
const noTrend: TrendPoint[] = [];

export function useConnection(): ConnectionStatus {
  return useSyncExternalStore(subscribe, () => connection, () => serverConnection);
}

/** Only the connection state (`useConnection` changes with every message). */
export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(subscribe, () => connection.state, () => serverConnection.state);
}

/** Local epoch second of the last message (or null): changes at most once a second. */
export function useLastEventSecond(): number | null {
  return useSyncExternalStore(
    subscribe,
    () => (connection.lastEventAt === null ? null : Math.floor(connection.lastEventAt / 1000)),
    () => null,
  );
}

/** What a good value shows as while the data is not live: stale, with why. */
function staleCopy(s: Sample): Sample {
  let copy = staleCopies.get(s);
  if (!copy) {
    copy = { ...s, quality: 'stale', reason: 'last known value, not live' };
    staleCopies.set(s, copy);
  }
  return copy;
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
  return useSyncExternalStore(subscribe, () => lastKnown, () => noLastKnown);
}

export function useLineStatus(id: string): LineStatus | undefined {
  return useSyncExternalStore(subscribe, () => lines.get(id), none);
}

/** Only the state of the line (changes rarely; `useLineStatus` changes with every sample batch). */
export function useLineState(id: string): LineStatus['state'] | undefined {
  return useSyncExternalStore(subscribe, () => lines.get(id)?.state, none);
}

/** Server time of the line's newest good sample, or undefined. */
export function useLastGoodAt(line: string): number | undefined {
  return useSyncExternalStore(subscribe, () => lastGoodAt.get(line), none);
}

/** Every child process, by id; null until the first snapshot. */
export function useProcesses(): ProcessInfo[] | null {
  return useSyncExternalStore(subscribe, () => processList, () => null);
}

export function useProcess(id: string): ProcessInfo | undefined {
  return useSyncExternalStore(subscribe, () => processes.get(id), none);
}

/** Statuses of the given processes (`none` when unknown), in order; re-renders only on a change. */
export function useProcessStatuses(ids: readonly string[]): (ProcessInfo['status'] | 'none')[] {
  const joined = useSyncExternalStore(
    subscribe,
    () => ids.map((id) => processes.get(id)?.status ?? 'none').join(' '),
    () => ids.map(() => 'none').join(' '),
  );
  return joined.split(' ') as (ProcessInfo['status'] | 'none')[];
}

/** Whether the store holds server state yet (a snapshot arrived in this tab). */
export function useHasSnapshot(): boolean {
  return useSyncExternalStore(subscribe, () => hasSnapshot, () => false);
}

/** Live points of `tag` recorded since `trackTrend(tag)`, oldest first, now (not a hook). */
export function liveTrend(tag: string): TrendPoint[] {
  return trends.get(tag) ?? noTrend;
}

/** Live points of `tag` recorded since `trackTrend(tag)`, oldest first. */
export function useLiveTrend(tag: string): TrendPoint[] {
  return useSyncExternalStore(subscribe, () => trends.get(tag) ?? noTrend, () => noTrend);
}
