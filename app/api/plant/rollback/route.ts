import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { actorOf } from '../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

// `baseVersion` (what the admin looked at) guards against rolling back over a version applied meanwhile; without it, the current one.
const body = z.strictObject({ version: z.number().int().min(1), baseVersion: z.number().int().min(1).optional() });

/** Applies an earlier version again, as a new version (409 as a PUT when `baseVersion` is stale). */
export const POST = route({ body }, async (req, { body: { version, baseVersion } }) => {
  const { plantConfig } = getRuntime();
  return json(await plantConfig.rollback(version, baseVersion ?? plantConfig.current().version, actorOf(req)));
});
