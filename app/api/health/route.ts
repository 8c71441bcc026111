import { json, route } from '../../../lib/api/respond.ts';
import { maybePrincipal } from '../../../lib/auth/principal.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

/** Public for load balancers and monitors: the status alone; the details to signed-in users. */
export const GET = route({}, (req) => {
  const health = getRuntime().health();
  return json(maybePrincipal(req.headers) ? health : { status: health.status });
});
