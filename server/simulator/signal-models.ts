import type { Scenario, SimModel, TagConfig, TagType } from '../../lib/plant/schema.ts';

/**
 * How a simulated PLC animates its tags: pure functions of (previous state, elapsed time,
 * line condition, a random source). No clock and no timers here, so tests step simulated
 * time as fast as they like and a seeded random source makes a run repeatable.
 */

/**
 * `overheat` scenario: a tag with `sim.overheat` climbs by this fraction of |nominal| per
 * second (0.75 %/s: +15 % after 20 s, +22.5 % after 30 s, +30 % after 40 s)...
 */
export const OVERHEAT_RATE_PER_S = 0.0075;
/** ...until it is this fraction above nominal (+50 %, reached after about 67 s). */
export const OVERHEAT_CAP = 0.5;
/**
 * Time constant of the exponential settle toward `whenStopped` when the line stops (and back
 * when it runs again), s: 63 % after τ, 95 % after 3τ.
 */
export const SETTLE_TAU_S = 1.5;
/** Drift random walk: its standard deviation reaches `drift` after about this many seconds. */
export const DRIFT_TIME_S = 60;
/** Default `sim.followTauS`, s: a follower is 63 % of the way to a new setpoint after 8 s. */
export const FOLLOW_TAU_S = 8;

/** What the line is doing: decided by the scenario at start, then by `command` tags. */
export interface LineCondition {
  running: boolean;
  jammed: boolean;
}

/** `jam`: the line stands with a fault from the start; every other scenario runs. */
export function lineCondition(scenario: Scenario): LineCondition {
  return scenario === 'jam' ? { running: false, jammed: true } : { running: true, jammed: false };
}

/** Per-tag memory of the model between steps. */
export interface SignalState {
  /** Slow offset from nominal, always within ±drift. */
  drift: number;
  /** 1 = at its running level, 0 = settled at `whenStopped`; blends exponentially. */
  activity: number;
  /** Ramp position in [0, 1). */
  phase: number;
  /** Counter total, engineering units, in [0, wrap). */
  count: number;
  /** Overheat offset accumulated so far, engineering units. */
  heat: number;
  /**
   * Where the tag stands without drift, noise and overheat: `nominal` (a ramp: its top),
   * moving toward the followed tag with `follows`. A `command`: its last value.
   */
  level: number;
}

export interface SignalStep {
  /** Simulated seconds since the previous step (0 for the first value). */
  dtS: number;
  condition: LineCondition;
  scenario: Scenario;
  /** Uniform in [0, 1): `Math.random` or `seededRandom(seed)`. */
  random: () => number;
  /**
   * As read from the register image: with `follows`, the followed tag's current value; for a
   * `command`, the tag's own (what a client wrote). Undefined = not known: the level stays.
   */
  input?: number;
}

/** The parts of a tag a model needs. */
export type SimulatedTag = Pick<TagConfig, 'type' | 'scale'> & { sim: SimModel };

/** Largest raw value of an integer type + 1: where a counter wraps back to 0. */
const wrapRaw: Record<TagType, number> = {
  int16: 0x8000,
  uint16: 0x10000,
  int32: 0x80000000,
  uint32: 0x100000000,
  float32: Infinity,
  bool: 2,
};

/**
 * State of a tag when the simulator starts: at its running level (a line that starts in
 * `jam` has just jammed, so its `whenStopped` tags visibly settle), counters at `nominal`.
 */
export function initialSignal(tag: SimulatedTag): SignalState {
  const { sim } = tag;
  const level = sim.model === 'command' ? (sim.action === 'run' ? 1 : 0) : sim.model === 'ramp' ? rampTop(sim) : sim.nominal;
  return { drift: 0, activity: 1, phase: 0, count: counterWrap(tag, sim.nominal), heat: 0, level };
}

