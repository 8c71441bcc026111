import type { AlarmKind, AlarmPriority } from '../../lib/alarms/alarm-types.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import { tagId } from '../../lib/plant/schema.ts';

/** One alarm point, derived from the plant file: what the evaluation core needs to know. */
export interface AlarmDefinition {
  /** `${tagId}.${kind}` or `${lineId}.${connectionId}.comm`. */
  readonly id: string;
  readonly kind: AlarmKind;
  readonly line: string;
  /** Tag id; null for `comm`. */
  readonly tag: string | null;
  readonly connection: string;
  readonly label: string;
  readonly message: string;
  readonly priority: AlarmPriority;
  /** Limit alarms only. */
  readonly limit: number | null;
  /** Limit alarms only; 0 otherwise. */
  readonly deadband: number;
  readonly onDelayMs: number;
  readonly offDelayMs: number;
  readonly maxShelveMs: number;
  /** `discrete`: the value (true = non-zero) that is the alarm state. `comm` alarms on 1 (lost). */
  readonly alarmOn: boolean;
  readonly unit: string;
  readonly decimals: number;
}

/** Default priority per limit level when the plant file names none. */
export const limitDefaults: Record<'hihi' | 'hi' | 'lo' | 'lolo', { priority: AlarmPriority; suffix: string }> = {
  hihi: { priority: 'high', suffix: 'high high' },
  hi: { priority: 'medium', suffix: 'high' },
  lo: { priority: 'medium', suffix: 'low' },
  lolo: { priority: 'high', suffix: 'low low' },
};

/**
 * Every definition built with the same fields in the same order: the evaluation core reads
 * them per sample, and one object shape keeps those reads fast (spread-built objects are not).
 */
function define(d: AlarmDefinition): AlarmDefinition {
  return {
    id: d.id,
    kind: d.kind,
    line: d.line,
    tag: d.tag,
    connection: d.connection,
    label: d.label,
    message: d.message,
    priority: d.priority,
    limit: d.limit,
    deadband: d.deadband,
    onDelayMs: d.onDelayMs,
    offDelayMs: d.offDelayMs,
    maxShelveMs: d.maxShelveMs,
    alarmOn: d.alarmOn,
    unit: d.unit,
    decimals: d.decimals,
  };
}

export function commAlarmId(lineId: string, connectionId: string): string {
  return `${lineId}.${connectionId}.comm`;
}

/** Every alarm point of the plant, in plant-file order. */
export function alarmDefinitions(plant: Plant): AlarmDefinition[] {
  const out: AlarmDefinition[] = [];
  for (const line of plant.lines) {
    for (const c of line.connections) {
      if (c.commLoss.enabled) {
        out.push(
          define({
            id: commAlarmId(line.id, c.id),
            kind: 'comm',
            line: line.id,
            tag: null,
            connection: c.id,
            label: `PLC connection ${c.id}`,
            message: c.commLoss.message ?? `Communication lost with ${c.id}`,
            priority: c.commLoss.priority,
            limit: null,
            deadband: 0,
            onDelayMs: c.commLoss.delayMs,
            offDelayMs: 0,
            maxShelveMs: c.commLoss.maxShelveMin * 60_000,
            alarmOn: true,
            unit: '',
            decimals: 0,
          }),
        );
      }
      for (const t of c.tags) {
        const a = t.alarms;
        if (!a) continue;
        const id = tagId(line.id, t.name);
        const label = t.label ?? t.name;
        const common = {
          line: line.id,
          tag: id,
          connection: c.id,
          label,
          onDelayMs: a.onDelayMs,
          offDelayMs: a.offDelayMs,
          maxShelveMs: a.maxShelveMin * 60_000,
          unit: t.unit,
          decimals: t.decimals,
        };
        if (t.type === 'bool') {
          out.push(
            define({
              ...common,
              id: `${id}.discrete`,
              kind: 'discrete',
              message: a.message ?? (a.on === false ? `${label} off` : label),
              priority: a.priority ?? 'high',
              limit: null,
              deadband: 0,
              alarmOn: a.on ?? true,
            }),
          );
          continue;
        }
        for (const kind of ['hihi', 'hi', 'lo', 'lolo'] as const) {
          const l = a[kind];
          if (!l) continue;
          out.push(
            define({
              ...common,
              id: `${id}.${kind}`,
              kind,
              message: l.message ?? `${label} ${limitDefaults[kind].suffix}`,
              priority: l.priority ?? limitDefaults[kind].priority,
              limit: l.limit,
              deadband: a.deadband,
              alarmOn: true,
            }),
          );
        }
      }
    }
  }
  return out;
}
