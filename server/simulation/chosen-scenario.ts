import { type LineConfig, type Scenario, scenarios } from '../../lib/plant/schema.ts';
import type { SimulationChoice } from '../storage/store.ts';

/**
 * The scenario a line's simulated PLCs run in when an owner takes the line (a collector that
 * took it over, a server that starts), or undefined when they stay stopped: the operator's
 * latest choice; without one (or with a scenario this version does not know), the plant's
 * `simulation` default — only when `plantDefault` (LINEWATCH_SIMULATE) lets it.
 */
export function chosenScenario(line: LineConfig, choice: SimulationChoice | undefined, plantDefault: boolean): Scenario | undefined {
  if (choice && (scenarios as readonly string[]).includes(choice.scenario)) return choice.running ? choice.scenario : undefined;
  return plantDefault && line.simulation?.autoStart ? line.simulation.scenario : undefined;
}
