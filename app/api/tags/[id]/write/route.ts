import { z } from 'zod';
import { json, route } from '../../../../../lib/api/respond.ts';
import { actorOf, principalOf } from '../../../../../lib/auth/principal.ts';
import { getRuntime } from '../../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

const params = z.strictObject({ id: z.string().min(3).max(81) });
const body = z.strictObject({ value: z.union([z.number(), z.boolean()]), confirm: z.boolean().optional() });

/**
 * Writes a setpoint or a command to its PLC: 200 `{ outcome: 'confirmed' | 'not-confirmed',
 * readBack, message, … }` once read back; refused with the reason (400 limits or confirmation,
 * 403 role, 409 quality or connection, 429 written less than its interval ago).
 */
export const POST = route({ params, body }, async (req, { params: { id }, body: input }) =>
  json(await getRuntime().writeTag(id, input, { ...actorOf(req), role: principalOf(req).role })),
);
