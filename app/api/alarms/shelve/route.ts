import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { actorOf } from '../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';
import { alarmId, reason } from '../../../../lib/alarms/alarm-fields.ts';

export const dynamic = 'force-dynamic';

/** At most a week here; each alarm's own maximum (plant file, default 8 h) is checked by the engine. */
const body = z.strictObject({
  id: alarmId,
  durationMin: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  reason,
});

/** Shelves an alarm for a while: still evaluated and journaled, not annunciated; unshelved automatically. */
export const POST = route({ body }, async (req, { body: { id, durationMin, reason } }) =>
  json({ alarm: await getRuntime().alarms.shelve(id, durationMin * 60_000, reason, actorOf(req)) }),
);
