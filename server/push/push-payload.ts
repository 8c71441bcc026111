import { createHash } from 'node:crypto';
import type { AlarmEventPayload, AlarmPriority } from '../../lib/alarms/alarm-types.ts';
import type { AlarmPush, FloodSummaryPush, PushPayload, TestPush } from '../../lib/push/push-types.ts';

/**
 * Pure helpers of the push sender: the payload of each kind of message, how long the push
 * service keeps it and how urgently it delivers it, and the topic that collapses repeats.
 */

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

/**
 * TTL (how long a push service holds a message for an unreachable device) and Urgency
 * (RFC 8030 §5.3: whether a phone on battery saving wakes for it) by priority. A critical
 * alarm is worth a wake-up and still matters at the end of a shift; a low one does not.
 */
export const deliveryByPriority: Record<AlarmPriority, { ttlS: number; urgency: Urgency }> = {
  critical: { ttlS: 12 * 3600, urgency: 'high' },
  high: { ttlS: 4 * 3600, urgency: 'high' },
  medium: { ttlS: 3600, urgency: 'normal' },
  low: { ttlS: 15 * 60, urgency: 'low' },
};

/**
 * Largest payload we send, bytes of JSON. A push service takes 4096 bytes of body; aes128gcm
 * adds an 86-byte header, a 16-byte tag and a padding delimiter, so ~3990 bytes of plaintext
 * fit. We stay well below and shorten the free text first.
 */
export const maxPayloadBytes = 3000;

/**
 * RFC 8030 Topic: a push service keeps only the newest undelivered message per topic, so a
 * device that was offline gets one notification per alarm, not every repeat. At most 32
 * characters of the base64url alphabet: a hash of the key.
 */
export function topicOf(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 32);
}

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** Shortens free text until the JSON fits `maxPayloadBytes` (ids and numbers are bounded already). */
function fit<T extends PushPayload>(payload: T, shorten: (p: T, max: number) => T): T {
  let out = payload;
  for (const max of [400, 160, 60]) {
    if (Buffer.byteLength(JSON.stringify(out)) <= maxPayloadBytes) return out;
    out = shorten(payload, max);
  }
  return out;
}

export function alarmPayload(event: AlarmEventPayload, lineName: string, canAck: boolean): AlarmPush {
  const { alarm, entry } = event;
  return fit(
    {
      v: 1,
      kind: 'alarm',
      id: alarm.id,
      line: alarm.line,
      lineName: clip(lineName, 80),
      tag: alarm.tag,
      label: clip(alarm.label, 160),
      message: clip(entry.message || alarm.message, 400),
      priority: alarm.priority,
      state: alarm.state,
      value: entry.value ?? alarm.value,
      unit: clip(alarm.unit, 20),
      decimals: alarm.decimals,
      ts: entry.ts,
      seq: entry.seq,
      canAck,
      url: `/alarms?focus=${encodeURIComponent(alarm.id)}`,
    },
    (p, max) => ({ ...p, label: clip(p.label, max), message: clip(p.message, max) }),
  );
}

export function summaryPayload(
  line: string,
  lineName: string,
  count: number,
  priority: AlarmPriority,
  newest: FloodSummaryPush['newest'],
  ts: number,
): FloodSummaryPush {
  return fit(
    {
      v: 1,
      kind: 'summary',
      line,
      lineName: clip(lineName, 80),
      count,
      priority,
      newest: newest.slice(0, 5).map((a) => ({ ...a, message: clip(a.message, 200) })),
      ts,
      url: `/alarms?line=${encodeURIComponent(line)}`,
    },
    (p, max) => ({ ...p, newest: p.newest.map((a) => ({ ...a, message: clip(a.message, max) })) }),
  );
}

export function testPayload(ts: number): TestPush {
  return { v: 1, kind: 'test', ts, url: '/settings' };
}
