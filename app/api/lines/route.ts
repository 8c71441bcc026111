import { json, route } from '../../../lib/api/respond.ts';
import { getRuntime } from '../../../lib/runtime-access.ts';
import { describeLines } from '../../../lib/plant/describe.ts';

export const dynamic = 'force-dynamic';

/** Every line with its state, its tags (definition and current value) and key tags. */
export const GET = route({}, () => {
  const runtime = getRuntime();
  return json({ lines: describeLines(runtime.plant, runtime.lines(), runtime.values()) });
});
