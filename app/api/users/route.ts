import { z } from 'zod';
import { clientIp, principalOf } from '../../../lib/auth/principal.ts';
import { password, roleSchema, username } from '../../../lib/auth/fields.ts';
import { json, route } from '../../../lib/api/respond.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

export const GET = route({}, async () => json({ users: await getRuntime().auth.users() }));

const body = z.strictObject({ username, password, role: roleSchema, kiosk: z.boolean().default(false) });

export const POST = route({ body }, async (req, { body: input }) =>
  json({ user: await getRuntime().auth.createUser(principalOf(req), clientIp(req), input) }, { status: 201 }),
);
