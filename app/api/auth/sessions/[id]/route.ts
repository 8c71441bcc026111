import { z } from 'zod';
import { clientIp, principalOf } from '../../../../../lib/auth/principal.ts';
import { json, route } from '../../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const params = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a session id') });

/** Ends one of the caller's own sessions (e.g. a lost tablet), with that device's push subscription. */
export const DELETE = route({ params }, async (req, { params: { id } }) => {
  await getRuntime().auth.endSession(principalOf(req), id, clientIp(req));
  return json({ ok: true });
});
