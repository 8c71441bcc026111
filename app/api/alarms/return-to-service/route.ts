import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { actorOf } from '../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';
import { alarmId, comment } from '../../../../lib/alarms/alarm-fields.ts';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ id: alarmId, comment });

/** Returns an out-of-service alarm to service; annunciated again when its condition is active. */
export const POST = route({ body }, async (req, { body: { id, comment } }) =>
  json({ alarm: await getRuntime().alarms.returnToService(id, comment || undefined, actorOf(req)) }),
);
