import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { actorOf } from '../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';
import { alarmId, reason } from '../../../../lib/alarms/alarm-fields.ts';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ id: alarmId, reason });

/** Takes an alarm out of service (maintenance, a failed instrument) until returned: admins only. */
export const POST = route({ body }, async (req, { body: { id, reason } }) =>
  json({ alarm: await getRuntime().alarms.removeFromService(id, reason, actorOf(req)) }),
);
