import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Scenario, SimModel, TagConfig, TagType } from '../../lib/plant/schema.ts';
import {
  advanceSignal,
  createLineModel,
  FOLLOW_TAU_S,
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

const lineTags = (list: (Partial<TagConfig> & Pick<TagConfig, 'name' | 'area' | 'address' | 'type'>)[]): TagConfig[] =>
  list.map((t) => ({ wordOrder: 'ABCD', scale: 1, offset: 0, unit: '', decimals: 1, ...t }) as TagConfig);

/** Image values as the simulator feeds them to a line model, by tag name. */
const feed = (values: Record<string, number>) => new Map(Object.entries(values));

/** Steps a line model through `seconds`, feeding it `inputs(t, last values)` each step as the simulator feeds it the image. */
function runLine(
  model: ReturnType<typeof createLineModel>,
  seconds: number,
  inputs: (t: number, last: Map<string, number>) => Map<string, number>,
  dtS = 0.1,
): Map<string, number>[] {
  const out = [model.step(0)];
  for (let i = 1; i <= Math.round(seconds / dtS); i++) out.push(model.step(dtS, inputs(i * dtS, out.at(-1)!)));
  return out;
}

test('follows: the level moves toward the input exponentially with followTauS (default 8 s)', () => {
  for (const [followTauS, tau] of [
    [undefined, FOLLOW_TAU_S],
    [2, 2],
  ] as const) {
    const tag = simTag({ model: 'constant', nominal: 185, follows: 'sp', followTauS });
    let state = initialSignal(tag);
    const random = seededRandom(1);
    const condition = lineCondition('normal');
    const values: number[] = [];
    for (let i = 0; i < 4 * tau * 10; i++) {
      const r = advanceSignal(tag, state, { dtS: 0.1, condition, scenario: 'normal', random, input: 195 });
      state = r.state;
      values.push(r.value);
    }
    // 185 → 195: e^(−t/τ) of the 10 °C left.
    for (const k of [1, 2, 3]) {
      const expected = 195 - 10 * Math.exp(-k);
      assert.ok(Math.abs(at(values, k * tau) - expected) < 1e-6, `τ ${tau}, at ${k}τ: ${at(values, k * tau)} ≠ ${expected}`);
    }
    for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]! && values[i]! < 195, 'rises steadily, never past the setpoint');
    // Without an input (not read yet) the level holds where it is.
    const held = advanceSignal(tag, state, { dtS: 10, condition, scenario: 'normal', random });
    assert.equal(held.value, values.at(-1));
  }
});

test('follows: drift, noise, overheat, whenStopped and clamps still apply on top of the level', () => {
  const follow = (s: Partial<SimModel> & Pick<SimModel, 'model'>, scenario: Scenario, seconds: number, input: number, seed = 5) => {
    const tag = simTag({ follows: 'sp', followTauS: 1, ...s });
    const random = seededRandom(seed);
    const condition = lineCondition(scenario);
    let state = initialSignal(tag);
    const values: number[] = [];
    for (let i = 0; i < seconds * 10; i++) {
      const r = advanceSignal(tag, state, { dtS: 0.1, condition, scenario, random, input });
      state = r.state;
      values.push(r.value);
    }
    return values;
  };
  // Analog: around the new setpoint within drift + 3σ once settled (20 τ).
  const analog = follow({ model: 'analog', nominal: 185, noise: 0.4, drift: 1.5 }, 'normal', 60, 200);
  const settled = analog.slice(200);
  assert.ok(
    settled.every((v) => Math.abs(v - 200) <= 1.5 + 1.2 + 1e-9),
    `${Math.min(...settled)} … ${Math.max(...settled)}`,
  );
  assert.ok(Math.max(...settled) - Math.min(...settled) > 0.5, 'still noisy');
  // Overheat: climbs from the level it follows.
  const hot = follow({ model: 'analog', nominal: 200, overheat: true }, 'overheat', 20, 180);
  assert.ok(at(hot, 20) > 180 + 0.0075 * 200 * 15, `${at(hot, 20)}`);
  // A stopped line still settles to whenStopped whatever the setpoint.
  const stopped = follow({ model: 'constant', nominal: 300, whenStopped: 0 }, 'jam', 20, 350);
  assert.ok(Math.abs(stopped.at(-1)!) < 0.01, `${stopped.at(-1)}`);
  // Clamped to max even if the setpoint is above it.
  assert.equal(follow({ model: 'constant', nominal: 50, max: 60 }, 'normal', 20, 80).at(-1), 60);
  // A ramp's top follows: a pallet fills up to the target weight.
  const ramp = follow({ model: 'ramp', min: 20, nominal: 640, periodS: 10 }, 'normal', 30, 400);
  assert.ok(Math.abs(Math.max(...ramp.slice(200)) - 400) < 400 * 0.02, `${Math.max(...ramp.slice(200))}`);
  assert.ok(Math.min(...ramp) >= 20);
});

