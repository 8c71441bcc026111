import { z } from 'zod';
import { isoTime } from '../../../lib/api/fields.ts';
import { json, route } from '../../../lib/api/respond.ts';
import { actorOf } from '../../../lib/auth/principal.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const body = z.strictObject({
  kind: z.literal('csv-export').default('csv-export'),
  tags: z.array(z.string().min(1).max(81)).min(1).max(50),
  from: isoTime,
  to: isoTime,
});

/** Running, queued and recent jobs, newest first. */
export const GET = route({}, async () => json({ jobs: await getRuntime().jobs.list() }));

/** Starts a CSV export of raw samples of `tags` with from ≤ ts < to: 202 with the job (queued or running). */
export const POST = route({ body }, async (req, { body: { kind: _kind, ...params } }) =>
  json({ job: await getRuntime().jobs.startExport(params, actorOf(req)) }, { status: 202 }),
);
