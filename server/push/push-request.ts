import webpush from 'web-push';
import type { PushPayload } from '../../lib/push/push-types.ts';
import type { PushSubscriptionRecord } from '../storage/store.ts';
import type { Urgency } from './push-payload.ts';

export interface PushMessage {
  sub: Pick<PushSubscriptionRecord, 'endpoint' | 'p256dh' | 'auth'>;
  payload: PushPayload;
  /** How long the push service keeps it for an unreachable device, s. */
  ttlS: number;
  urgency: Urgency;
  /** RFC 8030 Topic: a newer message of the same topic replaces this one while undelivered. */
  topic?: string;
}

export interface PushRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | undefined;
}

/**
 * The HTTP request for one push: the payload encrypted for the device (RFC 8291, by web-push),
 * TTL, Urgency and Topic (RFC 8030), and the VAPID `authorization` (RFC 8292) signed by the
 * caller. Throws when the subscription's keys cannot be used.
 */
export function pushRequest(message: PushMessage, authorization: string): PushRequest {
  // Without vapidDetails web-push only encrypts; the signed header is ours (signed once per origin).
  const details = webpush.generateRequestDetails(
    { endpoint: message.sub.endpoint, keys: { p256dh: message.sub.p256dh, auth: message.sub.auth } },
    JSON.stringify(message.payload),
    { TTL: message.ttlS, urgency: message.urgency, ...(message.topic && { topic: message.topic }) },
  );
  const headers: Record<string, string> = { Authorization: authorization };
  // fetch computes Content-Length itself.
  for (const [name, value] of Object.entries(details.headers)) if (name.toLowerCase() !== 'content-length') headers[name] = String(value);
  return { url: details.endpoint, headers, body: details.body ? new Uint8Array(details.body) : undefined };
}
