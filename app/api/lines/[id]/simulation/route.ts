import { z } from 'zod';
import { json, route } from '../../../../../lib/api/respond.ts';
import { actorOf } from '../../../../../lib/auth/principal.ts';
import { scenarios } from '../../../../../lib/plant/schema.ts';
import { getRuntime } from '../../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const params = z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be a line id') });
const body = z.strictObject({ scenario: z.enum(scenarios).default('normal') });

/** Starts the line's simulated PLC(s): 202 with the processes (status `starting`), 409 if already up. */
export const POST = route({ params, body }, async (req, { params: { id }, body: { scenario } }) =>
  json({ processes: await getRuntime().startSimulation(id, scenario, actorOf(req)) }, { status: 202 }),
);

/** Stops them (SIGTERM, then SIGKILL after the grace) and answers once they are reaped. */
export const DELETE = route({ params }, async (req, { params: { id } }) => json({ processes: await getRuntime().stopSimulation(id, actorOf(req)) }));
