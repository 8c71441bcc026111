import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Scenario, SimModel, TagConfig, TagType } from '../../lib/plant/schema.ts';
import {
  advanceSignal,
  createLineModel,
  initialSignal,
  lineCondition,
  OVERHEAT_CAP,
  seededRandom,
  SETTLE_TAU_S,
  type SimulatedTag,
} from '../../server/simulator/signal-models.ts';

const sim = (s: Partial<SimModel> & Pick<SimModel, 'model'>): SimModel => ({
  nominal: 0,
  noise: 0,
  drift: 0,
  rate: 1,
  periodS: 60,
  overheat: false,
  ...s,
});
const simTag = (s: Partial<SimModel> & Pick<SimModel, 'model'>, type: TagType = 'float32', scale = 1): SimulatedTag => ({ type, scale, sim: sim(s) });

/** Steps one tag through `seconds` of simulated time; returns the value after each step. */
function run(tag: SimulatedTag, scenario: Scenario, seconds: number, dtS = 0.1, seed = 1): number[] {
  const random = seededRandom(seed);
  const condition = lineCondition(scenario);
  let state = initialSignal(tag);
  const values: number[] = [];
  for (let i = 0; i < Math.round(seconds / dtS); i++) {
    const r = advanceSignal(tag, state, { dtS, condition, scenario, random });
    state = r.state;
    values.push(r.value);
  }
  return values;
}
const at = (values: number[], seconds: number, dtS = 0.1) => values[Math.round(seconds / dtS) - 1]!;

test('line condition per scenario: only jam stops the line, with a fault', () => {
  assert.deepEqual(lineCondition('normal'), { running: true, jammed: false });
  assert.deepEqual(lineCondition('overheat'), { running: true, jammed: false });
  assert.deepEqual(lineCondition('flaky'), { running: true, jammed: false });
  assert.deepEqual(lineCondition('jam'), { running: false, jammed: true });
});

test('analog: drift and noise stay bounded around nominal over two hours', () => {
  const cases = [
    { nominal: 185, noise: 0.4, drift: 1.5 },
    { nominal: 142, noise: 1.5, drift: 4 },
    { nominal: -420, noise: 4, drift: 0 },
    { nominal: 63, noise: 0, drift: 0.05 },
  ];
  for (const c of cases) {
    const values = run(simTag({ model: 'analog', ...c }), 'normal', 7200, 0.1, 7);
    const bound = c.drift + 3 * c.noise + 1e-9;
    const worst = Math.max(...values.map((v) => Math.abs(v - c.nominal)));
    assert.ok(worst <= bound, `${JSON.stringify(c)}: |value − nominal| reached ${worst} > ${bound}`);
    // It does move: a flat line would not look like a sensor.
    const spread = Math.max(...values) - Math.min(...values);
    assert.ok(spread > (c.drift + c.noise) * 0.5, `${JSON.stringify(c)}: spread only ${spread}`);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(mean - c.nominal) <= c.drift + 0.1 * c.noise, `${JSON.stringify(c)}: mean ${mean}`);
  }
});

test('analog: drift is slow — consecutive 100 ms values differ by about the noise, not the drift', () => {
  const values = run(simTag({ model: 'analog', nominal: 100, noise: 0, drift: 10 }), 'normal', 600, 0.1, 3);
  const maxStep = Math.max(...values.slice(1).map((v, i) => Math.abs(v - values[i]!)));
  assert.ok(maxStep < 10 * Math.sqrt(0.1 / 60) * 3 * 1.01, `max step ${maxStep}`);
});

test('analog: clamped to min/max when given', () => {
  const values = run(simTag({ model: 'analog', nominal: 95, noise: 2, drift: 6, min: 5, max: 98 }), 'normal', 600);
  assert.ok(Math.max(...values) <= 98);
  assert.ok(
    values.some((v) => v === 98),
    'should hit the clamp with this noise',
  );
  const low = run(simTag({ model: 'analog', nominal: 6, noise: 2, drift: 6, min: 5, max: 98 }), 'normal', 600);
  assert.ok(Math.min(...low) >= 5);
});

