import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { actorOf, principalOf } from '../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const params = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** One job. */
export const GET = route({ params }, async (_req, { params: { id } }) => json({ job: await getRuntime().jobs.get(id) }));

/** Cancels a queued or running job (its process is stopped); answers once it is over. 409 when it already ended, 403 for another user's job unless an admin asks. */
export const DELETE = route({ params }, async (req, { params: { id } }) =>
  json({ job: await getRuntime().jobs.cancel(id, { ...actorOf(req), role: principalOf(req).role }) }),
);