/**
 * Advances one tag by `step.dtS` and returns its new state and value (engineering units).
 *
 * - `analog`: nominal + drift (bounded random walk within ±drift) + noise (`noise` is a
 *   standard deviation; samples are bounded at ±3σ).
 * - `ramp`: saw-tooth from `min` (default 0) to `max` (default `nominal`, or min + 100) over
 *   `periodS`; it advances only while the line runs (e.g. a pallet filling up).
 * - `counter`: starts at `nominal`, adds `rate`/s while the line runs, whole raw steps for
 *   integer types, wraps to 0 past the type's maximum. Assumes offset 0.
 * - `running` / `fault`: 1 while the line runs / is jammed.
 * - `constant`: `nominal`.
 * - `command`: `step.input` (what a client wrote), else its last value (initially 1 for
 *   `run`, 0 for `reset`); what it does to the line is the line model's business.
 *
 * `analog`, `ramp` and `constant` settle exponentially to `whenStopped` (if set) while the
 * line does not run, climb in the `overheat` scenario when `sim.overheat`, and are clamped
 * to `min`/`max` when given. With `sim.follows` their level (a ramp's top) moves toward
 * `step.input` with time constant `followTauS` (default FOLLOW_TAU_S) instead of standing at
 * `nominal`.
 */
export function advanceSignal(tag: SimulatedTag, state: SignalState, step: SignalStep): { state: SignalState; value: number } {
  const { sim } = tag;
  const { dtS, condition, random } = step;
  switch (sim.model) {
    case 'running':
      return { state, value: condition.running ? 1 : 0 };
    case 'fault':
      return { state, value: condition.jammed ? 1 : 0 };
    case 'command': {
      const value = step.input === undefined ? state.level : step.input !== 0 ? 1 : 0;
      return { state: { ...state, level: value }, value };
    }
    case 'counter': {
      const count = condition.running ? counterWrap(tag, state.count + sim.rate * dtS) : state.count;
      return { state: { ...state, count }, value: counterValue(tag, count) };
    }
    case 'analog':
    case 'ramp':
    case 'constant': {
      const heating = step.scenario === 'overheat' && sim.overheat;
      const reference = heatReference(sim);
      const following = sim.follows !== undefined && step.input !== undefined;
      const next: SignalState = {
        ...state,
        level: following ? approach(state.level, step.input!, dtS, sim.followTauS ?? FOLLOW_TAU_S) : state.level,
        activity: settle(state.activity, condition.running ? 1 : 0, dtS),
        heat: heating ? Math.min(state.heat + OVERHEAT_RATE_PER_S * reference * dtS, OVERHEAT_CAP * reference) : state.heat,
        drift: sim.model === 'analog' ? walk(state.drift, sim.drift, dtS, random) : 0,
        phase: sim.model === 'ramp' && condition.running ? (state.phase + dtS / sim.periodS) % 1 : state.phase,
      };
      const level = sim.model === 'ramp' ? rampLevel(sim, next.level, next.phase) : next.level + next.drift;
      const noise = sim.model === 'constant' || sim.noise === 0 ? 0 : sim.noise * gaussianish(random);
      const active = level + next.heat + noise;
      const value = sim.whenStopped === undefined ? active : next.activity * active + (1 - next.activity) * sim.whenStopped;
      return { state: next, value: clamp(value, sim.min, sim.max) };
    }
  }
}

/** Exponential approach of `from` toward `to` over `dtS` with time constant SETTLE_TAU_S. */
export function settle(from: number, to: number, dtS: number): number {
  return approach(from, to, dtS, SETTLE_TAU_S);
}

/** Exponential approach of `from` toward `to` over `dtS` with time constant `tauS`. */
export function approach(from: number, to: number, dtS: number, tauS: number): number {
  return to + (from - to) * Math.exp(-dtS / tauS);
}

/** One step of a random walk whose spread grows to ~`bound` in DRIFT_TIME_S, reflected at ±bound. */
function walk(x: number, bound: number, dtS: number, random: () => number): number {
  if (bound === 0 || dtS === 0) return x;
  let next = x + bound * Math.sqrt(dtS / DRIFT_TIME_S) * gaussianish(random);
  if (next > bound) next = 2 * bound - next;
  if (next < -bound) next = -2 * bound - next;
  return clamp(next, -bound, bound);
}

/** Mean 0, standard deviation 1, bounded at ±3 (sum of three uniforms). */
export function gaussianish(random: () => number): number {
  return (random() + random() + random() - 1.5) * 2;
}