test('counter: rate per second while running, whole raw steps, frozen while jammed', () => {
  const table: { tag: SimulatedTag; scenario: Scenario; seconds: number; expected: number }[] = [
    { tag: simTag({ model: 'counter', rate: 5 }, 'uint32'), scenario: 'normal', seconds: 10, expected: 50 },
    { tag: simTag({ model: 'counter', rate: 0.4 }, 'uint32'), scenario: 'normal', seconds: 10, expected: 4 },
    { tag: simTag({ model: 'counter', rate: 0.05 }, 'uint32'), scenario: 'normal', seconds: 30, expected: 1 },
    { tag: simTag({ model: 'counter', rate: 5, nominal: 1000 }, 'int32'), scenario: 'overheat', seconds: 2, expected: 1010 },
    { tag: simTag({ model: 'counter', rate: 5 }, 'uint32'), scenario: 'jam', seconds: 10, expected: 0 },
    { tag: simTag({ model: 'counter', rate: 5, nominal: 777 }, 'uint32'), scenario: 'jam', seconds: 10, expected: 777 },
    { tag: simTag({ model: 'counter', rate: 0.25 }, 'uint16', 0.1), scenario: 'normal', seconds: 1, expected: 0.2 },
    { tag: simTag({ model: 'counter', rate: 0.5 }, 'float32'), scenario: 'normal', seconds: 3, expected: 1.5 },
  ];
  for (const { tag, scenario, seconds, expected } of table) {
    const values = run(tag, scenario, seconds);
    assert.ok(Math.abs(values.at(-1)! - expected) < 1e-6, `${JSON.stringify(tag)} ${scenario}: ${values.at(-1)} ≠ ${expected}`);
    for (let i = 1; i < values.length; i++) assert.ok(values[i]! >= values[i - 1]!, 'a counter never goes back (before wrapping)');
    if (tag.type !== 'float32') assert.ok(values.every((v) => Number.isInteger(Math.round((v / tag.scale) * 1e6) / 1e6)));
  }
});

test("counter: wraps to 0 past its type's maximum", () => {
  const table: { type: TagType; nominal: number; expected: number }[] = [
    { type: 'uint16', nominal: 65_530, expected: 4 },
    { type: 'int16', nominal: 32_760, expected: 2 },
    { type: 'uint32', nominal: 4_294_967_290, expected: 4 },
    { type: 'int32', nominal: 2_147_483_640, expected: 2 },
  ];
  for (const { type, nominal, expected } of table) {
    const values = run(simTag({ model: 'counter', rate: 10, nominal }, type), 'normal', 1);
    assert.equal(values.at(-1), expected, type);
  }
});

test('running / fault / constant follow the scenario', () => {
  const last = (s: Partial<SimModel> & Pick<SimModel, 'model'>, scenario: Scenario) => run(simTag(s, 'float32'), scenario, 1).at(-1);
  assert.equal(last({ model: 'running' }, 'normal'), 1);
  assert.equal(last({ model: 'running' }, 'jam'), 0);
  assert.equal(last({ model: 'fault' }, 'normal'), 0);
  assert.equal(last({ model: 'fault' }, 'jam'), 1);
  assert.equal(last({ model: 'constant', nominal: 42 }, 'normal'), 42);
  assert.equal(last({ model: 'constant', nominal: 0 }, 'flaky'), 0);
});

test('whenStopped: a jammed line settles exponentially, not in a jump', () => {
  const tag = simTag({ model: 'analog', nominal: 62, noise: 0, drift: 0, whenStopped: 0 });
  const values = run(tag, 'jam', 10);
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! < values[i - 1]!, 'falls steadily');
  assert.ok(values[0]! > 55, `first step is not a jump: ${values[0]}`);
  // e^(−t/τ) of the way left.
  for (const t of [1, 3, 5]) assert.ok(Math.abs(at(values, t) - 62 * Math.exp(-t / SETTLE_TAU_S)) < 1e-6, `at ${t} s: ${at(values, t)}`);
  assert.ok(at(values, 10) < 0.1);
  // Settles to a non-zero target too (melt pressure → 3 bar); noise fades with the activity.
  const pressure = run(simTag({ model: 'analog', nominal: 142, noise: 1.5, drift: 4, whenStopped: 3 }), 'jam', 20);
  assert.ok(Math.abs(pressure.at(-1)! - 3) < 0.01, `${pressure.at(-1)}`);
  // Tags without whenStopped do not care whether the line runs.
  const temp = run(simTag({ model: 'analog', nominal: 185, noise: 0.4, drift: 1.5 }), 'jam', 20);
  assert.ok(Math.abs(temp.at(-1)! - 185) <= 1.5 + 1.2);
});

