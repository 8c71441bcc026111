import { z } from 'zod';
import { json, parse, route } from '../../../../lib/api/respond.ts';
import { actorOf } from '../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };
const params = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** One job. */
export const GET = route(async (_req, ctx: Context) => {
  const { id } = parse(params, await ctx.params, 'params');
  return json({ job: getRuntime().jobs.get(id) });
});

/** Cancels a queued or running job (its process is stopped); answers once it is over. 409 when it already ended. */
export const DELETE = route(async (req, ctx: Context) => {
  const { id } = parse(params, await ctx.params, 'params');
  return json({ job: await getRuntime().jobs.cancel(id, actorOf(req)) });
});
