import type { AlarmPriority } from '../../../lib/alarms/alarm-types.ts';
import type { PushRepository, PushSubscriptionRecord, VapidKeys } from '../store.ts';
import { json } from './values.ts';

/** A row of `push_subscriptions`. */
export type PushRow = {
  id: number;
  user_id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  /** JSON array of line ids; null = every line. */
  lines: string | string[] | null;
  min_priority: AlarmPriority;
  user_agent: string;
  created_at: number;
  updated_at: number;
  last_success_at: number | null;
  last_error: string | null;
  session_hash: string | null;
};

/** The row of `push_vapid`. */
export type VapidRow = { public_key: string; private_key: string; created_at: number };

export const toPushRecord = (r: PushRow): PushSubscriptionRecord => ({
  id: r.id,
  userId: r.user_id,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  lines: r.lines === null ? null : json<string[]>(r.lines),
  minPriority: r.min_priority,
  userAgent: r.user_agent,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastSuccessAt: r.last_success_at,
  lastError: r.last_error,
  session: r.session_hash,
});

export const toVapidKeys = (r: VapidRow): VapidKeys => ({ publicKey: r.public_key, privateKey: r.private_key, createdAt: r.created_at });

/**
 * What `upsert` writes, in the column order user_id, endpoint, p256dh, auth, lines,
 * min_priority, user_agent, session_hash. lines goes in as JSON text in both engines.
 */
export const toPushValues = (sub: Parameters<PushRepository['upsert']>[0]): [number, string, string, string, string | null, string, string, string | null] => [
  sub.userId,
  sub.endpoint,
  sub.p256dh,
  sub.auth,
  sub.lines === null ? null : JSON.stringify(sub.lines),
  sub.minPriority,
  sub.userAgent,
  sub.session,
];
