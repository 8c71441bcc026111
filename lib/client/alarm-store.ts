import { useSyncExternalStore } from 'react';
import { compareAlarms, type AlarmEventPayload, type AlarmJournalEntry, type AlarmPriority, type AlarmView } from '../alarms/alarm-types.ts';
import type { Snapshot } from '../types.ts';
import { subscribeStream } from './live-store.ts';
import { backgroundHeader } from '../auth/background.ts';

/**
 * The tab's alarms, fed by the one live stream (lib/client/live-store.ts): the snapshot's
 * alarm list, then every `alarm` event — so an acknowledgement in one tab shows in all of
 * them. Importing starts nothing; the first hook subscribes. Until the stream's snapshot
 * arrives, a fetch of /api/alarms seeds the list (newer `seq` wins when both know an alarm).
 */

export interface AlarmSummary {
  /** Unacknowledged (unack-active or returned-unacknowledged), by priority. */
  unacked: Record<AlarmPriority, number>;
  unackedTotal: number;
  /** Active, in service (acknowledged or not). */
  active: number;
  /** Shelved or out of service. */
  suppressed: number;
  /** Shelved (a part of `suppressed`). */
  shelved: number;
  /** False until the stream's snapshot or a fetch of /api/alarms said what the alarms are. */
  known: boolean;
  /** The newest unacknowledged alarm of the highest priority present, else the newest active one. */
  newest: AlarmView | null;
}

/** A transition as it arrives live (not from a snapshot or a replay older than `maxAgeMs`). */
export type AlarmTransitionListener = (entry: AlarmJournalEntry, alarm: AlarmView) => void;

const alarms = new Map<string, AlarmView>();
let ready = false;
let sorted: AlarmView[] | null = null;
let summary: AlarmSummary = emptySummary();
let byTag = new Map<string, AlarmView[]>();
let byLine = new Map<string, AlarmView[]>();
const listeners = new Set<() => void>();
const transitionListeners = new Set<AlarmTransitionListener>();
let started = false;
let notifyPending = false;

function emptySummary(): AlarmSummary {
  return { unacked: { critical: 0, high: 0, medium: 0, low: 0 }, unackedTotal: 0, active: 0, suppressed: 0, shelved: 0, known: false, newest: null };
}

const quiet = (a: AlarmView) => a.state === 'normal';
const unacked = (a: AlarmView) => a.state === 'unack-active' || a.state === 'rtn-unack';
/** What a tag or line mark shows: in alarm or waiting for an acknowledgement, in service. */
const marks = (a: AlarmView) => a.state === 'unack-active' || a.state === 'ack-active' || a.state === 'rtn-unack';

function rebuild(): void {
  const list = [...alarms.values()].filter((a) => !quiet(a)).sort(compareAlarms);
  sorted = ready ? list : null;
  const s = emptySummary();
  s.known = ready;
  const tags = new Map<string, AlarmView[]>();
  const lines = new Map<string, AlarmView[]>();
  for (const a of list) {
    if (unacked(a)) {
      s.unacked[a.priority]++;
      s.unackedTotal++;
    }
    if (a.state === 'shelved') s.shelved++;
    if (a.state === 'shelved' || a.state === 'out-of-service') s.suppressed++;
    else if (a.active) s.active++;
    if (marks(a)) {
      if (a.tag) tags.set(a.tag, [...(tags.get(a.tag) ?? []), a]);
      lines.set(a.line, [...(lines.get(a.line) ?? []), a]);
    }
  }
  // `list` is sorted by priority then time: the first unacknowledged one is the one to show.
  s.newest = list.find(unacked) ?? list.find((a) => marks(a) && a.active) ?? null;
  summary = s;
  byTag = keepUnchanged(byTag, tags);
  byLine = keepUnchanged(byLine, lines);
}

/** Reuses last round's array where nothing changed, so a tag's mark re-renders only for its own alarms. */
function keepUnchanged(prev: Map<string, AlarmView[]>, next: Map<string, AlarmView[]>): Map<string, AlarmView[]> {
  for (const [key, list] of next) {
    const old = prev.get(key);
    if (old && old.length === list.length && old.every((a, i) => a === list[i])) next.set(key, old);
  }
  return next;
}

function notify(): void {
  if (notifyPending) return;
  notifyPending = true;
  const flush = () => {
    notifyPending = false;
    rebuild();
    for (const l of listeners) l();
  };
  if (typeof document !== 'undefined' && document.visibilityState === 'visible') requestAnimationFrame(flush);
  else setTimeout(flush, 100);
}

function merge(a: AlarmView): void {
  const known = alarms.get(a.id);
  if (!known || a.seq >= known.seq) alarms.set(a.id, a);
}

/** Live events older than this (a replay after a long reconnect) do not sound or buzz. */
const liveMaxAgeMs = 60_000;

function onStream(event: string, data: unknown): void {
  if (event === 'snapshot') {
    alarms.clear();
    for (const a of (data as Snapshot).alarms ?? []) alarms.set(a.id, a);
    ready = true;
    notify();
  } else if (event === 'alarm') {
    const { entry, alarm } = data as AlarmEventPayload;
    // Stream events arrive in order: the latest always wins (a seq from a failed write may repeat).
    alarms.set(alarm.id, alarm);
    notify();
    if (Date.now() - entry.ts < liveMaxAgeMs) for (const l of transitionListeners) l(entry, alarm);
  }
}

async function seed(): Promise<void> {
  try {
    // The page's own request, not the user's: it must not keep the session alive.
    const res = await fetch('/api/alarms', { cache: 'no-store', headers: { [backgroundHeader]: '1' } });
    if (!res.ok || ready) return;
    const body = (await res.json()) as { alarms: AlarmView[] };
    if (ready) return;
    for (const a of body.alarms) merge(a);
    ready = true;
    notify();
  } catch {
    // Offline: the stream's snapshot will bring them.
  }
}

function start(): void {
  if (started || typeof window === 'undefined') return;
  started = true;
  subscribeStream(onStream);
  void seed();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  start();
  return () => listeners.delete(listener);
}

/** Calls `listener` for each live transition (not for the snapshot). Returns the unsubscribe function. */
export function onAlarmTransition(listener: AlarmTransitionListener): () => void {
  transitionListeners.add(listener);
  start();
  return () => transitionListeners.delete(listener);
}

/** Applies an API answer right away (the stream brings the same change a moment later). */
export function applyAlarmViews(views: readonly AlarmView[]): void {
  for (const a of views) merge(a);
  notify();
}

const none: AlarmView[] = [];
const emptyOnServer = emptySummary();

/** Every alarm that is not normal, highest priority then newest first; null until known. */
export function useAlarms(): AlarmView[] | null {
  return useSyncExternalStore(
    subscribe,
    () => sorted,
    () => null,
  );
}

/** Counts for the banner: unacknowledged by priority, active, suppressed, and the one to show. */
export function useAlarmSummary(): AlarmSummary {
  return useSyncExternalStore(
    subscribe,
    () => summary,
    () => emptyOnServer,
  );
}

/**
 * Alarms of one tag that are active or unacknowledged (not shelved or out of service),
 * highest priority first — for marking the tag in alarm. Stable until they change.
 */
export function useTagAlarms(tag: string): AlarmView[] {
  return useSyncExternalStore(
    subscribe,
    () => byTag.get(tag) ?? none,
    () => none,
  );
}

/** The same for every tag (and connection) of a line. */
export function useLineAlarms(line: string): AlarmView[] {
  return useSyncExternalStore(
    subscribe,
    () => byLine.get(line) ?? none,
    () => none,
  );
}
