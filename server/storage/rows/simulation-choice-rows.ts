import type { Scenario } from '../../../lib/plant/schema.ts';
import type { SimulationChoice } from '../store.ts';
import { flag } from './values.ts';

/** A row of `simulation_choices`. */
export type SimulationChoiceRow = { line: string; running: boolean | number; scenario: Scenario; chosen_by: string; chosen_at: number };

export const toSimulationChoice = (r: SimulationChoiceRow): SimulationChoice => ({
  line: r.line,
  running: flag(r.running),
  scenario: r.scenario,
  by: r.chosen_by,
  at: r.chosen_at,
});

/** The columns a choice is read with, in both engines. */
export const simulationChoiceColumns = 'line, running, scenario, chosen_by, chosen_at';
