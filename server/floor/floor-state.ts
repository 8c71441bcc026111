import { compareAlarms, type AlarmEventPayload, type AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { Plant } from '../../lib/plant/schema.ts';
import type { HubEvent, LineStatus, ProcessInfo, Sample } from '../../lib/types.ts';
import { alarmDefinitions } from '../alarms/alarm-definitions.ts';
import { alarmView } from '../alarms/alarm-engine.ts';
import { initialAlarmState } from '../alarms/evaluate.ts';
import type { LineSnapshot } from '../collector/line-unit.ts';
import { createLiveState } from '../live/live-state.ts';

/**
 * The plant floor as a web instance knows it (role `web`): current values, line states,
 * processes and every alarm, from the live bus's events and the owners' snapshots. Values and
 * alarms keep whichever is newer (a sample's `ts`, an alarm's journal `seq`), so a snapshot
 * answered after events it predates changes nothing.
 */
export interface FloorState {
  /** Applies a bus event (`job` events carry nothing here). */
  apply(event: HubEvent): void;
  /** Applies a line owner's snapshot. */
  applySnapshot(snapshot: LineSnapshot): void;
  lines(): LineStatus[];
  values(): Sample[];
  processes(): ProcessInfo[];
  /** Every alarm of the plant (quiet ones too), by id. */
  alarm(id: string): AlarmView | undefined;
  allAlarms(): AlarmView[];
  /** Alarms not quiet, highest priority first. */
  activeAlarms(): AlarmView[];
  /** A new plant version: lines, tags and alarm definitions (alarms keep their state until their owner's next event). */
  setPlant(plant: Plant): void;
}

/** The fields of an alarm view that come from its definition. */
function definitionOf(v: AlarmView): Partial<AlarmView> {
  const { label, message, priority, limit, deadband, unit, decimals, maxShelveMs } = v;
  return { label, message, priority, limit, deadband, unit, decimals, maxShelveMs };
}

export function createFloorState(plant: Plant): FloorState {
  const live = createLiveState(plant);
  const processes = new Map<string, ProcessInfo>();
  // Every alarm of the plant, quiet ones too: a view's state `normal` is the engine's "quiet".
  const alarms = new Map(alarmDefinitions(plant).map((def) => [def.id, alarmView(initialAlarmState(def), 0)]));

  function setAlarm(view: AlarmView): void {
    const known = alarms.get(view.id);
    if (known && known.seq <= view.seq) alarms.set(view.id, view);
  }

  function applySamples(line: string, samples: readonly Sample[]): void {
    const newer = samples.filter((s) => (live.value(s.tag)?.ts ?? Number.NEGATIVE_INFINITY) <= s.ts);
    if (newer.length > 0) live.apply(line, newer);
  }

  return {
    apply(e) {
      if (e.event === 'sample') {
        const { line, samples } = e.data as HubEvent<'sample'>['data'];
        applySamples(line, samples);
      } else if (e.event === 'process') {
        const info = e.data as ProcessInfo;
        processes.set(info.id, info);
      } else if (e.event === 'alarm') {
        setAlarm((e.data as AlarmEventPayload).alarm);
      }
    },
    applySnapshot(snapshot) {
      if (snapshot.line) applySamples(snapshot.line.id, snapshot.values);
      for (const info of snapshot.processes) if (!processes.has(info.id)) processes.set(info.id, info);
      for (const view of snapshot.alarms) setAlarm(view);
    },
    lines: () => live.lines(),
    values: () => live.values(),
    processes: () => [...processes.values()],
    alarm: (id) => alarms.get(id),
    allAlarms: () => [...alarms.values()].sort(compareAlarms),
    activeAlarms: () => [...alarms.values()].filter((a) => a.state !== 'normal').sort(compareAlarms),
    setPlant(next) {
      live.setPlant(next);
      const definitions = new Map(alarmDefinitions(next).map((def) => [def.id, def]));
      for (const id of alarms.keys()) if (!definitions.has(id)) alarms.delete(id);
      for (const [id, def] of definitions) {
        const known = alarms.get(id);
        const fresh = alarmView(initialAlarmState(def), known?.seq ?? 0);
        // The definition's fields from the new version, the state as last seen.
        alarms.set(id, known ? { ...known, ...definitionOf(fresh) } : fresh);
      }
    },
  };
}
