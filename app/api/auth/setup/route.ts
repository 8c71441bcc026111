import { z } from 'zod';
import { clientIp } from '../../../../lib/auth/principal.ts';
import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';
import { password, username } from '../../../../lib/auth/fields.ts';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ token: z.string().min(1).max(200), username, password });

/** First run only: creates the first admin with the one-time token the server printed. */
export const POST = route({ body }, async (req, { body: b }) => {
  const user = await getRuntime().auth.completeSetup(b.token, b.username, b.password, clientIp(req));
  return json({ user }, { status: 201 });
});
