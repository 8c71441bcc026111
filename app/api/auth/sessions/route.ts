import { principalOf } from '../../../../lib/auth/principal.ts';
import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** The caller's open sessions (this one marked `current`). */
export const GET = route({}, async (req) => json({ sessions: await getRuntime().auth.sessionsOf(principalOf(req)) }));
