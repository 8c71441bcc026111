/**
 * What a push message carries, shared by the sender (server/push), the service worker and
 * the page (lib/client/push-notification.ts). Plain JSON, encrypted per device (RFC 8291)
 * and kept well under the 4 KB a push service accepts.
 */
import type { AlarmPriority, AlarmStateName } from '../alarms/alarm-types.ts';

/** One alarm that newly needs attention. */
export interface AlarmPush {
  v: 1;
  kind: 'alarm';
  /** Alarm id (`extrusion.zone3-temp.hi`). */
  id: string;
  line: string;
  lineName: string;
  /** Tag id, null for a communication-loss alarm. */
  tag: string | null;
  label: string;
  message: string;
  priority: AlarmPriority;
  state: AlarmStateName;
  value: number | null;
  unit: string;
  decimals: number;
  /** Epoch ms of the transition. */
  ts: number;
  /** Journal seq: a newer push of the same alarm has a larger one. */
  seq: number;
  /** Whether the device's user may acknowledge (operator or admin): offers the Acknowledge action. */
  canAck: boolean;
  /** Where Open (and a tap on the body) goes. */
  url: string;
}

/** Flood control: many alarms on one line within a short time, as one notification. */
export interface FloodSummaryPush {
  v: 1;
  kind: 'summary';
  line: string;
  lineName: string;
  /** Alarms raised on the line in this flood so far (the ones already notified included). */
  count: number;
  /** Highest priority among them. */
  priority: AlarmPriority;
  /** The newest few, newest first. */
  newest: { id: string; message: string; priority: AlarmPriority }[];
  ts: number;
  url: string;
}

/** "Send test" from the settings page. */
export interface TestPush {
  v: 1;
  kind: 'test';
  ts: number;
  url: string;
}

export type PushPayload = AlarmPush | FloodSummaryPush | TestPush;

/** A device's subscription as the API shows it to its owner (no keys). */
export interface PushSubscriptionView {
  id: number;
  endpoint: string;
  /** Line ids, or null for every line. */
  lines: string[] | null;
  minPriority: AlarmPriority;
  userAgent: string;
  createdAt: number;
  updatedAt: number;
  lastSuccessAt: number | null;
  lastError: string | null;
  /** The sign-in session (its id, as in /api/auth/sessions) that subscribed: signing out there removes it. */
  session: string | null;
}

/** Outcome of one push request. */
export interface PushDelivery {
  /** The push service accepted it (2xx). */
  delivered: boolean;
  /** HTTP status from the push service; null when it could not be reached. */
  status: number | null;
  error: string | null;
}
