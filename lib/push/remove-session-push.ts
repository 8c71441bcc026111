import type { Principal } from '../../server/auth/auth-service.ts';
import { getRuntime } from '../runtime-access.ts';

/**
 * Removes the push subscriptions made in one of the caller's sign-in sessions, when that
 * session ends (sign-out, or ended from another device): whoever uses that device next (a
 * shared shift tablet, a lost phone) must not get this user's alarms. Each removal is audited.
 */
export function removeSessionPush(principal: Principal, session: string, ip: string): void {
  const { push } = getRuntime();
  for (const sub of push.list(principal.userId)) {
    if (sub.session === session) push.unsubscribe(principal.userId, sub.endpoint, { username: principal.username, ip });
  }
}
