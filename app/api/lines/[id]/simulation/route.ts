import { z } from 'zod';
import { json, parse, readJson, route } from '../../../../../lib/api/respond.ts';
import { actorOf } from '../../../../../lib/auth/principal.ts';
import { scenarios } from '../../../../../lib/plant/schema.ts';
import { getRuntime } from '../../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string }> };

const body = z.strictObject({ scenario: z.enum(scenarios).default('normal') });

/** Starts the line's simulated PLC(s): 202 with the processes (status `starting`), 409 if already up. */
export const POST = route(async (req, { params }: Context) => {
  const { id } = await params;
  const { scenario } = parse(body, await readJson(req));
  return json({ processes: getRuntime().startSimulation(id, scenario, actorOf(req)) }, { status: 202 });
});

/** Stops them (SIGTERM, then SIGKILL after the grace) and answers once they are reaped. */
export const DELETE = route(async (req, { params }: Context) => {
  const { id } = await params;
  return json({ processes: await getRuntime().stopSimulation(id, actorOf(req)) });
});
