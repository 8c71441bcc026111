import { performance } from 'node:perf_hooks';
import type { Scenario } from '../../lib/plant/schema.ts';
import { handlePdu, type ModbusMemory } from './modbus-pdu.ts';
import { listenModbusTcp, type ModbusTcpStats } from './modbus-tcp-server.ts';
import { createRegisterImage, MEMORY_SIZE } from './register-image.ts';
import { flakyFault } from './request-faults.ts';
import { createLineModel } from './signal-models.ts';
import type { SimulatorSpec } from './simulator-spec.ts';

export interface SimulatorOptions {
  /** Model update period, ms. Default 100. */
  tickMs?: number;
  /** Registers/bits per area. Default MEMORY_SIZE (10 000). */
  memorySize?: number;
  /** Uniform random source for the signals and the `flaky` faults. Default `Math.random`. */
  random?: () => number;
}

export interface Simulator {
  readonly lineId: string;
  readonly host: string;
  /** The port it listens on (the free one picked when the spec said 0). */
  readonly port: number;
  readonly scenario: Scenario;
  /** Tags a client forced by writing to them. */
  forcedTags(): string[];
  stats(): ModbusTcpStats;
  /** Stops the model and the server; resolves when the server is closed. A second call is harmless. */
  close(): Promise<void>;
}

/**
 * A simulated PLC: a real Modbus TCP server whose register image a line model updates every
 * `tickMs`, and at once after each client write, so the model sees every written setpoint
 * and command (a pulse shorter than a tick too). Resolves once it listens; rejects with
 * UnavailableError when it cannot (e.g. the requested port is taken).
 */
export async function startSimulator(spec: SimulatorSpec, options: SimulatorOptions = {}): Promise<Simulator> {
  const random = options.random ?? Math.random;
  const image = createRegisterImage(spec.tags, options.memorySize ?? MEMORY_SIZE);
  const model = createLineModel(spec.tags, spec.scenario, random);
  const byName = new Map(spec.tags.map((t) => [t.name, t]));

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
  const memory: ModbusMemory = {
    size: image.size,
    read: image.read,
    write(area, address, values) {
      image.write(area, address, values);
      tick();
    },
  };

  const tcp = await listenModbusTcp({
    host: spec.host,
    port: spec.port,
    unitIds: new Set([spec.unitId, 0, 255]),
    handle: (pdu) => handlePdu(pdu, memory),
    fault: spec.scenario === 'flaky' ? () => flakyFault(random) : undefined,
  }).catch((error: unknown) => {
    clearInterval(timer);
    throw error;
  });

  return {
    lineId: spec.lineId,
    host: spec.host,
    port: tcp.port,
    scenario: spec.scenario,
    forcedTags: () => image.forced(),
    stats: () => tcp.stats(),
    close() {
      clearInterval(timer);
      return tcp.close();
    },
  };
}
