/**
 * Shared vocabulary of alarms (ISA-18.2 / IEC 62682): what the engine publishes, the API
 * answers and the pages show. Plain data only, so it crosses the wire as JSON.
 */
import { compareIds } from '../compare-ids.ts';
import type { Quality } from '../types.ts';

/** Highest first. ISA-18.2 suggests roughly 5 % critical, 15 % high, 80 % medium+low. */
export const alarmPriorities = ['critical', 'high', 'medium', 'low'] as const;
export type AlarmPriority = (typeof alarmPriorities)[number];

/**
 * `hihi`/`hi`/`lo`/`lolo`: limit alarms of an analog tag; `discrete`: a bool tag in its alarm
 * state; `comm`: a PLC connection with no good tag (communication loss).
 */
export const alarmKinds = ['hihi', 'hi', 'lo', 'lolo', 'discrete', 'comm'] as const;
export type AlarmKind = (typeof alarmKinds)[number];

/**
 * ISA-18.2 alarm states. The first four follow from the condition (active or not) and the
 * acknowledgement; `shelved` and `out-of-service` are suppressed states: still evaluated and
 * journaled, never annunciated.
 */
export const alarmStates = ['normal', 'unack-active', 'ack-active', 'rtn-unack', 'shelved', 'out-of-service'] as const;
export type AlarmStateName = (typeof alarmStates)[number];

/** What one journal entry records. `removed`: the alarm left the plant (a new plant version), ending whatever state it had. */
export const alarmTransitions = ['raised', 'cleared', 'acknowledged', 'shelved', 'unshelved', 'out-of-service', 'returned-to-service', 'removed'] as const;
export type AlarmTransition = (typeof alarmTransitions)[number];

export interface AlarmAck {
  by: string;
  at: number;
  comment: string | null;
}

export interface AlarmShelving {
  by: string;
  at: number;
  /** Epoch ms when the alarm unshelves itself. */
  until: number;
  reason: string;
}

export interface AlarmOutOfService {
  by: string;
  at: number;
  reason: string;
}

/** An alarm as the API and the pages show it: definition and current state. */
export interface AlarmView {
  /** `${tagId}.${kind}` (`extrusion.zone3-temp.hi`) or `${lineId}.${connectionId}.comm`. */
  id: string;
  line: string;
  /** Tag id; null for a communication-loss alarm. */
  tag: string | null;
  connection: string;
  kind: AlarmKind;
  /** Tag label, or the connection for `comm`. */
  label: string;
  message: string;
  priority: AlarmPriority;
  /** Limit of a limit alarm; null for discrete and comm alarms. */
  limit: number | null;
  deadband: number;
  unit: string;
  decimals: number;
  /** Longest shelving allowed, ms. */
  maxShelveMs: number;
  state: AlarmStateName;
  /** The alarm condition (after deadband and delays), also while shelved or out of service. */
  active: boolean;
  acknowledged: boolean;
  /** Latest value seen by the engine (for `comm`: 1 lost, 0 ok) and its quality. */
  value: number | null;
  quality: Quality | null;
  /** When the current (or last) activation was raised; null if never. */
  activeSince: number | null;
  /** Time of the last transition; null if never. */
  lastChange: number | null;
  ack: AlarmAck | null;
  shelved: AlarmShelving | null;
  outOfService: AlarmOutOfService | null;
  /** Journal sequence number of the last transition: larger is newer. */
  seq: number;
}

/** One row of the alarm journal: a transition with its context, never updated. */
export interface AlarmJournalEntry {
  /** Monotonic, assigned when written. */
  seq: number;
  ts: number;
  alarm: string;
  line: string;
  tag: string | null;
  kind: AlarmKind;
  label: string;
  message: string;
  priority: AlarmPriority;
  transition: AlarmTransition;
  /** State after the transition. */
  state: AlarmStateName;
  value: number | null;
  limit: number | null;
  /** Who did it; null for transitions of the process or the engine (expiry). */
  user: string | null;
  comment: string | null;
  /** Happened while shelved or out of service: journaled, not annunciated. */
  suppressed: boolean;
}

/** Payload of the hub's `alarm` event: the transition and the alarm after it. */
export interface AlarmEventPayload {
  /** For the stream's line filter. */
  line: string;
  entry: AlarmJournalEntry;
  alarm: AlarmView;
}

/** Whether a transition newly asks for the operator's attention (sound, push, banner). */
export function annunciates(entry: Pick<AlarmJournalEntry, 'transition' | 'state'>): boolean {
  return entry.state === 'unack-active' && (entry.transition === 'raised' || entry.transition === 'unshelved' || entry.transition === 'returned-to-service');
}

export interface AlarmKpis {
  from: number;
  to: number;
  /** Activations annunciated (raised while in service). */
  annunciated: number;
  /** Activations while shelved or out of service. */
  suppressed: number;
  /** Annunciated alarms per 10-minute period. EEMUA 191: ≤ 1 very likely acceptable, ≤ 2 manageable. */
  per10Min: { average: number; peak: number; peakAt: number | null };
  /** Annunciated alarms per 10-minute period from `from`, for a chart. */
  buckets: { start: number; count: number }[];
  /** Runs of 10-minute periods with more than 10 alarms (EEMUA 191 / ISA-18.2 flood). */
  floods: { start: number; end: number; count: number }[];
  /** Share of 10-minute periods in flood, %. ISA-18.2 target: < 1 %. */
  floodPercent: number;
  /** Alarms with ≥ 3 activations within one minute. */
  chattering: { alarm: string; message: string; line: string; activations: number; maxPerMinute: number }[];
  /** Alarms active for more than 24 h, now. */
  standing: { alarm: string; message: string; line: string; priority: AlarmPriority; activeSince: number; durationMs: number }[];
  /** Most frequent alarms of the period (EEMUA "bad actors"), at most 10. */
  top: { alarm: string; message: string; line: string; count: number; share: number }[];
  byPriority: Record<AlarmPriority, number>;
}

/** Ranks for sorting: critical first. */
export const priorityRank: Record<AlarmPriority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Highest priority first, then newest, then by id: the order of every alarm list. */
export function compareAlarms(a: AlarmView, b: AlarmView): number {
  const time = (x: AlarmView) => x.activeSince ?? x.lastChange ?? 0;
  return priorityRank[a.priority] - priorityRank[b.priority] || time(b) - time(a) || compareIds(a.id, b.id);
}
