import { performance } from 'node:perf_hooks';
import type { Scenario, TagConfig } from '../../lib/plant/schema.ts';
import type { ModbusMemory } from './modbus-pdu.ts';
import { createRegisterImage, MEMORY_SIZE } from './register-image.ts';
import { createLineModel } from './signal-models.ts';

export interface SimulatedDeviceOptions {
  /** Model update period, ms. Default 100. */
  tickMs?: number;
  /** Registers/bits per area. Default MEMORY_SIZE (10 000). */
  memorySize?: number;
  /** Uniform random source for the signals. Default `Math.random`. */
  random?: () => number;
}

/** The memory of one simulated PLC, animated by its line model; serve it over TCP or RTU. */
export interface SimulatedDevice {
  readonly memory: ModbusMemory;
  /** Tags a client forced by writing to them. */
  forcedTags(): string[];
  /** Stops the model's timer. A second call is harmless. */
  stop(): void;
}

/**
 * A register image that a line model updates every `tickMs`, and at once after each client
 * write, so the model sees every written setpoint and command (a pulse shorter than a tick too).
 */
export function createSimulatedDevice(tags: readonly TagConfig[], scenario: Scenario, options: SimulatedDeviceOptions = {}): SimulatedDevice {
  const random = options.random ?? Math.random;
  const image = createRegisterImage(tags, options.memorySize ?? MEMORY_SIZE);
  const model = createLineModel(tags, scenario, random);
  const byName = new Map(tags.map((t) => [t.name, t]));

  const apply = (dtS: number, inputs?: ReadonlyMap<string, number>) => {
    for (const [name, value] of model.step(dtS, inputs)) image.setTag(byName.get(name)!, value);
  };
  // The first step has no inputs: the image is still empty, so the model starts from its own
  // initial values (a setpoint at its nominal, a run command at 1) and writes them.
  apply(0);
  // Real elapsed time, so a late tick (busy loop, GC) does not slow the simulated plant down.
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    apply((now - last) / 1000, new Map(model.inputs.map((name) => [name, image.getTag(byName.get(name)!)])));
    last = now;
  };
  const timer = setInterval(tick, options.tickMs ?? 100);
  timer.unref();
  return {
    memory: {
      size: image.size,
      read: image.read,
      write(area, address, values) {
        image.write(area, address, values);
        tick();
      },
    },
    forcedTags: () => image.forced(),
    stop: () => clearInterval(timer),
  };
}
