import type { AlarmJournalEntry, AlarmKind, AlarmPriority, AlarmStateName, AlarmTransition } from '../../../lib/alarms/alarm-types.ts';
import type { Quality } from '../../../lib/types.ts';
import type { AlarmActivationRow, StoredAlarmState } from '../store.ts';
import { flag } from './values.ts';

/** A row of `alarms`. */
export type AlarmStateRow = {
  id: string;
  active: boolean | number;
  acked: boolean | number;
  value: number | null;
  quality: Quality | null;
  active_since: number | null;
  last_change: number | null;
  ack_by: string | null;
  ack_at: number | null;
  ack_comment: string | null;
  shelved_by: string | null;
  shelved_at: number | null;
  shelved_until: number | null;
  shelved_reason: string | null;
  oos_by: string | null;
  oos_at: number | null;
  oos_reason: string | null;
  seq: number;
};

/** A row of `alarm_events`. */
export type AlarmEventRow = {
  seq: number;
  ts: number;
  alarm_id: string;
  line: string;
  tag: string | null;
  kind: AlarmKind;
  label: string;
  message: string;
  priority: AlarmPriority;
  transition: AlarmTransition;
  state: AlarmStateName;
  value: number | null;
  limit_value: number | null;
  username: string | null;
  comment: string | null;
  suppressed: boolean | number;
};

/** The columns of `alarm_events` an activation reads. */
export type AlarmActivationDbRow = Pick<AlarmEventRow, 'ts' | 'alarm_id' | 'message' | 'line' | 'priority' | 'suppressed'>;

export const toAlarmState = (r: AlarmStateRow): StoredAlarmState => ({
  id: r.id,
  active: flag(r.active),
  acked: flag(r.acked),
  value: r.value,
  quality: r.quality,
  activeSince: r.active_since,
  lastChange: r.last_change,
  ack: r.ack_by !== null && r.ack_at !== null ? { by: r.ack_by, at: r.ack_at, comment: r.ack_comment } : null,
  shelved:
    r.shelved_by !== null && r.shelved_at !== null && r.shelved_until !== null
      ? { by: r.shelved_by, at: r.shelved_at, until: r.shelved_until, reason: r.shelved_reason ?? '' }
      : null,
  outOfService: r.oos_by !== null && r.oos_at !== null ? { by: r.oos_by, at: r.oos_at, reason: r.oos_reason ?? '' } : null,
  seq: r.seq,
});

export const toJournalEntry = (r: AlarmEventRow): AlarmJournalEntry => ({
  seq: r.seq,
  ts: r.ts,
  alarm: r.alarm_id,
  line: r.line,
  tag: r.tag,
  kind: r.kind,
  label: r.label,
  message: r.message,
  priority: r.priority,
  transition: r.transition,
  state: r.state,
  value: r.value,
  limit: r.limit_value,
  user: r.username,
  comment: r.comment,
  suppressed: flag(r.suppressed),
});

export const toActivation = (r: AlarmActivationDbRow): AlarmActivationRow => ({
  ts: r.ts,
  alarm: r.alarm_id,
  message: r.message,
  line: r.line,
  priority: r.priority,
  suppressed: flag(r.suppressed),
});