test('line model: a follower tracks its setpoint as the image shows it, written or not', () => {
  const tags = lineTags([
    { name: 'zone1-setpoint', area: 'holding', address: 0, type: 'float32', sim: sim({ model: 'constant', nominal: 185 }) },
    { name: 'zone1-temp', area: 'holding', address: 2, type: 'float32', sim: sim({ model: 'analog', nominal: 185, follows: 'zone1-setpoint', followTauS: 4 }) },
  ]);
  const model = createLineModel(tags, 'normal', seededRandom(3));
  assert.deepEqual(model.inputs, ['zone1-setpoint']);
  // Until a client writes, the image holds the setpoint's own value: nothing moves.
  const steady = runLine(model, 10, (_, last) => feed({ 'zone1-setpoint': last.get('zone1-setpoint')! }));
  assert.ok(steady.every((v) => v.get('zone1-temp') === 185 && v.get('zone1-setpoint') === 185));
  // A client writes 195 (the image is forced to it).
  const moving = runLine(model, 12, () => feed({ 'zone1-setpoint': 195 }));
  const temp = (t: number) => moving[Math.round(t * 10)]!.get('zone1-temp')!;
  assert.ok(Math.abs(temp(4) - (195 - 10 * Math.exp(-1))) < 1e-6, `after τ: ${temp(4)}`);
  assert.ok(Math.abs(temp(12) - (195 - 10 * Math.exp(-3))) < 1e-6, `after 3τ: ${temp(12)}`);
  // And back down when the setpoint is lowered.
  const back = runLine(model, 40, () => feed({ 'zone1-setpoint': 180 }));
  assert.ok(Math.abs(back.at(-1)!.get('zone1-temp')! - 180) < 0.01);
});

/** A line with a jam-able drive, run and reset commands, a counter and a speed that settles when stopped. */
const commandLine = lineTags([
  { name: 'running', area: 'coil', address: 0, type: 'bool', sim: sim({ model: 'running' }) },
  { name: 'fault', area: 'coil', address: 1, type: 'bool', sim: sim({ model: 'fault' }) },
  { name: 'fault-reset', area: 'coil', address: 2, type: 'bool', sim: sim({ model: 'command', action: 'reset' }) },
  { name: 'run-command', area: 'coil', address: 3, type: 'bool', sim: sim({ model: 'command', action: 'run' }) },
  { name: 'count', area: 'holding', address: 0, type: 'uint32', sim: sim({ model: 'counter', rate: 10 }) },
  { name: 'speed', area: 'holding', address: 2, type: 'float32', sim: sim({ model: 'analog', nominal: 300, whenStopped: 0 }) },
]);

