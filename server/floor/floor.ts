import type { AlarmView } from '../../lib/alarms/alarm-types.ts';
import type { Plant, Scenario } from '../../lib/plant/schema.ts';
import type { ActionBy } from '../alarms/evaluate.ts';
import type { PlantChange } from '../plant/plan-change.ts';
import type { WriteInput, WriteOutcome } from '../writes/tag-writer.ts';
import type { LineStatus, ProcessInfo, Sample } from '../../lib/types.ts';
import type { AlarmService } from '../alarms/alarm-engine.ts';
import type { Actor } from '../auth/audited.ts';

/**
 * The plant floor as the API and the pages reach it: line states, values, simulators and
 * alarms. In one process group it is collected here (local-floor.ts); on a web instance it
 * is the collectors', over the live bus (remote-floor.ts).
 */
export interface Floor {
  lines(): LineStatus[];
  values(): Sample[];
  /** The lines' simulated PLCs. */
  processes(): ProcessInfo[];
  readonly alarms: AlarmService;
  /** Alarms not quiet, for metrics and stream snapshots. */
  activeAlarms(): AlarmView[];
  startSimulation(lineId: string, scenario: Scenario, actor: Actor): ProcessInfo[] | Promise<ProcessInfo[]>;
  stopSimulation(lineId: string, actor: Actor): Promise<ProcessInfo[]>;
  /** Writes a setpoint or command to its PLC (on the connection that polls it), read back; see TagWriter. */
  writeTag(tag: string, input: WriteInput, actor: Actor): Promise<WriteOutcome>;
  /** Samples waiting for the historian (0 where none runs). */
  historyBuffered(): number;
  /** Before the streams start. */
  start(): Promise<void>;
  /** Once the streams run (simulators that start with the plant). */
  started(): void;
  /** After the streams stopped. */
  stop(): Promise<void>;
  /**
   * Goes over to a new plant version. Collected here: current values, alarms (`by`: who
   * applied it and why), history deadbands, simulated PLCs (the live process's poller is the
   * runtime's to tell). On a web instance: what it knows of lines, tags and alarms (the
   * collectors apply the rest).
   */
  applyPlant(plant: Plant, change: PlantChange, by: ActionBy): Promise<void>;
}
