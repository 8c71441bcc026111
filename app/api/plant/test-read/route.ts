import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';

export const dynamic = 'force-dynamic';

// `connection` is checked by the plant file's rules (problems by path below `connection`).
const body = z.strictObject({
  line: z.string().min(1).max(40),
  connection: z.unknown().refine((c) => c !== undefined, 'is required'),
});

/** Reads a connection's tags once with the settings given: raw registers and decoded values, or the error. Nothing is saved. */
export const POST = route({ body, maxBodyBytes: 1024 * 1024 }, async (_req, { body: { line, connection } }) =>
  json(await getRuntime().plantConfig.testRead(line, connection)),
);
