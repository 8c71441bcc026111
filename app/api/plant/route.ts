import { z } from 'zod';
import { json, route } from '../../../lib/api/respond.ts';
import { actorOf } from '../../../lib/auth/principal.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** The current plant version, in the plant-file schema; `readOnly` when the file is the source of truth. */
export const GET = route({}, () => {
  const { plantConfig } = getRuntime();
  return json({ ...plantConfig.current(), readOnly: plantConfig.readOnly });
});

// `plant` is checked by the plant file's own rules (every problem by path), not here.
const body = z.strictObject({
  baseVersion: z.number().int().min(1),
  plant: z.unknown().refine((p) => p !== undefined, 'is required'),
  comment: z.string().max(200).optional(),
});

/**
 * Applies a plant as the next version, live: 200 `{ version, changes }`; 400 with `problems`
 * (each by path); 409 with `current` when `baseVersion` is not the current version.
 */
export const PUT = route({ body, maxBodyBytes: 8 * 1024 * 1024 }, async (req, { body: { baseVersion, plant, comment } }) =>
  json(await getRuntime().plantConfig.apply(plant, baseVersion, actorOf(req), comment)),
);
