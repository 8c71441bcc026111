import { z } from 'zod';
import { clientIp, principalOf } from '../../../../lib/auth/principal.ts';
import { password } from '../../../../lib/auth/fields.ts';
import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: password });

/** The signed-in user changes their own password; their other sessions end. */
export const POST = route({ body }, async (req, { body: b }) =>
  json(await getRuntime().auth.changePassword(principalOf(req), clientIp(req), b.currentPassword, b.newPassword)),
);
