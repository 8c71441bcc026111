import { z } from 'zod';
import { json, route } from '../../../../lib/api/respond.ts';
import { getRuntime } from '../../../../lib/runtime-access.ts';
import { isoTime } from '../../../../lib/api/fields.ts';

export const dynamic = 'force-dynamic';

const query = z.strictObject({ from: isoTime.optional(), to: isoTime.optional() });

/** Alarm KPIs (EEMUA 191 / ISA-18.2) of [from, to); defaults to the last 24 h. */
export const GET = route({ query }, async (_req, { query: q }) => {
  const to = q.to ?? Date.now();
  const from = q.from ?? to - 24 * 3600_000;
  return json({ kpis: await getRuntime().alarms.kpis(from, to) });
});
