import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { alarmPriorities, alarmTransitions } from '../../../../lib/alarms/alarm-types.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';
import { isoTime } from '../../../../lib/api/fields.ts';
import { alarmId } from '../../../../lib/alarms/alarm-fields.ts';

export const dynamic = 'force-dynamic';

const query = z.strictObject({
  line: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be a line id')
    .optional(),
  /** Part of a tag id or label, case-insensitive. */
  tag: z.string().trim().min(1).max(100).optional(),
  alarm: alarmId.optional(),
  priority: z.enum(alarmPriorities).optional(),
  transition: z.enum(alarmTransitions).optional(),
  user: z.string().min(1).max(64).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The alarm journal, newest first; `nextBefore` is the cursor of the next (older) page. */
export const GET = route({ query }, async (_req, { query }) => json(await getRuntime().alarms.journal(query)));
