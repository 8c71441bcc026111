import { clientIp, principalOf, sessionCookieHeader } from '../../../../lib/auth/principal.ts';
import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** Ends this session on the server (with this device's push subscription) and clears the cookie. */
export const POST = route({}, async (req) => {
  await getRuntime().auth.logout(principalOf(req), clientIp(req));
  return json({ ok: true }, { headers: { 'set-cookie': sessionCookieHeader(req, '', 0) } });
});
