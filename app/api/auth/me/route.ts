import { principalOf } from '../../../../lib/auth/principal.ts';
import { json, route } from '../../../../lib/api/respond.ts';

export const dynamic = 'force-dynamic';

/** Who is signed in, and with which role (pages hide what the role may not do). */
export const GET = route({}, (req) => {
  const { username, role } = principalOf(req);
  return json({ username, role });
});
