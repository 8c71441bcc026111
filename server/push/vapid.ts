import webpush from 'web-push';
import type { PushRepository, VapidKeys } from '../storage/store.ts';

/**
 * The server's VAPID identity (RFC 8292). Keys given in the configuration win; else the pair
 * kept in the database; else a new pair is made and kept, so subscriptions survive restarts.
 */
export function resolveVapidKeys(
  repo: Pick<PushRepository, 'vapidKeys' | 'saveVapidKeys'>,
  configured: { publicKey?: string; privateKey?: string },
  log: (message: string) => void,
  now = Date.now(),
): VapidKeys {
  const stored = repo.vapidKeys();
  if (configured.publicKey && configured.privateKey) {
    if (stored && stored.publicKey !== configured.publicKey) {
      // Browsers subscribed with the stored key; the push services will refuse our new signature (403).
      log('push: the configured VAPID key differs from the stored one; devices subscribed before must subscribe again');
    }
    return { publicKey: configured.publicKey, privateKey: configured.privateKey, createdAt: stored?.createdAt ?? now };
  }
  if (stored) return stored;
  const made = webpush.generateVAPIDKeys();
  const keys: VapidKeys = { publicKey: made.publicKey, privateKey: made.privateKey, createdAt: now };
  repo.saveVapidKeys(keys);
  log('push: generated a VAPID key pair and kept it in the database');
  return keys;
}