test('whenStopped: a running line stays at its running level', () => {
  const values = run(simTag({ model: 'analog', nominal: 300, noise: 3, whenStopped: 0 }), 'normal', 30);
  assert.ok(values.every((v) => Math.abs(v - 300) <= 9));
});

test('overheat: climbs past nominal × 1.15 within 40 s, keeps climbing, stops at the cap', () => {
  for (const s of [
    { model: 'analog' as const, nominal: 6.5, noise: 0.05, drift: 0.3, overheat: true },
    { model: 'analog' as const, nominal: 205, noise: 0.4, drift: 1.5, overheat: true },
    { model: 'analog' as const, nominal: 165, noise: 0.5, drift: 1.5, overheat: true },
  ]) {
    const values = run(simTag(s), 'overheat', 200);
    const crossed = values.findIndex((v) => v > s.nominal * 1.15);
    assert.ok(crossed >= 0 && crossed * 0.1 <= 40, `${s.nominal}: crossed ×1.15 at ${crossed * 0.1} s`);
    assert.ok(crossed * 0.1 >= 10, `${s.nominal}: not a jump (${crossed * 0.1} s)`);
    assert.ok(at(values, 40) > at(values, 20) + s.nominal * 0.1, 'still climbing between 20 and 40 s');
    const top = s.nominal * (1 + OVERHEAT_CAP);
    assert.ok(Math.abs(at(values, 200) - top) <= s.drift + 3 * s.noise, `${s.nominal}: at the cap ${top}: ${at(values, 200)}`);
    // The same tag in the normal scenario stays near nominal.
    const normal = run(simTag(s), 'normal', 200);
    assert.ok(Math.max(...normal) <= s.nominal + s.drift + 3 * s.noise);
  }
  // Tags without the overheat flag do not climb.
  const other = run(simTag({ model: 'analog', nominal: 195, noise: 0.4, drift: 1.5 }), 'overheat', 60);
  assert.ok(Math.max(...other) <= 195 + 1.5 + 1.2);
});

test('ramp: saw-tooth from min to max over periodS, restarting at min', () => {
  const values = run(simTag({ model: 'ramp', min: 0.8, max: 1.2, periodS: 90 }), 'normal', 200, 0.5);
  const near = (t: number, expected: number) => assert.ok(Math.abs(at(values, t, 0.5) - expected) < 1e-9, `at ${t} s: ${at(values, t, 0.5)} ≠ ${expected}`);
  near(22.5, 0.9);
  near(45, 1.0);
  near(67.5, 1.1);
  near(89.5, 0.8 + 0.4 * (89.5 / 90));
  near(90.5, 0.8 + 0.4 * (0.5 / 90));
  near(135, 1.0);
  assert.ok(values.every((v) => v >= 0.8 && v < 1.2));
  // Rising everywhere except at the two restarts.
  const drops = values.slice(1).filter((v, i) => v < values[i]!).length;
  assert.equal(drops, 2);
  // The ramp waits while the line stands (a pallet stops growing).
  const jammed = run(simTag({ model: 'ramp', min: 20, max: 640, periodS: 300 }), 'jam', 30);
  assert.ok(jammed.every((v) => v === 20));
});

test('line model: tags without sim are left alone; same seed, same run', () => {
  const tags = [
    { name: 'running', area: 'coil', address: 0, type: 'bool', sim: sim({ model: 'running' }) },
    { name: 'speed', area: 'holding', address: 0, type: 'float32', sim: sim({ model: 'analog', nominal: 10, noise: 1, drift: 1 }) },
    { name: 'spare', area: 'holding', address: 2, type: 'uint16' },
  ].map((t) => ({ wordOrder: 'ABCD', scale: 1, offset: 0, unit: '', decimals: 1, ...t }) as TagConfig);
  const a = createLineModel(tags, 'normal', seededRandom(42));
  const b = createLineModel(tags, 'normal', seededRandom(42));
  for (let i = 0; i < 50; i++) assert.deepEqual(a.step(0.1), b.step(0.1));
  const values = a.step(0.1);
  assert.deepEqual([...values.keys()], ['running', 'speed']);
  assert.equal(values.get('running'), 1);
  assert.deepEqual(createLineModel(tags, 'jam').condition, { running: false, jammed: true });
});
