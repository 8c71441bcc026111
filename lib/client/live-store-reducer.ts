import type { AlarmEventPayload, AlarmView } from '../alarms/alarm-types.ts';
import { compareIds } from '../compare-ids.ts';
import { decodeSampleEvent, type WireSampleEvent } from '../stream/sample-wire.ts';
import type { EventPayloads, LineStatus, ProcessInfo, Sample, Snapshot } from '../types.ts';
import { appendTrend, newTrend, type Trend } from './live-trend.ts';

/**
 * The live store's state and how each stream message changes it: a pure function, with no
 * timers, connection or storage (lib/client/live-store.ts is the shell around it).
 *
 * States are immutable. A message returns a new state that shares whatever it did not change,
 * and every entry that changed (a sample, a line, a process) is a new object, so a
 * `useSyncExternalStore` selector sees a change exactly when its own entry changed. Samples
 * are kept per line so that a batch, which belongs to one line, copies only that line's map.
 */

/** Live points kept per trend (default of `reduceLive`'s `windowMs`). */
export const trendWindowMs = 10 * 60_000;

export interface LiveState {
  /**
   * Where the state comes from: `none` yet, `stored` (the last known state from IndexedDB,
   * before this tab's first snapshot) or `live` (a snapshot from the stream arrived).
   */
  readonly source: 'none' | 'stored' | 'live';
  /** With source `stored`: local epoch ms of the newest stream message the stored state includes. */
  readonly storedDataAt: number | null;
  readonly lines: ReadonlyMap<string, LineStatus>;
  /** Samples by line, then by tag (see `sampleOf`). */
  readonly values: ReadonlyMap<string, ReadonlyMap<string, Sample>>;
  /** Newest good sample time per line (server clock): how fresh the line's data is. */
  readonly lastGoodAt: ReadonlyMap<string, number>;
  readonly processes: ReadonlyMap<string, ProcessInfo>;
  /** The processes sorted by id, null until the first snapshot; readers must not change it. */
  readonly processList: ProcessInfo[] | null;
  /** Alarms that are not normal, for the last known state (lib/client/alarm-store.ts shows them). */
  readonly alarms: ReadonlyMap<string, AlarmView>;
  /** Live points of the tags asked for with a `track` message. */
  readonly trends: ReadonlyMap<string, Trend>;
}

/** A stream message, decoded (see `parseStreamEvent`), or one of the store's own changes. */
export type LiveMessage =
  | { type: 'snapshot'; snapshot: Snapshot }
  /** The last known state read from IndexedDB; ignored once the stream's snapshot arrived. */
  | { type: 'last-known'; snapshot: Snapshot; dataAt: number }
  | { type: 'sample'; batch: EventPayloads['sample'] }
  | { type: 'line'; status: LineStatus }
  | { type: 'process'; info: ProcessInfo }
  | { type: 'alarm'; alarm: AlarmView }
  | { type: 'heartbeat'; ts: number }
  /** Start recording live points of `tag` (idempotent). */
  | { type: 'track'; tag: string };

export const emptyLiveState: LiveState = {
  source: 'none',
  storedDataAt: null,
  lines: new Map(),
  values: new Map(),
  lastGoodAt: new Map(),
  processes: new Map(),
  processList: null,
  alarms: new Map(),
  trends: new Map(),
};

/**
 * The message of a stream event (its JSON already parsed), or null for events this store
 * does not keep (`job`, unknown names). The payload is trusted: it comes from our server.
 */
export function parseStreamEvent(event: string, data: unknown): LiveMessage | null {
  switch (event) {
    case 'snapshot':
      return { type: 'snapshot', snapshot: data as Snapshot };
    case 'sample':
      return { type: 'sample', batch: decodeSampleEvent(data as WireSampleEvent) };
    case 'line':
      return { type: 'line', status: data as LineStatus };
    case 'process':
      return { type: 'process', info: data as ProcessInfo };
    case 'alarm':
      return { type: 'alarm', alarm: (data as AlarmEventPayload).alarm };
    case 'heartbeat':
      return { type: 'heartbeat', ts: (data as { ts: number }).ts };
    default:
      return null;
  }
}

