import webpush from 'web-push';
import type { PushRepository, VapidKeys } from '../storage/store.ts';
import type { Logger } from '../log/logger.ts';

/**
 * The server's VAPID identity (RFC 8292). Keys given in the configuration win; else the pair
 * kept in the database; else a new pair is made and kept, so subscriptions survive restarts.
 */
export async function resolveVapidKeys(
  repo: Pick<PushRepository, 'vapidKeys' | 'keepVapidKeys'>,
  configured: { publicKey?: string; privateKey?: string },
  log: Logger,
  now = Date.now(),
): Promise<VapidKeys> {
  const stored = await repo.vapidKeys();
  if (configured.publicKey && configured.privateKey) {
    if (stored && stored.publicKey !== configured.publicKey) {
      // Browsers subscribed with the stored key; the push services will refuse our new signature (403).
      log.warn('the configured VAPID key differs from the stored one; devices subscribed before must subscribe again');
    }
    return { publicKey: configured.publicKey, privateKey: configured.privateKey, createdAt: stored?.createdAt ?? now };
  }
  if (stored) return stored;
  const made = webpush.generateVAPIDKeys();
  // Another process on this database may have made one meanwhile: the stored pair wins.
  const keys = await repo.keepVapidKeys({ publicKey: made.publicKey, privateKey: made.privateKey, createdAt: now });
  if (keys.publicKey === made.publicKey) log.info('generated a VAPID key pair and kept it in the database');
  return keys;
}

export interface VapidSigner {
  /** The `Authorization` header for a push to `endpoint` (`vapid t=<JWT>, k=<public key>`). */
  authorization(endpoint: string): string;
}

/**
 * Signs the VAPID header once per push service origin every 11 hours. Signing costs
 * milliseconds (ES256, plus web-push's key conversion) and a JWT may be reused until it
 * expires (at most 24 h, RFC 8292), so one per message would be wasted work on a flood.
 */
export function createVapidSigner(keys: Pick<VapidKeys, 'publicKey' | 'privateKey'>, subject: string, now: () => number = Date.now): VapidSigner {
  const signed = new Map<string, { value: string; renewAt: number }>();
  return {
    authorization(endpoint) {
      const audience = new URL(endpoint).origin;
      const at = now();
      const known = signed.get(audience);
      if (known && known.renewAt > at) return known.value;
      const exp = Math.floor(at / 1000) + 12 * 3600;
      const { Authorization } = webpush.getVapidHeaders(audience, subject, keys.publicKey, keys.privateKey, 'aes128gcm', exp);
      signed.set(audience, { value: Authorization, renewAt: at + 11 * 3600_000 });
      return Authorization;
    },
  };
}
