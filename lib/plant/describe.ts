import type { LineStatus, Sample } from '../types.ts';
import type { Plant } from './schema.ts';
import { tagId } from './schema.ts';
import { simulatorOwnerIds } from './process-ids.ts';

export interface TagView {
  id: string;
  name: string;
  label: string;
  unit: string;
  decimals: number;
  type: string;
  connection: string;
  scanMs: number;
  current: Sample | null;
  /** Limits of its limit alarms, engineering units (absent: none); the line page's analog indicator draws them. */
  limits?: Partial<Record<'lolo' | 'lo' | 'hi' | 'hihi', number>>;
  /** Setpoints and commands: who may write it and within what (absent: read-only). */
  writable?: { min?: number; max?: number; step?: number; confirm: boolean; role: 'operator' | 'admin'; pulseMs?: number };
}

export interface LineView extends LineStatus {
  name: string;
  description: string;
  keyTags: string[];
  runningTag: string | null;
  simulated: boolean;
  /** Its connections served by a simulated PLC (a line may mix them with real ones). */
  simulatedConnections: string[];
  tags: TagView[];
}

type TagAlarms = Plant['lines'][number]['connections'][number]['tags'][number]['alarms'];

function limitsOf(alarms: TagAlarms): TagView['limits'] {
  if (!alarms) return undefined;
  const out: NonNullable<TagView['limits']> = {};
  for (const k of ['lolo', 'lo', 'hi', 'hihi'] as const) if (alarms[k]) out[k] = alarms[k].limit;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The public view of the plant: what the API and pages show of each line. */
export function describeLines(plant: Plant, statuses: LineStatus[], values: Sample[]): LineView[] {
  const byTag = new Map(values.map((s) => [s.tag, s]));
  const byLine = new Map(statuses.map((s) => [s.id, s]));
  return plant.lines.map((l) => ({
    ...(byLine.get(l.id) ?? { id: l.id, state: 'unknown', lastSampleAt: null }),
    name: l.name,
    description: l.description ?? '',
    keyTags: l.keyTags.map((k) => tagId(l.id, k)),
    runningTag: l.runningTag ? tagId(l.id, l.runningTag) : null,
    simulated: l.connections.some((c) => c.simulated),
    // One row per simulator process: a simulated RTU bus is one, under its first connection.
    simulatedConnections: simulatorOwnerIds(l),
    tags: l.connections.flatMap((c) =>
      c.tags.map((t) => {
        const id = tagId(l.id, t.name);
        const limits = limitsOf(t.alarms);
        return {
          id,
          name: t.name,
          label: t.label ?? t.name,
          unit: t.unit,
          decimals: t.decimals,
          type: t.type,
          connection: c.id,
          scanMs: t.scanMs ?? c.scanMs,
          current: byTag.get(id) ?? null,
          ...(limits && { limits }),
          ...(t.writable && {
            writable: {
              min: t.writable.min,
              max: t.writable.max,
              step: t.writable.step,
              confirm: t.writable.confirm,
              role: t.writable.role,
              pulseMs: t.writable.pulseMs,
            },
          }),
        };
      }),
    ),
  }));
}
