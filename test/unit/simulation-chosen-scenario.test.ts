import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LineConfig } from '../../lib/plant/schema.ts';
import { chosenScenario } from '../../server/simulation/chosen-scenario.ts';
import type { SimulationChoice } from '../../server/storage/store.ts';

const line = (simulation?: LineConfig['simulation']) => ({ id: 'filling', name: 'Filling', connections: [], simulation }) as unknown as LineConfig;
const choice = (running: boolean, scenario: string): SimulationChoice => ({ line: 'filling', running, scenario, by: 'operator', at: 1 }) as SimulationChoice;

test("an owner that takes a line follows the operator's latest choice, else the plant's default", () => {
  const autoNormal = line({ autoStart: true, scenario: 'normal' });
  const manual = line({ autoStart: false, scenario: 'overheat' });
  const cases: [string, LineConfig, SimulationChoice | undefined, boolean, string | undefined][] = [
    ['no choice: the plant starts it', autoNormal, undefined, true, 'normal'],
    ['no choice, LINEWATCH_SIMULATE off', autoNormal, undefined, false, undefined],
    ['no choice, the plant does not start it', manual, undefined, true, undefined],
    ['no simulation block', line(undefined), undefined, true, undefined],
    ['started in jam: jam, not the default', autoNormal, choice(true, 'jam'), true, 'jam'],
    ['started by an operator: also with LINEWATCH_SIMULATE off', manual, choice(true, 'flaky'), false, 'flaky'],
    ['stopped by an operator: stays stopped though the plant starts it', autoNormal, choice(false, 'jam'), true, undefined],
    ['a scenario this version does not know: the default', autoNormal, choice(true, 'explode'), true, 'normal'],
  ];
  for (const [what, l, c, plantDefault, expected] of cases) assert.equal(chosenScenario(l, c, plantDefault), expected, what);
});