test('commands: reset clears a jam on a 0 → 1 write; the line runs again', () => {
  const model = createLineModel(commandLine, 'jam', seededRandom(1));
  assert.deepEqual(model.inputs, ['fault-reset', 'run-command']);
  const first = model.step(0);
  assert.deepEqual(
    ['running', 'fault', 'fault-reset', 'run-command'].map((n) => first.get(n)),
    [0, 1, 0, 1],
    'jammed; commands start at reset 0, run 1',
  );
  // The image echoes the model's own command values: nothing happens.
  const idle = runLine(model, 5, (_, last) => feed({ 'fault-reset': last.get('fault-reset')!, 'run-command': last.get('run-command')! }));
  assert.ok(idle.every((v) => v.get('fault') === 1 && v.get('running') === 0 && v.get('count') === 0));
  assert.ok(idle.at(-1)!.get('speed')! < 300 * 0.1, 'speed settled toward 0');
  // A client writes 1: the fault clears in that very step, the line runs, the counter counts.
  const reset = model.step(0.1, feed({ 'fault-reset': 1, 'run-command': 1 }));
  assert.deepEqual([reset.get('fault'), reset.get('running'), reset.get('fault-reset')], [0, 1, 1]);
  assert.deepEqual(model.condition, { running: true, jammed: false });
  const after = runLine(model, 10, () => feed({ 'fault-reset': 0, 'run-command': 1 }));
  assert.ok(after.at(-1)!.get('count')! >= 99, `counted ${after.at(-1)!.get('count')}`);
  assert.ok(Math.abs(after.at(-1)!.get('speed')! - 300) < 1, 'speed back up');
  assert.equal(after.at(-1)!.get('fault-reset'), 0, 'the pulse went back to 0 and reads so');
  // Reset on a running line changes nothing.
  model.step(0.1, feed({ 'fault-reset': 1 }));
  assert.deepEqual(model.condition, { running: true, jammed: false });
});

test('commands: run is latched — 0 stops the line, 1 starts it again unless jammed', () => {
  const model = createLineModel(commandLine, 'normal', seededRandom(2));
  const running = runLine(model, 2, () => feed({ 'run-command': 1 }));
  const countAtStop = running.at(-1)!.get('count')!;
  assert.equal(countAtStop, 20);
  const stopped = runLine(model, 10, () => feed({ 'run-command': 0 }));
  assert.ok(stopped.slice(1).every((v) => v.get('running') === 0 && v.get('fault') === 0 && v.get('run-command') === 0));
  assert.ok(
    stopped.every((v) => v.get('count') === countAtStop),
    'counter frozen',
  );
  const speed = (i: number) => stopped[i]!.get('speed')!;
  assert.ok(Math.abs(speed(30) - 300 * Math.exp(-3 / SETTLE_TAU_S)) < 1e-6, `settles, not a jump: ${speed(30)}`);
  assert.deepEqual(model.condition, { running: false, jammed: false });
  // Holding 0 keeps it stopped; a reset does not start a stopped (not jammed) line.
  model.step(0.1, feed({ 'run-command': 0, 'fault-reset': 1 }));
  assert.deepEqual(model.condition, { running: false, jammed: false });
  const restarted = runLine(model, 5, () => feed({ 'run-command': 1 }));
  assert.ok(restarted.slice(1).every((v) => v.get('running') === 1));
  assert.equal(restarted.at(-1)!.get('count'), countAtStop + 50);

  // Jammed: a run command alone does not start it; after a reset it runs, unless run is 0.
  const jam = createLineModel(commandLine, 'jam');
  jam.step(0);
  jam.step(0.1, feed({ 'run-command': 0 }));
  jam.step(0.1, feed({ 'run-command': 1 }));
  assert.deepEqual(jam.condition, { running: false, jammed: true });
  jam.step(0.1, feed({ 'run-command': 0 }));
  jam.step(0.1, feed({ 'run-command': 0, 'fault-reset': 1 }));
  assert.deepEqual(jam.condition, { running: false, jammed: false }, 'cleared, but held stopped');
  jam.step(0.1, feed({ 'run-command': 1, 'fault-reset': 0 }));
  assert.deepEqual(jam.condition, { running: true, jammed: false });
});

test('commands: a command reads back what was written, as 0/1; run starts at 1, reset at 0', () => {
  const tag = simTag({ model: 'command', action: 'reset' }, 'bool');
  const s0 = initialSignal(tag);
  const step = { dtS: 0.1, condition: lineCondition('normal'), scenario: 'normal' as const, random: Math.random };
  assert.equal(s0.level, 0);
  const written = advanceSignal(tag, s0, { ...step, input: 5 });
  assert.equal(written.value, 1);
  assert.equal(advanceSignal(tag, written.state, step).value, 1, 'no input: keeps its last value');
  assert.equal(advanceSignal(tag, s0, { ...step, input: 0 }).value, 0);
  assert.equal(initialSignal(simTag({ model: 'command', action: 'run' }, 'bool')).level, 1);
});
