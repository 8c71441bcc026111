/** Request fields of the push routes (app/api/push/**), validated strictly: a subscription is untrusted input. */
import { z } from 'zod';
import { alarmPriorities } from '../alarms/alarm-types.ts';

/** base64url without padding that decodes to exactly `bytes` bytes (and, for a P-256 point, starts with 0x04). */
const key = (bytes: number, what: string) =>
  z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url (no padding)')
    .refine((v) => {
      const raw = Buffer.from(v, 'base64url');
      return raw.length === bytes && (bytes !== 65 || raw[0] === 0x04);
    }, `must decode to ${what}`);

const isUrl = (v: string) => {
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
};

/** The push service URL; which schemes and hosts are allowed is the server's decision (config). */
export const endpoint = z.string().min(1, 'is required').max(2048).refine(isUrl, 'must be an absolute URL');

export const lineId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be a line id');

export const preferences = z.strictObject({
  /** null or absent = every line. */
  lines: z.array(lineId).max(200).nullable().default(null),
  minPriority: z.enum(alarmPriorities).default('high'),
});

/** `PushSubscription.toJSON()` as browsers send it. */
export const subscription = z.strictObject({
  endpoint,
  expirationTime: z.number().nullable().optional(),
  keys: z.strictObject({
    p256dh: key(65, 'an uncompressed P-256 public key (65 bytes)'),
    auth: key(16, 'a 16-byte auth secret'),
  }),
});
