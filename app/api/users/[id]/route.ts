import { z } from 'zod';
import { clientIp, principalOf } from '../../../../lib/auth/principal.ts';
import { password, roleSchema } from '../../../../lib/auth/fields.ts';
import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const params = z.strictObject({ id: z.coerce.number().int().positive() });
const body = z
  .strictObject({ role: roleSchema.optional(), disabled: z.boolean().optional(), kiosk: z.boolean().optional(), password: password.optional() })
  .refine((b) => Object.keys(b).length > 0, 'names nothing to change');

/** Sets a user's role, disables/enables it, marks it kiosk, or resets its password. */
export const PATCH = route({ params, body }, async (req, { params: { id }, body: changes }) =>
  json({ user: await getRuntime().auth.updateUser(principalOf(req), clientIp(req), id, changes) }),
);
