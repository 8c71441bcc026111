import { describeLines, type LineView } from '../lib/plant/describe.ts';
import { withRuntime } from '../lib/runtime-access.ts';
import type { ProcessInfo } from '../lib/types.ts';

/** What pages render on the server for their first paint (see `withRuntime`). */
export const currentLines = (): LineView[] | undefined => withRuntime((r) => describeLines(r.plant, r.lines(), r.values()));

export const currentProcesses = (): ProcessInfo[] | undefined => withRuntime((r) => r.processes());
