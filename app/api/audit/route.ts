import { z } from 'zod';
import { isoTime } from '../../../lib/api/fields.ts';
import { json, route } from '../../../lib/api/respond.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const query = z.strictObject({
  user: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The audit log, newest first; `nextBefore` is the cursor of the next page. */
export const GET = route({ query }, async (_req, { query: q }) => {
  const entries = await getRuntime().auth.auditLog({ username: q.user, action: q.action, from: q.from, to: q.to, before: q.before, limit: q.limit });
  return json({ entries, nextBefore: entries.length === q.limit ? entries.at(-1)!.id : null });
});
