import { z } from 'zod';
import { json, route } from '../../../lib/api/respond.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const query = z.strictObject({
  line: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be a line id')
    .optional(),
  /** `1`: every configured alarm, quiet ones too. */
  all: z.enum(['0', '1']).optional(),
});

/** Alarms that are not quiet (active, unacknowledged, shelved, out of service), highest priority first, then newest. */
export const GET = route({ query }, (_req, { query: q }) => json({ alarms: getRuntime().alarms.list({ line: q.line, all: q.all === '1' }) }));
