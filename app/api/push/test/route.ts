import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { principalOf } from '../../../../lib/auth/principal.ts';
import { endpoint } from '../../../../lib/push/push-fields.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** Sends a test notification to one of the caller's devices now; answers with the push service's verdict. */
export const POST = route({ body: z.strictObject({ endpoint }) }, async (req, { body }) =>
  json(await getRuntime().push.test(principalOf(req).userId, body.endpoint)),
);
