import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { actorOf } from '../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ version: z.number().int().min(1), baseVersion: z.number().int().min(1) });

/** Applies an earlier version again, as a new version (409 as a PUT when `baseVersion` is stale). */
export const POST = route({ body }, async (req, { body: { version, baseVersion } }) =>
  json(await getRuntime().plantConfig.rollback(version, baseVersion, actorOf(req))),
);
