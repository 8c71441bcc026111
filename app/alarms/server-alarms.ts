import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import { withRuntime } from '../../lib/runtime-access.ts';

export interface LineName {
  id: string;
  name: string;
}

/**
 * What the alarm pages render on the server for their first paint, read from the runtime
 * (same process); undefined while it is not running (the browser then loads it).
 */
export const currentAlarms = (): AlarmView[] | undefined => withRuntime((r) => r.alarms.list());

export const lineNames = (): LineName[] => withRuntime((r) => r.plant.lines.map((l) => ({ id: l.id, name: l.name }))) ?? [];
