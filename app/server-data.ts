import { describeLines, type LineView } from '../lib/plant/describe.ts';
import { getRuntime } from '../lib/runtime-access.ts';
import type { ProcessInfo } from '../lib/types.ts';

/**
 * What pages render on the server for their first paint, read straight from the runtime
 * (same process). Undefined while the runtime is not running (starting or stopping): the
 * page then loads it in the browser (SWR) like any later refresh.
 */
function withRuntime<T>(read: (runtime: ReturnType<typeof getRuntime>) => T): T | undefined {
  let runtime: ReturnType<typeof getRuntime>;
  try {
    runtime = getRuntime();
  } catch {
    return undefined;
  }
  return read(runtime);
}

export const currentLines = (): LineView[] | undefined =>
  withRuntime((r) => describeLines(r.plant, r.lines(), r.values()));

export const currentProcesses = (): ProcessInfo[] | undefined => withRuntime((r) => r.processes());
