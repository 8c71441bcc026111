import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** Every plant version, newest first: who applied it, when, and why. */
export const GET = route({}, async () => json({ versions: await getRuntime().plantConfig.versions() }));
