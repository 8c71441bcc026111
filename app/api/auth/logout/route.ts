import { clientIp, principalOf, sessionCookieHeader } from '../../../../lib/auth/principal.ts';
import { json, route } from '../../../../lib/api/respond.ts';
import { removeSessionPush } from '../../../../lib/push/remove-session-push.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** Ends this session on the server (with this device's push subscription) and clears the cookie. */
export const POST = route({}, (req) => {
  const principal = principalOf(req);
  getRuntime().auth.logout(principal, clientIp(req));
  removeSessionPush(principal, principal.session, clientIp(req));
  return json({ ok: true }, { headers: { 'set-cookie': sessionCookieHeader(req, '', 0) } });
});
