import { z } from 'zod';
import { json, route } from '../../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const params = z.strictObject({ version: z.coerce.number().int().min(1) });

/** One plant version with its plant (404 naming `version` when there is none). */
export const GET = route({ params }, async (_req, { params: { version } }) => json(await getRuntime().plantConfig.version(version)));