/** What the overheat rate and cap are fractions of: |nominal|, else the span, else 1. */
function heatReference(sim: SimModel): number {
  if (sim.nominal !== 0) return Math.abs(sim.nominal);
  if (sim.min !== undefined && sim.max !== undefined && sim.max > sim.min) return sim.max - sim.min;
  return 1;
}

/** Top of a ramp's saw-tooth without `follows`: `max`, else `nominal`, else min + 100. */
function rampTop(sim: SimModel): number {
  const lo = sim.min ?? 0;
  return sim.max ?? (sim.nominal > lo ? sim.nominal : lo + 100);
}

function rampLevel(sim: SimModel, top: number, phase: number): number {
  const lo = sim.min ?? 0;
  return lo + (top - lo) * phase;
}

function counterWrap(tag: SimulatedTag, count: number): number {
  const wrap = wrapRaw[tag.type] * Math.abs(tag.scale);
  const c = count % wrap;
  return c < 0 ? c + wrap : c;
}

function counterValue(tag: SimulatedTag, count: number): number {
  if (tag.type === 'float32') return count;
  const step = Math.abs(tag.scale);
  return Math.floor(count / step + 1e-9) * step;
}

function clamp(x: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && x < min) return min;
  if (max !== undefined && x > max) return max;
  return x;
}

/** All simulated tags of one PLC, stepped together under one line condition. */
export interface LineModel {
  /** What the line does now: the scenario's condition at start, then as commands leave it. */
  readonly condition: LineCondition;
  /** Tags whose current values `step` wants: the tags others follow, and the commands. */
  readonly inputs: readonly string[];
  /**
   * Advances every simulated tag by `dtS` simulated seconds; values by tag name. `inputs`
   * holds the current values of the tags named in `inputs`, as a client would read them
   * (a missing one keeps its last known value). Commands act first: a reset written in this
   * step clears the fault bits of this step.
   */
  step(dtS: number, inputs?: ReadonlyMap<string, number>): Map<string, number>;
}

/**
 * Tags without a `sim` block are not animated (they hold 0, or whatever a client wrote).
 * `command` tags drive the line: `reset` clears a jam on a 0 → 1 change, `run` latches
 * whether the line may run (initially yes). The line runs while it may and is not jammed.
 */
export function createLineModel(tags: readonly TagConfig[], scenario: Scenario, random: () => number = Math.random): LineModel {
  let { jammed } = lineCondition(scenario);
  let runRequested = true;
  const animated = tags.flatMap((t) => (t.sim ? [{ name: t.name, tag: { type: t.type, scale: t.scale, sim: t.sim } }] : []));
  const states = new Map(animated.map(({ name, tag }) => [name, initialSignal(tag)]));
  const commands = animated.filter(({ tag }) => tag.sim.model === 'command');
  const inputOf = (name: string, sim: SimModel) => (sim.model === 'command' ? name : sim.follows);
  const inputNames = [...new Set(animated.flatMap(({ name, tag }) => inputOf(name, tag.sim) ?? []))];
  const condition = (): LineCondition => ({ running: runRequested && !jammed, jammed });

  /** What the PLC program does with a command's current value. */
  function obey(action: SimModel['action'], previous: number, value: number): void {
    if (action === 'reset' && previous === 0 && value !== 0) jammed = false;
    if (action === 'run') runRequested = value !== 0;
  }

  return {
    get condition() {
      return condition();
    },
    inputs: inputNames,
    step(dtS, inputs = new Map()) {
      for (const { name, tag } of commands) {
        const value = inputs.get(name);
        if (value !== undefined) obey(tag.sim.action, states.get(name)!.level, value);
      }
      const now = condition();
      const values = new Map<string, number>();
      for (const { name, tag } of animated) {
        const from = inputOf(name, tag.sim);
        const input = from === undefined ? undefined : inputs.get(from);
        const { state, value } = advanceSignal(tag, states.get(name)!, { dtS, condition: now, scenario, random, input });
        states.set(name, state);
        values.set(name, value);
      }
      return values;
    },
  };
}

/** A small repeatable uniform random source (mulberry32) for tests and benchmarks. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