/** The state after `message`; `state` itself when nothing changed. `windowMs`: how far back trends reach. */
export function reduceLive(state: LiveState, message: LiveMessage, windowMs: number = trendWindowMs): LiveState {
  switch (message.type) {
    case 'snapshot':
      return applySnapshot(state, message.snapshot, 'live', null, windowMs);
    case 'last-known':
      // The stream got here first: what it sent is newer.
      if (state.source === 'live') return state;
      return applySnapshot(state, message.snapshot, 'stored', message.dataAt, windowMs);
    case 'sample': {
      const { batch } = message;
      const line = state.lines.get(batch.line);
      let newest = -Infinity;
      for (const s of batch.samples) if (s.ts > newest) newest = s.ts;
      const lines = line && newest > (line.lastSampleAt ?? 0) ? withEntry(state.lines, batch.line, { ...line, lastSampleAt: newest }) : state.lines;
      return { ...state, ...applySamples(state.values, state.lastGoodAt, state.trends, batch.samples, windowMs), lines };
    }
    case 'line':
      return { ...state, lines: withEntry(state.lines, message.status.id, message.status) };
    case 'process': {
      const processes = withEntry(state.processes, message.info.id, message.info);
      return { ...state, processes, processList: sortProcesses(processes) };
    }
    case 'alarm': {
      const { alarm } = message;
      if (alarm.state !== 'normal') return { ...state, alarms: withEntry(state.alarms, alarm.id, alarm) };
      if (!state.alarms.has(alarm.id)) return state;
      const alarms = new Map(state.alarms);
      alarms.delete(alarm.id);
      return { ...state, alarms };
    }
    case 'heartbeat':
      return state;
    case 'track':
      if (state.trends.has(message.tag)) return state;
      return { ...state, trends: withEntry(state.trends, message.tag, newTrend()) };
  }
}

/** The sample of `tag`, or undefined. */
export function sampleOf(state: LiveState, tag: string): Sample | undefined {
  return state.values.get(lineOf(tag))?.get(tag);
}

/** The state as a snapshot, for the last known state in IndexedDB. */
export function snapshotOf(state: LiveState): Snapshot {
  const values: Sample[] = [];
  for (const line of state.values.values()) for (const s of line.values()) values.push(s);
  return { id: '0-0', lines: [...state.lines.values()], values, processes: [...state.processes.values()], alarms: [...state.alarms.values()] };
}

/** The line of a tag id (`line.tag`). */
export function lineOf(tag: string): string {
  const dot = tag.indexOf('.');
  return dot < 0 ? tag : tag.slice(0, dot);
}

/** A snapshot replaces everything but the trends, which take its values as points. */
function applySnapshot(state: LiveState, snap: Snapshot, source: 'live' | 'stored', storedDataAt: number | null, windowMs: number): LiveState {
  const processes = new Map(snap.processes.map((p) => [p.id, p]));
  return {
    ...applySamples(new Map(), new Map(), state.trends, snap.values, windowMs),
    source,
    storedDataAt,
    lines: new Map(snap.lines.map((l) => [l.id, l])),
    processes,
    processList: sortProcesses(processes),
    // A last known state written by an older version may have no alarms.
    alarms: new Map((snap.alarms ?? []).map((a) => [a.id, a])),
  };
}

/** Each map touched is copied once per call, however many samples it takes. */
function applySamples(
  values: LiveState['values'],
  lastGoodAt: LiveState['lastGoodAt'],
  trends: LiveState['trends'],
  samples: readonly Sample[],
  windowMs: number,
): Pick<LiveState, 'values' | 'lastGoodAt' | 'trends'> {
  const lineDrafts = new Map<string, Map<string, Sample>>();
  let goodDraft: Map<string, number> | null = null;
  let trendDraft: Map<string, Trend> | null = null;
  for (const s of samples) {
    const line = lineOf(s.tag);
    let draft = lineDrafts.get(line);
    if (!draft) lineDrafts.set(line, (draft = new Map(values.get(line))));
    draft.set(s.tag, s);
    if (s.quality === 'good' && s.ts > ((goodDraft ?? lastGoodAt).get(line) ?? 0)) (goodDraft ??= new Map(lastGoodAt)).set(line, s.ts);
    const trend = (trendDraft ?? trends).get(s.tag);
    if (trend) {
      const next = appendTrend(trend, { ts: s.ts, value: s.value, quality: s.quality }, windowMs);
      if (next !== trend) (trendDraft ??= new Map(trends)).set(s.tag, next);
    }
  }
  let nextValues = values;
  if (lineDrafts.size > 0) {
    const copy = new Map(values);
    for (const [line, draft] of lineDrafts) copy.set(line, draft);
    nextValues = copy;
  }
  return { values: nextValues, lastGoodAt: goodDraft ?? lastGoodAt, trends: trendDraft ?? trends };
}

function withEntry<V>(map: ReadonlyMap<string, V>, key: string, value: V): Map<string, V> {
  return new Map(map).set(key, value);
}

function sortProcesses(processes: ReadonlyMap<string, ProcessInfo>): ProcessInfo[] {
  return [...processes.values()].sort((a, b) => compareIds(a.id, b.id));
}
