import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import { getRuntime } from '../../lib/runtime-access.ts';

/**
 * What the alarm pages render on the server for their first paint, read from the runtime
 * (same process); undefined while it is not running (the browser then loads it).
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

export interface LineName {
  id: string;
  name: string;
}

export const currentAlarms = (): AlarmView[] | undefined => withRuntime((r) => r.alarms.list());

export const lineNames = (): LineName[] => withRuntime((r) => r.plant.lines.map((l) => ({ id: l.id, name: l.name }))) ?? [];
