import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { actorOf } from '../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';
import { alarmId, comment } from '../../../../lib/alarms/alarm-fields.ts';

export const dynamic = 'force-dynamic';

const body = z.strictObject({ ids: z.array(alarmId).min(1).max(500), comment });

/**
 * Acknowledges one or many alarms with an optional comment. With several ids, those that no
 * longer need it are reported in `skipped`; 409 when none did, 404 naming `ids[i]` for an unknown id.
 */
export const POST = route({ body }, async (req, { body: { ids, comment } }) =>
  json(await getRuntime().alarms.acknowledge(ids, comment || undefined, actorOf(req))),
);
